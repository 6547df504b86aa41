"""A reel the build retimed offers "source frames only": its frame map reaches the page."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from broll.assemble.framemap import FrameMap, sidecar_path
from broll.media.frames import iter_frames
from broll.media.synth import read_frame_number
from broll.review.context import retime_summary
from broll.review.server import ReviewServer

TINY_PRESET = """\
tiny:
  base: 16x9-1080p
  width: 320
  height: 180
  video: {x264_preset: ultrafast, crf: 30}
"""


def test_retime_summary_lists_first_showings_only(tmp_path):
    reel = tmp_path / "reel.mp4"
    reel.write_bytes(b"")
    assert retime_summary(reel) is None                     # no sidecar: nothing to offer
    fmap = FrameMap(fps=30, frames=9, runs=((1, 3, "repeat"), (4, 6, "synth")), methods=("repeat", "motion"))
    sidecar_path(reel).write_text(json.dumps(fmap.to_dict()))
    got = retime_summary(reel)
    assert got["source_frames"] == [0, 3, 6, 7, 8]
    assert (got["repeat"], got["synth"], got["frames"], got["fps"]) == (2, 2, 9, 30.0)
    assert got["methods"] == ["motion", "repeat"]
    sidecar_path(reel).write_text("{not json")               # unreadable: shown as a plain clip
    assert retime_summary(reel) is None


@pytest.mark.slow
def test_built_reel_lists_its_source_frames(tmp_path, media, monkeypatch):
    """End to end: `broll build` retimes a 10 fps clip into a 30 fps reel; review lists the reel
    with the frames that show each source picture first, and those frames are the source's, in order."""
    presets = tmp_path / "presets.yaml"
    presets.write_text(TINY_PRESET)
    monkeypatch.setenv("BROLL_PRESETS", str(presets))
    root = tmp_path / "proj"
    (root / "clips").mkdir(parents=True)
    shutil.copy(media.numbered("n10.mp4", fps=10, frames=8), root / "clips" / "n10.mp4")
    edit = root / "edit.yaml"
    edit.write_text(textwrap.dedent("""\
        version: 1
        output: reels/reel.mp4
        preset: tiny
        fps: 30
        loudness: null
        timeline:
          - clip: clips/n10.mp4
            retime: repeat
        """))
    proc = subprocess.run([sys.executable, "-m", "broll", "build", str(edit)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    reel = root / "reels" / "reel.mp4"
    with ReviewServer(root, port=0) as srv:
        listed = {c["path"]: c for c in srv.app.clips_payload()["clips"]}
    assert listed["clips/n10.mp4"]["retime"] is None
    rt = listed["reels/reel.mp4"]["retime"]
    assert rt["source_frames"] == list(range(0, 24, 3)) and rt["repeat"] == 16 and rt["methods"] == ["repeat"]
    frames = [f.image for f in iter_frames(reel)]
    assert [read_frame_number(frames[i]) for i in rt["source_frames"]] == list(range(8))
