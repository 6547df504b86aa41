"""`qc: {on_fail: repair}` in edit lists, and the generation gate's repair-before-regenerate."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from broll.assemble.build import plan_build
from broll.assemble.stages import QCGateFailed
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
    plan = plan_build(_edit(project, "black"), style=False)
    report = plan.stages
    paths = [it.source.path for it in plan.outputs[0].job.timeline.items]
    assert any("/.broll/repaired/" in p and p.endswith("black.mp4") for p in paths)
    assert report.qc["clips/black.mp4"] in ("pass", "review")
    assert any("repaired: black" in w for w in report.warnings)
    # a rebuild reuses the repaired copy
    again = plan_build(_edit(project, "black"), style=False)
    assert [it.source.path for it in again.outputs[0].job.timeline.items] == paths


def test_on_fail_repair_stops_when_a_clip_cannot_be_repaired(project):
    with pytest.raises(QCGateFailed, match="still regenerate"):
        plan_build(_edit(project, "cut"), style=False)
