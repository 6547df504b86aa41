"""The driver side of check and grade runs: cache lookups before tasks, results stored as tasks end."""

from __future__ import annotations

import pytest

from broll.errors import MediaError
from broll.executors import LocalExecutor, Outcome, Task
from broll.executors.jobs import CheckRun, GradeRun
from broll.executors.work import ErrorInfo


def test_check_results_are_stored_as_each_task_ends_and_reused(media, tmp_path):
    a = media.clip("a.mp4", duration=0.5, audio=None)
    b = media.clip("b.mp4", duration=0.5, audio=None, source="mandelbrot")
    run = CheckRun([a, b, tmp_path / "missing.mp4"], "default", tmp_path)
    assert len(run.tasks) == 2
    # only the first task finishes; the second "dies": the first is in the cache all the same
    first = LocalExecutor(workers=1).run(run.tasks[:1])[0]
    run.adopt(first)
    run.adopt(Outcome(1, error=ErrorInfo("WorkerDied", "b.mp4: died", None, 3)))
    with pytest.raises(MediaError, match="missing.mp4: file not found"):
        run.result(2)
    again = CheckRun([a, b], "default", tmp_path)
    assert [t.label for t in again.tasks] == [str(b)]            # a is cached, b is not
    report, sheet = again.result(0)
    assert report.cached and report.path == str(a) and sheet is None


def test_a_fresh_fit_files_its_luts_in_the_project_cache(media, tmp_path):
    clip = media.clip("warm.mp4", duration=0.5, audio=None, vfilters=["colorbalance=rs=0.2"])
    ref = media.image("ref.png", source="mandelbrot")
    kw = dict(method="mkl", strength=0.8, cache_root=tmp_path, out_dir=tmp_path / "out", lut_only=True, apply="exact")
    run = GradeRun([clip], ref, **kw)
    assert len(run.tasks) == 1
    for outcome in LocalExecutor().run(run.tasks):
        run.adopt(outcome)
    result = run.result(0)
    lut = tmp_path / ".broll" / "luts" / f"{result.key[:20]}-shot0.cube"
    assert result.shots[0].lut == str(lut) and "LUT_3D_SIZE 33" in lut.read_text()
    again = GradeRun([clip], ref, **kw)
    assert again.tasks == [] and again.result(0).cached
    assert again.result(0).shots[0].lut == str(lut)
