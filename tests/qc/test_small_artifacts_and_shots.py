"""Issue #12, session 6: a small rectangle is one solid patch wherever it falls; blur and boil take
each shot as their own reference; softness while the picture moves far faster than usual is
motion blur (a note). Signal shapes are those of the real clips that gave false findings or
misses (figures in docs/qc.md)."""

from __future__ import annotations

import numpy as np

from broll.qc import load_profile
from broll.qc.detectors import Context, detect_blur, detect_boil
from broll.qc.report import Finding
from broll.qc.signals import CELL_GRID, SignalMeter, Signals

from tests.qc.qc_helpers import flat_signals as _signals



def _ctx(sig: Signals, *findings: tuple[str, int, int]) -> Context:
    ctx = Context(sig, None)
    ctx.uniform = np.zeros(sig.frames, bool)
    ctx.findings = [Finding(k, s, e, s / 30.0, (e + 1) / 30.0, "review", 0.0, 0.0, "") for k, s, e in findings]
    return ctx


def _cfg(name: str) -> dict:
    return load_profile("default").section(name)


def test_a_sharper_second_shot_does_not_make_the_first_blurred():
    # a jump's seams (or a cut to a sharper clip) quadruple the sharpness from frame 15 on
    n = 40
    lap = np.r_[np.full(15, 100.0), np.full(25, 400.0)]
    sig = _signals(n, lap_var=lap, luma_std=np.full(n, 40.0), motion=np.full(n, 1.0))
    assert [f for f in detect_blur(_ctx(sig), _cfg("blur")) if f.severity == "review"], "one reference: shot 1 reads soft"
    assert detect_blur(_ctx(sig, ("jump", 15, 15)), _cfg("blur")) == []


def test_softness_while_the_picture_moves_much_faster_is_motion_blur_a_note():
    n = 40
    lap = np.full(n, 400.0)
    lap[20:30] = 60.0
    motion = np.full(n, 6.0)
    motion[20:30] = 14.0           # ProPainter's car through snow spray: 14 px/frame against a median of 8
    sig = _signals(n, lap_var=lap, luma_std=np.full(n, 40.0), motion=motion)
    found = detect_blur(_ctx(sig), _cfg("blur"))
    assert [(f.start_frame, f.end_frame, f.severity) for f in found] == [(20, 29, "note")]
    # the same softness in a shot that moves that fast all along (a fast pan thrown out of focus) is blur
    sig = _signals(n, lap_var=lap, luma_std=np.full(n, 40.0), motion=np.full(n, 14.0))
    assert [(f.start_frame, f.severity) for f in detect_blur(_ctx(sig), _cfg("blur"))] == [(20, "review")]


def test_boil_base_is_taken_per_shot():
    # after a cut the cells show other, busier texture: its residual is high from the cut on, but
    # steady and correlated like real texture, not shimmer that comes and goes
    n, cells = 60, CELL_GRID[0] * CELL_GRID[1]
    sig = _signals(n)
    resid = np.full((n, cells), 1.0, np.float32)
    resid[40:] = 6.0
    sig.cell_resid = resid
    sig.cell_texture = np.full((n, cells), 2.0, np.float32)
    sig.cell_corr = np.full((n, cells), -0.5, np.float32)
    sig.cell_motion = np.zeros((n, cells), np.float32)
    assert detect_boil(_ctx(sig), _cfg("boil")), "one clip-wide base: the second shot reads as boil"
    assert detect_boil(_ctx(sig, ("cut", 40, 40)), _cfg("boil")) == []


def _meter_spikes(frames: list[np.ndarray]) -> Signals:
    import cv2

    from broll.media.analysis_frames import AnalysisFrame

    meter = SignalMeter(30.0)
    for i, bgr in enumerate(frames):
        meter.add(AnalysisFrame(i, i / 30.0, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), bgr, False))
    return meter.finish()


def test_a_small_rectangle_straddling_cells_is_one_solid_patch():
    # a 1% rectangle (34x17 px) that straddles four cells of the 32x18 grid: a 3x3-cell window
    # holds only part of it, its connected piece holds all of it
    rng = np.random.default_rng(3)
    base = np.clip(rng.normal(120, 6, size=(180, 320, 3)), 0, 255).astype(np.uint8)
    frames = [base.copy() for _ in range(7)]
    frames[3] = base.copy()
    frames[3][52:69, 106:140] = 245
    sig = _meter_spikes(frames)
    assert sig["spike_patch"][3] >= 0.0095
    assert sig["spike_block"][3] < sig["spike_patch"][3] - 0.0005
    assert np.nanmax(np.r_[sig["spike_patch"][1:3], sig["spike_patch"][4:6]]) < 0.001
