"""`qc: {on_fail: repair}` in edit lists, and the generation gate's repair-before-regenerate."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from broll.assemble.resolve import validate_edit_list
from broll.assemble.stages import QCGateFailed, prepare
from broll.media import synth

EDIT = """
    version: 1
    output: out/reel.mp4
    preset: youtube-1080p
    loudness: null
    qc: {on_fail: repair}
    timeline:
      - clip: clips/good.mp4
      - clip: clips/%s.mp4
"""


@pytest.fixture
def project(tmp_path):
    synth.make_clip(tmp_path / "clips" / "good.mp4", source="mandelbrot", duration=1.5, audio=None)
    # frames 20-22 black inside a moving shot: repairable
    synth.make_clip(tmp_path / "clips" / "black.mp4", source="mandelbrot", duration=1.5, audio=None,
                    vfilters=["drawbox=c=black:t=fill:enable='between(n,20,22)'"])
    # a hard cut: not repairable
    synth.make_clip(tmp_path / "clips" / "cut.mp4", source="mandelbrot", duration=1.5, audio=None,
                    vfilters=["geq=lum='if(gte(N,20),255-lum(X,Y),lum(X,Y))':cb='cb(X,Y)':cr='cr(X,Y)'"])
    return tmp_path


def _edit(root: Path, name: str) -> Path:
    path = root / "edit.yaml"
    path.write_text(textwrap.dedent(EDIT % name).lstrip("\n"))
    return path


def test_on_fail_repair_builds_with_the_repaired_copy(project):
    edit, jobs = validate_edit_list(_edit(project, "black"))
    jobs, report = prepare(edit, jobs)
    paths = [it.source.path for it in jobs[0].timeline.items]
    assert any("/.broll/repaired/" in p and p.endswith("black.mp4") for p in paths)
    assert report.qc["clips/black.mp4"] in ("pass", "review")
    assert any("repaired: black" in w for w in report.warnings)
    # a rebuild reuses the repaired copy
    edit, jobs = validate_edit_list(_edit(project, "black"))
    jobs2, report2 = prepare(edit, jobs)
    assert [it.source.path for it in jobs2[0].timeline.items] == paths


def test_on_fail_repair_stops_when_a_clip_cannot_be_repaired(project):
    edit, jobs = validate_edit_list(_edit(project, "cut"))
    with pytest.raises(QCGateFailed, match="still regenerate"):
        prepare(edit, jobs)
