"""`reframe: subject` in a build takes the same path as `broll export`: a subject wider than the
9:16 window is shown whole over the one blurred fill, not cut by a plain crop."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from broll.assemble.resolve import validate_edit_list
from broll.cli import main
from broll.media.frames import iter_frames
from broll.media.probe import probe
from broll.reframe.timeline import ITEM_TAG, subject_crop, with_subject_crops
from broll.testing.reframe_scenes import WIDE_SUBJECT, make_scene_clip


def _sharpness(rows: np.ndarray) -> float:
    return float(np.abs(np.diff(rows.astype(float), axis=1)).mean())


def test_build_of_a_wide_subject_widens_over_the_blurred_fill(tmp_path):
    make_scene_clip(WIDE_SUBJECT, tmp_path / "wide.mp4", size=(320, 180))
    (tmp_path / "edit.yaml").write_text(
        "version: 1\noutput: out/v.mp4\npreset: 9x16-1080p\n"
        "defaults: {reframe: subject}\n"
        "timeline:\n  - {clip: wide.mp4}\n  - {clip: wide.mp4, in: 1, out: 3, speed: 2}\n")
    _, jobs = validate_edit_list(tmp_path / "edit.yaml")
    tl = jobs[0].timeline
    crop, path = subject_crop(tl.items[0], tl.width, tl.height)
    assert path.widened and "zoompan" in crop and "boxblur" in crop and ITEM_TAG in crop
    assert not crop.startswith("[") and not crop.endswith("]"), "a chain fragment: the item's chain goes on"
    items = with_subject_crops(tl).items
    assert "[rf0" in items[0].video_filter and "[rf1" in items[1].video_filter and ITEM_TAG not in items[1].video_filter
    result = CliRunner().invoke(main, ["build", str(tmp_path / "edit.yaml"), "--preview", "--json", "-q"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)["outputs"][0]["path"]
    info = probe(out)
    assert abs(float(info.duration) - 5.0) < 0.1, info.duration            # 4 s + 2 s at double speed
    frames = [f.image for f in iter_frames(out, fmt="gray")]
    fps = float(info.fps)
    h = frames[0].shape[0]
    # at 2 s the ellipse is at its widest: the window is widened, the picture sits in the middle
    # with the soft fill above and below; at the start it is the plain crop, sharp to the top
    start, widest = frames[0], frames[int(2.0 * fps)]
    top = slice(0, h // 8)
    assert _sharpness(widest[top]) < 0.5 * _sharpness(start[top])
    assert _sharpness(widest[h // 2 - h // 16:h // 2 + h // 16]) > 2 * _sharpness(widest[top])
