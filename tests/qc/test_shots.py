"""Freeze is judged per shot: a cut joins shots of different speed and frame-repeat cadence, and a
cut is no catch-up; a stall that catches up at once is still a stall. A frame where flow fails at
once but the brightness layout changes no more than around it is a jump, not a cut. The signal
shapes below are those of real clips that gave false findings (figures in docs/qc.md)."""

from __future__ import annotations

import numpy as np

from broll.qc import check, load_profile
from broll.qc.detectors import run_detectors
from broll.testing import injection as inj

from tests.qc.qc_helpers import flat_signals as _signals



def _kinds(sig, kind: str) -> list[tuple[int, int, str]]:
    findings, _ = run_detectors(sig, load_profile("default"))
    return [(f.start_frame, f.end_frame, f.severity) for f in findings if f.kind == kind]


def _two_shots(n: int = 60, c: int = 18):
    """A slow first shot (|dY| ~1, like a dog sniffing) cut to a fast second one that holds each
    picture for two frames (|dY| 0 and ~30 alternating): the sam2 dog clip with a cut spliced in."""
    mae = np.r_[np.nan, np.full(c - 1, 1.0), 70.0, np.tile([0.0, 30.0], (n - c) // 2)[: n - c - 1]]
    top = np.r_[np.nan, np.full(c - 1, 0.8), 35.0, np.tile([0.0, 5.0], (n - c) // 2)[: n - c - 1]]
    occ = np.r_[np.nan, np.full(c - 1, 0.01), 0.99, np.full(n - c - 1, 0.03)]
    changed = np.r_[np.nan, np.full(c - 1, 0.0), 0.95, np.full(n - c - 1, 0.6)]
    luma = np.r_[np.full(c, 138.0), np.full(n - c, 105.0)]
    sig = _signals(n, mae=mae, motion_top=top, occluded=occ, cells_changed=changed, luma=luma,
                   luma_std=np.full(n, 50.0), mae2=np.full(n, 60.0), mae3=np.full(n, 60.0))
    sig.scene_cuts = [c]
    return sig


def test_a_slow_shot_cut_to_a_held_cadence_is_a_cut_not_a_freeze():
    sig = _two_shots()
    assert _kinds(sig, "freeze") == []
    assert _kinds(sig, "cut") == [(18, 18, "regenerate")]


# LivePortrait d0 with flicker injected over frames 3-32 (per-frame mean |dY|, mean luma and top-5%
# flow as the real suite measured them, rounded): a nearly still talking head after the flicker
D0_MAE = [0, 0.17, 0.29, 1.47, 3, 2.54, 0.42, 2.75, 2.7, 2.73, 0.95, 1.53, 3.03, 3.39, 1.53, 1.88, 3.2, 2.88, 1.59,
          0.91, 3.07, 3.26, 1.99, 0.8, 2.26, 3.36, 2.53, 0.33, 2.38, 3.33, 2.97, 0.4, 2.53, 2.66, 0.17, 0.12, 0.09,
          0.13, 0.11, 0.08, 0.14, 0.22, 0.32, 0.3, 0.21, 0.25, 0.1, 0.09, 0.04, 0.07, 0.1, 0.09, 0.05, 0.09, 0.21,
          0.29, 0.19, 0.31, 0.05, 0.03]
D0_LUMA = [111.49, 111.53, 111.33, 112.59, 109.63, 107.14, 106.74, 109.41, 112, 114.63, 115.31, 114.06, 111.12,
           107.8, 106.36, 108.19, 111.34, 114.17, 115.43, 114.79, 112.01, 108.87, 107.01, 107.57, 109.72, 112.96,
           115.34, 115.24, 113.19, 109.96, 107.07, 106.81, 109.28, 111.86, 111.95, 111.94, 111.96, 111.88, 111.94,
           111.91, 111.88, 111.76, 111.86, 111.86, 111.93, 111.85, 111.89, 111.85, 111.86, 111.82, 111.88, 111.86,
           111.87, 111.81, 111.84, 111.8, 111.87, 111.82, 111.83, 111.81]
D0_TOP = [0, 3.16, 4.69, 6.72, 5.39, 2.45, 5.33, 2.96, 3.26, 14.12, 4.58, 4.87, 8.73, 4.63, 5.19, 17.33, 3.2, 6.04,
          12.58, 5.76, 5.06, 6.99, 4.67, 2.69, 14.59, 5.48, 4.38, 2.17, 6.11, 7.01, 5.42, 9.36, 3.96, 5.12, 2.05,
          1.61, 2.67, 0.98, 2.75, 0.32, 1.16, 1.95, 2, 3.33, 1.46, 1.67, 4.61, 2.93, 1.28, 2.51, 4.31, 5.08, 1.13,
          0.79, 3.18, 1.96, 0.85, 0.88, 1.54, 2.81]


def test_a_flicker_does_not_make_the_still_frames_after_it_repeats():
    """Counted as change, the flicker's brightness steps (|dY| ~3) raised the repeat limit so far
    that the still half (|dY| 0.03-0.3) read as two stalls."""
    n = len(D0_MAE)
    mae = np.array(D0_MAE, float)
    mae[0] = np.nan
    top = np.array(D0_TOP, float)
    top[0] = np.nan
    sig = _signals(n, mae=mae, luma=D0_LUMA, motion_top=top, occluded=np.full(n, 0.05),
                   cells_changed=np.zeros(n), luma_std=np.full(n, 34.0))
    sig.fps = 25.0
    assert [f for f in _kinds(sig, "freeze") if f[2] != "note"] == []


def test_flow_lost_where_the_layout_changes_as_usual_is_a_jump_not_a_cut():
    """ProPainter running_car: a fast, blurred shot changes 60-70% of the grid every frame; a patch
    swap makes flow fail on 92% of the frame at once, yet no more of the grid changes than around it."""
    n, t = 60, 30
    occ = np.full(n, 0.45)
    occ[t] = 0.92
    changed = np.full(n, 0.65)
    changed[t] = 0.6
    base = dict(mae=np.full(n, 20.0), mae2=np.full(n, 30.0), mae3=np.full(n, 35.0), motion_top=np.full(n, 25.0),
                luma_std=np.full(n, 48.0), warp_mae=np.full(n, 10.0), ssim=np.full(n, 0.5))
    sig = _signals(n, occluded=occ, cells_changed=changed, **base)
    sig.scene_cuts = []
    assert _kinds(sig, "cut") == []
    assert [f[0] for f in _kinds(sig, "jump")] == [t]
    changed[t] = 0.95                     # the whole picture changes: a new shot
    sig = _signals(n, occluded=occ, cells_changed=changed, **base)
    assert _kinds(sig, "cut") == [(t, t, "regenerate")]
    assert _kinds(sig, "jump") == []


def _write(qc_media, name: str, frames) -> str:
    path = qc_media.root / name
    inj.encode(path, frames)
    return str(path)


def test_still_shot_cut_to_a_moving_one_is_a_cut(qc_media):
    """VACE test2: the first shot is one still picture; what follows the cut moves."""
    still = [inj._camera(inj._photo("coffee"), 1, (320, 180))[0]] * 20
    moving = inj._camera(inj._photo("astronaut"), 40, (320, 180), dx=3.0, dy=0.5)
    report = check(_write(qc_media, "still-then-pan.mp4", still + moving))
    assert [f.start_frame for f in report.by_kind("cut")] == [20], report.findings
    assert not [f for f in report.by_kind("freeze") if f.severity != "note"], report.findings


def test_long_stall_that_catches_up_at_once_is_a_freeze_not_a_cut(qc_media):
    """A 30-frame stall in a fast pan: its catch-up looks like a cut, yet the shot moved before it."""
    frames = qc_media.base("fastpan:rocket")
    stalled = list(frames)
    for i in range(19, 49):
        stalled[i] = frames[18].copy()
    report = check(_write(qc_media, "fastpan-stall.mp4", stalled))
    assert any(18 <= f.start_frame <= 20 and f.end_frame >= 47 and f.severity == "regenerate"
               for f in report.by_kind("freeze")), report.findings
    assert report.by_kind("cut") == [], report.findings
