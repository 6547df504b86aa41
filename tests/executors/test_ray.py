"""The Ray executor on a real two-node local cluster: same results as the local pool.

Every test here shares one cluster (session fixture in conftest.py) and runs in one xdist group,
so a parallel run starts one cluster, not one per worker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from broll.cli import main
from broll.errors import ExitCode
from broll.executors import LocalExecutor, Task, TaskFailed, get_executor
from broll.testing import executor_tasks as jobs

pytest.importorskip("ray")
pytestmark = [pytest.mark.xdist_group("ray"), pytest.mark.slow]


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def qc_clips(tmp_path_factory) -> list[Path]:
    """Four clips with different verdicts: clean, flashing, frozen, black frames."""
    import numpy as np

    from broll.testing import injection as inj

    root = tmp_path_factory.mktemp("ray-qc")
    clean = inj.base("testsrc2", 60)
    clips = [inj.encode(root / "clean.mp4", clean)]
    for kind in ("flash", "freeze", "black"):
        frames, _ = inj.DEFECTS[kind](clean, np.random.default_rng(3), "high")
        clips.append(inj.encode(root / f"{kind}.mp4", frames))
    return clips


def _comparable(doc: dict) -> list[dict]:
    out = []
    for clip in doc["clips"]:
        clip = dict(clip)
        clip.pop("metrics", None)        # includes wall-clock seconds
        out.append(clip)
    return out


def test_check_on_ray_gives_the_local_verdicts(qc_clips, on_cluster, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = ["check", *map(str, qc_clips), "--json", "--no-cache"]
    local = _run(*args, "--executor", "local")
    remote = _run(*args, "--executor", "ray")
    assert remote.exit_code == local.exit_code
    a, b = json.loads(local.output), json.loads(remote.output)
    assert [c["verdict"] for c in b["clips"]] == [c["verdict"] for c in a["clips"]]
    assert len({c["verdict"] for c in a["clips"]}) >= 2           # not a trivial all-pass comparison
    assert _comparable(b) == _comparable(a)


def test_check_on_ray_fills_the_project_cache(qc_clips, on_cluster, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BROLL_EXECUTOR", "ray")
    first = json.loads(_run("check", *map(str, qc_clips[:2]), "--json", "--project", str(tmp_path)).output)
    again = _run("check", *map(str, qc_clips[:2]), "--project", str(tmp_path), "--executor", "local")
    assert len(first["clips"]) == 2
    assert again.output.count("(cached)") == 2            # the Ray workers stored both reports


def test_grade_on_ray_writes_the_same_lut_bytes(media, on_cluster, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    warm = media.clip("warm.mp4", duration=1.0, audio=None, vfilters=["colorbalance=rs=0.25:bs=-0.2"])
    cool = media.clip("cool.mp4", duration=1.0, audio=None, vfilters=["colorbalance=rs=-0.2:bs=0.25"])
    ref = media.image("ref.png", source="mandelbrot")
    outs = {}
    for ex in ("local", "ray"):
        r = _run("grade", str(warm), str(cool), "-r", str(ref), "--lut-only", "--no-cache", "-o", ex,
                 "--executor", ex, "--json")
        assert r.exit_code == 0, r.output
        outs[ex] = json.loads(r.output)
    luts = sorted(p.name for p in (tmp_path / "local").glob("*.cube"))
    assert luts and luts == sorted(p.name for p in (tmp_path / "ray").glob("*.cube"))
    for name in luts:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert [c["de_after"] for c in outs["ray"]["clips"]] == [c["de_after"] for c in outs["local"]["clips"]]


def test_graded_copies_on_ray(media, on_cluster, monkeypatch, tmp_path):
    from broll.media.probe import probe
    monkeypatch.chdir(tmp_path)
    clip = media.clip("tint.mp4", duration=0.5, audio=None, vfilters=["colorbalance=gs=0.2"])
    ref = media.image("ref2.png", source="mandelbrot")
    r = _run("grade", str(clip), "-r", str(ref), "-o", "out", "--executor", "ray", "--json")
    assert r.exit_code == 0, r.output
    out = tmp_path / "out" / clip.name
    assert probe(out).frame_count == probe(clip).frame_count


def test_ray_retries_a_task_whose_worker_died(on_cluster, tmp_path):
    tasks = [Task(jobs.square, f"t{i}", (), {"x": i}) for i in range(3)]
    tasks.append(Task(jobs.die_once, "dies", (), {"marker": str(tmp_path / "marker"), "x": 42}))
    outcomes = get_executor("ray", max_retries=2).run(tasks)
    assert [o.unwrap() for o in outcomes] == [0, 1, 4, 42]
    assert (tmp_path / "marker").exists()                 # it really died once


def test_ray_gives_up_with_one_error_line(on_cluster):
    [outcome] = get_executor("ray", max_retries=1).run([Task(jobs.die, "doomed.mp4")])
    with pytest.raises(TaskFailed, match=r"^doomed.mp4: the Ray task failed after 1 retries") as exc:
        outcome.unwrap()
    assert exc.value.exit_code == ExitCode.TOOL and "\n" not in exc.value.message


def test_ray_errors_and_progress_match_the_local_pool(on_cluster):
    tasks = [Task(jobs.square, "a", (), {"x": 5}), Task(jobs.fail, "b.mp4", (), {"kind": "input"}),
             Task(jobs.fail, "c.mp4", (), {"kind": "ffmpeg"})]
    seen: list[tuple[float, int]] = []
    remote = get_executor("ray").run(tasks, on_progress=lambda d, t: seen.append((d, t)))
    local = LocalExecutor(workers=2).run(tasks)
    assert [(o.value, o.error and (o.error.message, o.error.hint, o.error.exit_code)) for o in remote] == \
           [(o.value, o.error and (o.error.message, o.error.hint, o.error.exit_code)) for o in local]
    assert seen[-1] == (3.0, 3)


def test_ray_tasks_reach_both_nodes(on_cluster):
    import ray
    ray.init(address=on_cluster)
    try:
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        pids = {o.unwrap() for o in get_executor("ray").run([Task(jobs.worker_pid, f"p{i}", (), {"nap": 0.5})
                                                                 for i in range(6)])}
        assert len(pids) >= 2          # one worker process per node at least
    finally:
        ray.shutdown()


def test_without_ray_address_broll_starts_and_stops_its_own_ray(qc_clips, ray_processes, monkeypatch, tmp_path):
    ray_pids, wait_until_gone = ray_processes
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.chdir(tmp_path)
    before = ray_pids()
    r = _run("check", str(qc_clips[0]), str(qc_clips[2]), "--json", "--executor", "ray")
    assert r.exit_code in (0, 1), r.output
    assert [c["path"] for c in json.loads(r.output)["clips"]] == [str(qc_clips[0]), str(qc_clips[2])]
    assert not wait_until_gone(ray_pids() - before), "broll left its private Ray running"


def test_export_presets_on_ray_match_the_local_outputs(media, on_cluster, monkeypatch, tmp_path):
    from broll.media.probe import probe
    monkeypatch.chdir(tmp_path)
    clip = media.clip("landscape.mp4", duration=1.0, size=(640, 360))
    shapes = {}
    for ex in ("local", "ray"):
        r = _run("export", str(clip), "-p", "reels,square", "--draft", "--reframe", "center", "-o", ex,
                 "--executor", ex, "--json")
        assert r.exit_code == 0, r.output
        outs = json.loads(r.output)["outputs"]
        shapes[ex] = [(o["preset"], o["width"], o["height"], probe(o["path"]).frame_count) for o in outs]
    assert shapes["ray"] == shapes["local"] and len(shapes["ray"]) == 2
