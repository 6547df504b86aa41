"""Issue #12, session 7: clean real clips judged whole. A one-frame patch that recurs on the next
frame, or sits where optical flow fails on most of the picture around it, is motion, not a glitch;
a thin line stays a glitch. Signal shapes are those of the real clips that gave false findings
(co-tracker's hand-held backpack, ProPainter's running car; figures in docs/qc.md)."""

from __future__ import annotations

import numpy as np

from broll.qc import load_profile
from broll.qc.detectors import Context, detect_glitch

from tests.qc.qc_helpers import flat_signals


def _glitches(**series) -> list:
    n = 30
    sig = flat_signals(n, mae=np.full(n, 2.0), mae2=np.full(n, 2.5), mae3=np.full(n, 3.0),
                       occluded=series.pop("occluded", np.full(n, 0.05)), **series)
    ctx = Context(sig, None)
    ctx.uniform = np.zeros(n, bool)
    return [f for f in detect_glitch(ctx, load_profile("default").section("glitch")) if f.kind == "glitch"]


def _at(n: int, values: dict[int, float]) -> np.ndarray:
    x = np.zeros(n)
    for t, v in values.items():
        x[t] = v
    return x


def test_a_lone_one_frame_patch_is_a_glitch():
    found = _glitches(spike_patch=_at(30, {15: 0.009}), spike_area=_at(30, {15: 0.009}))
    assert [(f.start_frame, f.severity) for f in found] == [(15, "regenerate")]


def test_patches_on_consecutive_frames_are_motion():
    # backpack frames 66-68: a stabiliser's border wedge shaking in and out of the corner
    patch = _at(30, {14: 0.014, 15: 0.0094, 16: 0.0073})
    assert _glitches(spike_patch=patch, spike_area=patch) == []


def test_a_patch_where_flow_fails_around_it_is_motion():
    # running car frame 103: flow fails on 70% of the frame before it and 84% after it
    occ = np.full(30, 0.05)
    occ[12:20] = [0.6, 0.65, 0.70, 0.76, 0.75, 0.84, 0.6, 0.5]
    patch = _at(30, {15: 0.0092})
    assert _glitches(spike_patch=patch, spike_area=patch, occluded=occ) == []
    # ... while flow that fails on under 60% on one side leaves the judgement to the patch
    occ[14] = 0.48
    assert [f.start_frame for f in _glitches(spike_patch=patch, spike_area=patch, occluded=occ)] == [15]


def test_a_thin_line_is_a_glitch_whatever_the_motion_around_it():
    occ = np.full(30, 0.8)
    found = _glitches(spike_line=_at(30, {15: 0.9}), spike_patch=_at(30, {14: 0.005, 15: 0.005}),
                      spike_area=_at(30, {15: 0.005}), occluded=occ)
    assert [f.start_frame for f in found] == [15]
