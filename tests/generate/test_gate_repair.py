"""The generation gate repairs a `regenerate` take first and pays for a new one only if the repair fails."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from gen_helpers import make_runner, write_batch
from test_generate_gate import ScriptedChecker


@dataclass
class _Step:
    kind: str = "glitch"
    start: int = 12
    end: int = 12


@dataclass
class _Result:
    verdict: str
    output: str
    repairs: list = field(default_factory=lambda: [_Step()])


class FakeRepairer:
    def __init__(self, verdict: str):
        self.verdict, self.seen = verdict, []

    def __call__(self, path: Path):
        self.seen.append(path)
        out = path.parent / ".repaired" / path.name
        out.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, out)
        with open(out, "ab") as fh:
            fh.write(b"\0")          # a different file, as a repair makes
        return _Result(self.verdict, str(out))


def test_a_repaired_take_is_kept_without_regenerating(fake_env, tmp_path):
    fake = fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2}, attempts=3)
    runner, jobs = make_runner(spec, checker=ScriptedChecker("regenerate"))
    runner.repairer = FakeRepairer("pass")
    rows = runner.run(jobs)
    assert fake.count("create") == 1
    assert rows[0].state == "done" and rows[0].qc_verdict == "pass"
    assert "repaired glitch 12-12" in rows[0].message and "QC said regenerate" in rows[0].message
    assert (tmp_path / "clips" / ".rejected" / "a-a0.mp4").is_file()        # the original take is kept
    tasks = runner.manifest.tasks(jobs[0].key)
    assert "QC regenerate" in (tasks[0]["reason"] or "") and "repaired take: pass" in tasks[0]["reason"]
    from broll.hashing import file_sha256
    assert rows[0].sha256 == file_sha256(rows[0].file)


def test_a_take_still_failing_after_repair_is_regenerated(fake_env, tmp_path):
    fake = fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2}, attempts=3)
    runner, jobs = make_runner(spec, checker=ScriptedChecker("regenerate", "pass"))
    runner.repairer = FakeRepairer("regenerate")
    rows = runner.run(jobs)
    assert fake.count("create") == 2 and rows[0].state == "done" and rows[0].attempt == 1
    assert "still regenerate after repair" in runner.manifest.tasks(jobs[0].key)[0]["reason"]
