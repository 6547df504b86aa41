"""End to end through FFmpeg: the subject stays in the vertical export; the centre crop loses it."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from broll.cli import main
from broll.media.frames import iter_frames

DISC_RADIUS = 20                 # as drawn by the ``reel`` fixture in conftest.py


def _disc_visible(path, radius_px: float) -> float:
    """Share of frames in which the bright disc is whole: enough bright pixels, none at the sides."""
    seen = []
    for fr in iter_frames(path, width=108, fmt="gray"):
        bright = fr.image > 200
        cols = np.flatnonzero(bright.sum(axis=0))
        whole = bright.sum() > 0.7 * np.pi * radius_px ** 2
        seen.append(bool(whole and cols.size and cols[0] > 0 and cols[-1] < fr.image.shape[1] - 1))
    return float(np.mean(seen))


def test_subject_reframe_keeps_the_disc(reel, tmp_path):
    small = tmp_path / "small.yaml"                          # reels at a third of the size: a faster test
    small.write_text("reels:\n  base: reels\n  width: 360\n  height: 640\n")
    for mode in ("subject", "center"):
        out = tmp_path / mode
        result = CliRunner().invoke(main, ["export", str(reel), "-p", "reels", "-o", str(out), "--file", str(small),
                                           "--reframe", mode, "--draft"])
        assert result.exit_code == 0, result.output
    radius = DISC_RADIUS * (640 / 360) * (108 / 360)       # in the 108-px-wide decoded output
    assert _disc_visible(tmp_path / "subject" / "reel-reels.mp4", radius) >= 0.95
    # the centre crop loses it for most of its journey (x from 100 to 540 of 640)
    assert _disc_visible(tmp_path / "center" / "reel-reels.mp4", radius) < 0.6


def test_blur_and_contain_fill_the_frame(reel, tmp_path):
    for mode in ("blur", "contain"):
        result = CliRunner().invoke(main, ["export", str(reel), "-p", "square", "-o", str(tmp_path / mode),
                                           "--reframe", mode, "--draft"])
        assert result.exit_code == 0, result.output
    blur = next(iter_frames(tmp_path / "blur" / "reel-instagram-square.mp4", width=108, fmt="gray")).image
    contain = next(iter_frames(tmp_path / "contain" / "reel-instagram-square.mp4", width=108, fmt="gray")).image
    assert contain[:10].max() < 20                  # black bars above the picture
    assert blur[:10].mean() > 40                    # blurred picture, not black
