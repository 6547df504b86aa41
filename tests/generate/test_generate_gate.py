"""The QC gate: regenerate with a new recorded seed up to `attempts`, review for a person."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from gen_helpers import make_runner, run_cli, write_batch

from broll.errors import InstallError
from broll.generate.gate import default_checker, run_gate


@dataclass
class Finding:
    kind: str
    severity: str
    message: str


@dataclass
class Report:
    verdict: str

    @property
    def findings(self):
        return [Finding("flash", self.verdict, f"checker said {self.verdict}"), Finding("levels", "note", "fine")]


class ScriptedChecker:
    def __init__(self, *verdicts: str):
        self.verdicts = list(verdicts)
        self.seen = []

    def __call__(self, path):
        self.seen.append(path)
        return Report(self.verdicts.pop(0) if len(self.verdicts) > 1 else self.verdicts[0])


def test_regenerate_verdict_resubmits_with_a_new_recorded_seed(fake_env, tmp_path):
    fake = fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2}, seed=4242,
                       attempts=3)
    checker = ScriptedChecker("regenerate", "pass")
    runner, jobs = make_runner(spec, checker=checker)
    rows = runner.run(jobs)
    assert rows[0].state == "done" and rows[0].qc_verdict == "pass" and rows[0].attempt == 1
    seeds = [r.json["seed"] for r in fake.log if r.kind == "create"]
    assert seeds[0] == 4242 and len(seeds) == 2 and seeds[1] != 4242
    assert rows[0].seed == seeds[1]
    tasks = runner.manifest.tasks(jobs[0].key)
    assert [t["seed"] for t in tasks] == seeds
    assert (tmp_path / "clips" / ".rejected" / "a-a0.mp4").is_file()      # the rejected take is kept
    assert float(rows[0].cost) == 0.48                                     # both takes were paid for (gen4.5 2 s x $0.12)


def test_status_lists_every_take_with_its_seed(fake_env, tmp_path, capsys):
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2}, seed=9)
    runner, jobs = make_runner(spec, checker=ScriptedChecker("regenerate", "pass"))
    runner.run(jobs)
    code, out, _ = run_cli(["generate", "status", str(spec), "--json"], capsys)
    tasks = json.loads(out)["clips"][0]["tasks"]
    assert [t["attempt"] for t in tasks] == [0, 1] and tasks[0]["seed"] == 9 and tasks[1]["seed"] != 9


def test_regenerate_stops_after_attempts_and_asks_a_person(fake_env, tmp_path):
    fake = fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2}, seed=1,
                       attempts=2)
    runner, jobs = make_runner(spec, checker=ScriptedChecker("regenerate"))
    rows = runner.run(jobs)
    assert fake.count("create") == 3          # original + 2 regenerations
    assert rows[0].state == "review" and "a person should decide" in rows[0].message


def test_review_verdict_marks_for_a_person(fake_env, tmp_path):
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec, checker=ScriptedChecker("review"))
    rows = runner.run(jobs)
    assert rows[0].state == "review" and rows[0].qc_verdict == "review"
    assert rows[0].message == "flash: checker said review"


def test_offline_regenerate_renders_a_different_take(tmp_path, style_ref):
    spec = write_batch(tmp_path, "offline", [{"id": "a", "prompt": "x"}], defaults={"duration": 1},
                       style_reference=str(style_ref), seed=5)
    runner, jobs = make_runner(spec, checker=ScriptedChecker("regenerate", "pass"))
    rows = runner.run(jobs)
    from broll.hashing import file_sha256
    assert rows[0].state == "done" and rows[0].attempt == 1
    assert file_sha256(tmp_path / "clips" / ".rejected" / "a-a0.mp4") != rows[0].sha256


def test_checker_crash_goes_to_review_not_lost(fake_env, tmp_path):
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})

    def broken(path):
        raise RuntimeError("boom")

    runner, jobs = make_runner(spec, checker=broken)
    rows = runner.run(jobs)
    assert rows[0].state == "review" and "boom" in rows[0].message


def test_a_broken_qc_import_stops_the_batch_before_anything_is_paid(fake_env, tmp_path, capsys, monkeypatch):
    """On def0763 this exited 0 with every paid clip marked done and `qc: skipped`."""
    import sys
    fake = fake_env("runway")
    monkeypatch.setitem(sys.modules, "broll.qc", None)       # `import broll.qc` raises ImportError
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    code, out, err = run_cli(["generate", str(spec), "--json"], capsys)
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert code == 3, err
    assert len(errors) == 1 and "the QC gate cannot run" in errors[0] and "broll.qc" in errors[0], err
    assert "--no-qc" in err and "Traceback" not in err
    assert not [r for r in fake.log if r.kind == "create"]   # nothing submitted, nothing paid
    with pytest.raises(InstallError):
        default_checker()


def test_a_missing_qc_dependency_fails_loudly_in_a_fresh_process(tmp_path):
    """The realistic case: OpenCV missing. broll.qc itself imports, its signals module does not;
    on def0763 the gate ran, every check raised, and clips went on unchecked."""
    import subprocess
    import sys
    spec = write_batch(tmp_path, "offline", [{"id": "a", "prompt": "x"}], defaults={"duration": 1})
    code = ("import sys; sys.modules['cv2'] = None; from broll.cli import run; "
            f"run(['generate', {str(spec)!r}, '--json'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1 and "the QC gate cannot run" in lines[0] and "cv2" in lines[0], proc.stderr
    assert "--no-qc" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "clips").exists() or not list((tmp_path / "clips").glob("*.mp4"))


def test_an_import_error_inside_the_checker_stops_the_batch_and_never_marks_done(fake_env, tmp_path):
    from broll.generate import manifest as M
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y"}],
                       defaults={"duration": 2}, concurrency=1)

    def broken(path):
        raise ImportError("No module named 'scenedetect'")

    runner, jobs = make_runner(spec, checker=broken)
    with pytest.raises(InstallError, match="scenedetect"):
        runner.run(jobs)
    states = [runner.manifest.get(j.key).state for j in jobs]
    assert M.DONE not in states and M.REVIEW not in states
    with pytest.raises(InstallError):
        run_gate(broken, tmp_path)
    assert run_gate(None, tmp_path).verdict == "skipped"     # --no-qc: off on purpose


def test_real_qc_gate_regenerates_a_flashing_clip_end_to_end(fake_env, tmp_path, capsys):
    """broll.qc (merged from main) rejects the first take (white flashes); the CLI resubmits
    with a new seed and keeps the clean second take."""
    fake = fake_env("runway", video_kind="placeholder", flash_first=1)
    spec = write_batch(tmp_path, "runway", [{"id": "hero", "prompt": "a watch on a plinth"}],
                       defaults={"duration": 2}, seed=100, attempts=2)
    code, out, err = run_cli(["generate", str(spec), "--json"], capsys)
    assert code == 0, err
    clip = json.loads(out)["clips"][0]
    # the second take is clean of flashes; QC's softer heuristics may still ask for a look
    assert clip["attempt"] == 1 and clip["qc"] in ("pass", "review") and clip["state"] in ("done", "review")
    seeds = [r.json["seed"] for r in fake.log if r.kind == "create"]
    assert len(seeds) == 2 and seeds[0] == 100 and clip["seed"] == seeds[1] != 100
    assert (tmp_path / "clips" / ".rejected" / "hero-a0.mp4").is_file()
    code, out, _ = run_cli(["generate", "status", str(spec), "--json"], capsys)
    first = json.loads(out)["clips"][0]["tasks"][0]
    assert first["reason"].startswith("QC regenerate: flash")
