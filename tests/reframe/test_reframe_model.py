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


def test_expression_is_flat_and_matches_the_path():
    g = crop_geometry(320, 180, 1080, 1920)
    path = CropPath(g, (Segment(0, 1, 10, 110), Segment(1, 2, 110, 110), Segment(2.0, 3, 20, 40)))
    expr = path.expression()
    assert expr.count("gte(") == 2 and "if(" not in expr
    env = {"gte": lambda a, b: float(a >= b), "lt": lambda a, b: float(a < b),
           "clip": lambda x, lo, hi: min(max(x, lo), hi)}
    for t in (0.0, 0.5, 1.5, 2.0, 2.5, 3.5):
        assert eval(expr, dict(env, t=t)) == pytest.approx(path.offset_at(t), abs=0.02)


def test_filters_for_every_mode():
    path = center_path((1920, 1080), (1080, 1920))
    assert "crop=608:1080:656:0" in reframe_filter("center", (1920, 1080), (1080, 1920))
    assert "crop=w=608:h=1080:x='656'" in reframe_filter("subject", (1920, 1080), (1080, 1920), path=path)
    blur = reframe_filter("blur", (1920, 1080), (1080, 1920), in_label="v0", out_label="o0")
    assert blur.startswith("[v0]") and blur.endswith("[o0]") and "boxblur" in blur and "overlay" in blur
    assert "pad=1080:1920" in reframe_filter("contain", (1920, 1080), (1080, 1920))
    with pytest.raises(UnknownNameError, match="did you mean 'blur'"):
        reframe_filter("blurr", (1920, 1080), (1080, 1920))
