"""Pure parts: geometry, smoothing, keyframing, the FFmpeg expression and filter fragments."""

from __future__ import annotations

import numpy as np
import pytest

from broll.errors import UnknownNameError
from broll.reframe import center_path, crop_geometry, reframe_filter
from broll.reframe.path import CropPath, Segment, simplify
from broll.reframe.smooth import jerk, smooth_path


def test_geometry_picks_the_moving_axis():
    g = crop_geometry(1920, 1080, 1080, 1920)
    assert (g.crop_w, g.crop_h, g.axis, g.travel) == (608, 1080, "x", 1312)
    g = crop_geometry(1080, 1920, 1920, 1080)
    assert (g.crop_w, g.crop_h, g.axis) == (1080, 608, "y")
    assert crop_geometry(1280, 720, 1920, 1080).axis == ""


def test_smoother_holds_through_noise_and_keeps_the_band():
    rng = np.random.default_rng(1)
    y = 0.4 + rng.normal(0, 0.01, 80)                       # a still subject, a jittery detector
    c = smooth_path(y, np.ones(80), y - 0.1, y + 0.1, limits=(0.15, 0.85))
    assert np.ptp(c) < 0.005
    ramp = np.linspace(0.2, 0.8, 80) + rng.normal(0, 0.01, 80)
    c = smooth_path(ramp, np.ones(80), ramp - 0.05, ramp + 0.05, limits=(0.15, 0.85))
    assert np.all(np.abs(c - np.clip(ramp, 0.15, 0.85)) < 0.06)
    assert jerk(c) < jerk(ramp) / 5


def test_rdp_keeps_corners_only():
    t = np.arange(21, dtype=float)
    v = np.where(t < 10, t * 2.0, 20.0)
    assert simplify(t, v, 0.5) == [0, 10, 20]


def _evaluate(expr: str, t: float) -> float:
    env = {"iff": lambda c, a, b: a if c else b, "lt": lambda a, b: float(a < b),
           "clip": lambda x, lo, hi: min(max(x, lo), hi), "t": t}
    return eval(expr.replace("if(", "iff("), env)


def test_expression_matches_the_path_with_a_jump_at_a_cut():
    g = crop_geometry(320, 180, 1080, 1920)
    path = CropPath(g, (Segment(0, 1, 10, 110), Segment(1, 2, 110, 110), Segment(2.0, 3, 20, 40)))
    expr = path.expression()
    for t in (0.0, 0.5, 1.5, 1.99, 2.0, 2.5, 3.5):
        assert _evaluate(expr, t) == pytest.approx(path.offset_at(t), abs=0.02)


def test_long_paths_stay_shallow_and_ffmpeg_accepts_them(tmp_path):
    """2000 segments (over an hour of keyframes): nesting ~log2(n) and FFmpeg's crop takes it."""
    from broll.media.ffmpeg import run_ffmpeg
    from broll.media.long_args import spilled
    g = crop_geometry(320, 180, 1080, 1920)
    segs = tuple(Segment(i * 0.05, (i + 1) * 0.05, float(i % 200), float((i + 1) % 200)) for i in range(2000))
    path = CropPath(g, segs)
    expr = path.expression()
    assert expr.count("if(") == 1999
    depth = max_depth = 0
    for ch in expr:
        depth += ch == "("
        depth -= ch == ")"
        max_depth = max(max_depth, depth)
    assert max_depth < 40
    for t in (0.0, 7.33, 99.99):
        assert _evaluate(expr, t) == pytest.approx(path.offset_at(t), abs=0.02)
    args = ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=20:d=0.5",
            "-vf", f"crop=w={g.crop_w}:h=180:x='{expr}':y=0:exact=1", "-f", "null", "-"]
    assert len(args[5]) > 128 * 1024 / 2            # big enough that it must go through a file
    with spilled(args, tmp_path) as safe:
        assert "-/vf" in safe and len(max(safe, key=len)) < 4096
        run_ffmpeg(safe)
    assert not list(tmp_path.iterdir())


def test_filters_for_every_mode():
    path = center_path((1920, 1080), (1080, 1920))
    assert "crop=608:1080:656:0" in reframe_filter("center", (1920, 1080), (1080, 1920))
    assert "crop=w=608:h=1080:x=656:" in reframe_filter("subject", (1920, 1080), (1080, 1920), path=path)
    blur = reframe_filter("blur", (1920, 1080), (1080, 1920), in_label="v0", out_label="o0")
    assert blur.startswith("[v0]") and blur.endswith("[o0]") and "boxblur" in blur and "overlay" in blur
    assert "pad=1080:1920" in reframe_filter("contain", (1920, 1080), (1080, 1920))
    with pytest.raises(UnknownNameError, match="did you mean 'blur'"):
        reframe_filter("blurr", (1920, 1080), (1080, 1920))


def test_retimed_path_follows_a_speed_change():
    g = crop_geometry(320, 180, 1080, 1920)
    path = CropPath(g, (Segment(0, 1, 10, 110), Segment(1, 2, 110, 110)), cuts=(1.0,))
    slow = path.retimed(2.0)                 # half speed: everything takes twice as long
    assert slow.offset_at(1.0) == pytest.approx(path.offset_at(0.5))
    assert slow.cuts == (2.0,)
    assert _evaluate(slow.expression(), 3.0) == pytest.approx(110)
