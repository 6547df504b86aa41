"""Brand overlays through FFmpeg: placed inside the safe zone, on screen only between their times."""

from fractions import Fraction

import numpy as np
import pytest

from broll.assemble.overlays import Placement, overlay_statements, position
from broll.captions.ass import Canvas
from broll.media.ffmpeg import run_ffmpeg
from broll.media.frames import iter_frames


def test_position_corners_respect_the_safe_zone():
    frame = Canvas(1080, 1920, Fraction(30), 0.14, 0.35, 0.06, 0.06)
    assert position("top-left", 0.0, frame) == ("65", "269")
    assert position("bottom-right", 0.0, frame) == ("1015-w", "1248-h")
    with pytest.raises(ValueError):
        position("middle", 0.0, frame)


@pytest.mark.parametrize("anchor", ["top-right", "bottom-left", "center"])
def test_logo_lands_inside_the_safe_zone_between_its_times(tmp_path, anchor):
    logo = tmp_path / "logo.png"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=white:s=64x32", "-frames:v", "1", "-y", str(logo)])
    frame = Canvas(320, 180, Fraction(10), 0.1, 0.2, 0.05, 0.05)
    place = Placement(anchor=anchor, margin=0.02, scale=0.2, opacity=1.0, start=Fraction(1, 2), end=Fraction(1))
    graph = ";".join(overlay_statements("1:v", "0:v", "out", place, frame, "logo0"))
    out = tmp_path / "o.mkv"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=320x180:r=10:d=1.5", "-i", str(logo),
                "-filter_complex", graph, "-map", "[out]", "-c:v", "ffv1", "-y", str(out)])
    frames = [f.image for f in iter_frames(out, fmt="gray")]
    lit = [i for i, f in enumerate(frames) if (f > 128).any()]
    assert lit == list(range(5, 10))
    ys, xs = np.nonzero(frames[6] > 128)
    assert xs.min() >= 0.05 * 320 and xs.max() < 320 * 0.95
    assert ys.min() >= 0.1 * 180 and ys.max() < 180 * 0.8
    assert abs((xs.max() - xs.min() + 1) - 64) <= 2   # 0.2 x 320 wide
