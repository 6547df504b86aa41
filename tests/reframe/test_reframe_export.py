"""The issue's case end to end: `broll export --preset reels` keeps a red disc crossing a zooming
busy background whole, and reports the strategy and confidence per output."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from broll.cli import main
from broll.media.frames import iter_frames
from broll.testing.reframe_scenes import NO_SUBJECT, SCENES, make_scene_clip


def _red_disc_whole(path, radius_px: float) -> float:
    """Share of frames where the saturated red disc is whole: enough red pixels, none on the sides."""
    seen = []
    for fr in iter_frames(path, width=180, fmt="rgb24"):
        img = fr.image.astype(int)
        red = (img[..., 0] > 150) & (img[..., 1] < 90) & (img[..., 2] < 90)
        cols = np.flatnonzero(red.sum(axis=0))
        seen.append(bool(red.sum() > 0.6 * np.pi * radius_px ** 2 and cols.size
                         and cols[0] > 0 and cols[-1] < red.shape[1] - 1))
    return float(np.mean(seen))


def test_reels_export_follows_the_disc_and_says_so(tmp_path):
    clip = make_scene_clip("issue-zoom", tmp_path / "clip.mp4", size=(320, 180))
    small = tmp_path / "small.yaml"                      # reels at a third of the size: a faster test
    small.write_text("reels:\n  base: reels\n  width: 360\n  height: 640\n")
    radius = SCENES["issue-zoom"].radius * 320 * (640 / 180) * (180 / 360)   # in the 180-px-wide decode
    shares = {}
    for mode in ("subject", "center"):
        result = CliRunner().invoke(main, ["export", str(clip.path), "-p", "reels", "-o", str(tmp_path / mode),
                                           "--file", str(small), "--reframe", mode, "--draft", "--json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.output)["outputs"][0]
        shares[mode] = _red_disc_whole(tmp_path / mode / "clip-reels.mp4", radius)
        if mode == "subject":
            assert out["reframe"] == "subject" and out["confidence"] > 0.5 and out["requested"] == ""
        else:
            assert out["confidence"] is None
    assert shares["subject"] >= 0.95, shares
    assert shares["center"] < 0.5, shares


def test_no_subject_export_uses_the_blurred_fill_and_warns(tmp_path):
    clip = make_scene_clip(NO_SUBJECT, tmp_path / "tex.mp4", size=(320, 180))
    small = tmp_path / "small.yaml"
    small.write_text("reels:\n  base: reels\n  width: 360\n  height: 640\n")
    result = CliRunner().invoke(main, ["export", str(clip.path), "-p", "reels", "-o", str(tmp_path / "o"),
                                       "--file", str(small), "--draft"])
    assert result.exit_code == 0, result.output
    assert "no subject found with confidence" in result.output
    assert "blur: no confident subject" in result.output
    first = next(iter_frames(tmp_path / "o" / "tex-reels.mp4", width=90, fmt="gray")).image
    assert first[:8].mean() > 30                         # a blurred fill above the picture, not black bars
