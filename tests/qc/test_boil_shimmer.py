"""Boil's flow-independent test: the shimmer signals (broll.qc.shimmer) and the rule on them
(broll.qc.boil_shimmer)."""

from __future__ import annotations

import numpy as np

from broll.qc import load_profile
from broll.qc.detectors import Context, detect_boil
from broll.qc.signals import CELL_GRID, SignalMeter, Signals
from tests.qc.qc_helpers import flat_signals

N = 60
SPAN = (16, 39)                      # frames with shimmer
BOX = (slice(60, 120), slice(100, 200))   # rows, columns of the 320x180 picture: cells rows 3-5, columns 5-9


def _picture(rng) -> np.ndarray:
    import cv2

    coarse = rng.uniform(40, 200, size=(18, 32)).astype(np.float32)
    return cv2.resize(coarse, (320, 180), interpolation=cv2.INTER_CUBIC)


def _measure(frames: list[np.ndarray]) -> Signals:
    import cv2

    from broll.media.analysis_frames import AnalysisFrame

    meter = SignalMeter(30.0)
    for i, y in enumerate(frames):
        y8 = np.clip(y + 0.5, 0, 255).astype(np.uint8)
        meter.add(AnalysisFrame(i, i / 30.0, y8, cv2.cvtColor(y8, cv2.COLOR_GRAY2BGR), False))
    return meter.finish()


def _boiling(rng) -> list[np.ndarray]:
    """A still picture with fresh blobby noise (std ~8) in one box on every frame of SPAN."""
    import cv2

    base = _picture(rng)
    frames = []
    for t in range(N):
        y = base.copy()
        if SPAN[0] <= t <= SPAN[1]:
            grain = rng.normal(0, 12.8, size=(20, 34)).astype(np.float32)
            y[BOX] += cv2.resize(grain, (100, 60), interpolation=cv2.INTER_CUBIC)
        frames.append(y)
    return frames


def _box_cells() -> np.ndarray:
    mask = np.zeros((CELL_GRID[1], CELL_GRID[0]), bool)
    mask[3:6, 5:10] = True
    return mask.ravel()


def test_shimmer_reads_as_new_noise_every_frame():
    sig = _measure(_boiling(np.random.default_rng(3)))
    cells = _box_cells()
    inside = slice(SPAN[0] + 2, SPAN[1])
    dcorr = np.nanmedian(sig.cells["cell_dcorr"][inside][:, cells])
    assert dcorr < -0.35, dcorr
    change = sig.cells["cell_change"][:, cells]
    rise = np.nanmedian(change[inside]) - np.nanmedian(change[2:SPAN[0]])
    assert rise > 4.0, rise
    # the cells outside the box do not change
    assert np.nanmedian(sig.cells["cell_change"][inside][:, ~cells]) < 1.0


def test_any_frame_size_is_measured():
    # OpenCV's area filter takes more than 4 channels only at whole-number scales: a 4:3 or portrait
    # clip's half-size planes (160x120, 90x160) must be measured too
    from broll.qc.shimmer import ShimmerMeter

    rng = np.random.default_rng(6)
    for h, w in ((120, 160), (160, 90), (88, 160)):
        meter = ShimmerMeter()
        meter.skip()
        for _ in range(3):
            prev = rng.uniform(0, 255, (h, w)).astype(np.float32)
            meter.add(prev, rng.integers(0, 255, (h, w), dtype=np.uint8), np.ones((h, w), np.float32))
        rows = meter.finish()
        assert all(v.shape == (4, CELL_GRID[0] * CELL_GRID[1]) for v in rows.values())
        assert np.isfinite(rows["cell_dcorr"][2:]).all()


def test_a_gain_flicker_is_not_change():
    rng = np.random.default_rng(4)
    base = _picture(rng)
    frames = [base * (1.0 + (0.05 if t % 2 else -0.05) * (SPAN[0] <= t <= SPAN[1])) for t in range(N)]
    sig = _measure(frames)
    assert np.nanmedian(sig.cells["cell_change"][SPAN[0] + 1:SPAN[1]]) < 1.0
    assert detect_boil(_ctx(sig), _cfg()) == []


def test_boil_is_found_on_measured_shimmer():
    sig = _measure(_boiling(np.random.default_rng(5)))
    found = detect_boil(_ctx(sig), _cfg())
    assert found and found[0].start_frame <= SPAN[1] and found[0].end_frame >= SPAN[0]


def _flow_lost(motion: float) -> Signals:
    """Signals as shimmer leaves them where the flow check fails: no motion-compensated residual or
    correlation at all, DIS reading ``motion`` px/frame; the uncompensated change rises by 6 code values
    and consecutive differences anti-correlate."""
    cells = CELL_GRID[0] * CELL_GRID[1]
    sig = flat_signals(N)
    box = _box_cells()
    span = slice(SPAN[0], SPAN[1] + 1)
    resid = np.full((N, cells), 1.0, np.float32)
    resid[span][:, box] = np.nan
    sig.cell_resid = resid
    sig.cell_texture = np.full((N, cells), 20.0, np.float32)
    corr = np.zeros((N, cells), np.float32)
    corr[span][:, box] = np.nan
    sig.cell_corr = corr
    moving = np.full((N, cells), 0.3, np.float32)
    moving[span][:, box] = motion
    sig.cell_motion = moving
    change = np.full((N, cells), 1.0, np.float32)
    change[span][:, box] = 7.0
    dcorr = np.zeros((N, cells), np.float32)
    dcorr[span][:, box] = -0.5
    fail = np.zeros((N, cells), np.float32)
    fail[span][:, box] = 0.95
    sig.cells = {"cell_change": change, "cell_dcorr": dcorr, "cell_fail": fail}
    return sig


def test_shimmer_that_breaks_the_flow_check_is_boil():
    # DIS follows the noise (3 px/frame): the first test's motion gate rejects it and it has no residual
    found = detect_boil(_ctx(_flow_lost(3.0)), _cfg())
    assert [(f.kind, f.start_frame <= SPAN[1], f.end_frame >= SPAN[0]) for f in found] == [("boil", True, True)]
    # without the shimmer signals (an old cache), only the first test runs: nothing
    sig = _flow_lost(3.0)
    sig.cells = {}
    assert detect_boil(_ctx(sig), _cfg()) == []


def test_fast_motion_that_loses_the_flow_is_not_boil():
    # snow spray behind a passing car: the flow fails and frames are unrelated, but the cell really moves fast
    assert detect_boil(_ctx(_flow_lost(10.0)), _cfg()) == []


def _ctx(sig: Signals) -> Context:
    ctx = Context(sig, None)
    ctx.uniform = np.zeros(sig.frames, bool)
    return ctx


def _cfg() -> dict:
    return load_profile("default").section("boil")


def _panning(rng, *, boil: bool, step: int = 6) -> list[np.ndarray]:
    """A camera panning ``step`` px/frame over a soft picture (the real misses: a wall, a sky); with
    ``boil``, fresh blobby noise (std ~8) in one screen box on every frame of SPAN."""
    import cv2

    coarse = rng.uniform(90, 140, size=(18, 32 + 2 * N * step // 10)).astype(np.float32)
    wide = cv2.resize(coarse, (320 + N * step, 180), interpolation=cv2.INTER_CUBIC)
    frames = []
    for t in range(N):
        y = wide[:, t * step:t * step + 320].copy()
        if boil and SPAN[0] <= t <= SPAN[1]:
            grain = rng.normal(0, 12.8, size=(20, 34)).astype(np.float32)
            y[BOX] += cv2.resize(grain, (100, 60), interpolation=cv2.INTER_CUBIC)
        frames.append(y)
    return frames


def test_shimmer_under_a_moving_camera_is_boil():
    # the noise of a frame sits at the same pixels in both of its compensated residuals whatever
    # the camera does; the consecutive-pair correlation loses it once the picture moves
    sig = _measure(_panning(np.random.default_rng(8), boil=True))
    cells = _box_cells()
    inside = slice(SPAN[0] + 2, SPAN[1])
    assert np.nanmedian(sig.cells["cell_bicorr"][inside][:, cells]) > 0.4
    assert np.nanmedian(sig.cells["cell_bicorr"][inside][:, ~cells]) < 0.2
    # the consecutive-pair tests miss it; the two-sided test (shimmer_bicorr 0.4) finds it, in the
    # default profile too: the shimmer is large against the soft picture it sits on
    assert np.nanmedian(sig.cell_corr[inside][:, cells]) > _cfg()["shimmer_corr"]
    for cfg in (_strict(), _cfg()):
        found = detect_boil(_ctx(sig), cfg)
        assert found and found[0].start_frame <= SPAN[1] and found[0].end_frame >= SPAN[0]
    # the chained test finds it too (below), so both are off to show the consecutive-pair tests miss it
    neither = dict(_cfg(), shimmer_bicorr=2.0, shimmer_chain=-2.0)
    assert detect_boil(_ctx(sig), neither) == []
    assert detect_boil(_ctx(sig), dict(_cfg(), shimmer_bicorr=2.0))


def test_chained_residuals_anti_correlate_on_shimmer_and_persist_on_a_clean_pan():
    # this pair's compensated residual against the last pair's, warped onto this frame: the noise of
    # the frame between enters them with opposite signs (-0.5); the warp's interpolation error over
    # a clean panning picture persists from pair to pair (positive)
    inside = slice(SPAN[0] + 2, SPAN[1])
    cells = _box_cells()
    boiling = _measure(_panning(np.random.default_rng(8), boil=True))
    clean = _measure(_panning(np.random.default_rng(8), boil=False))
    assert np.nanmedian(boiling.cells["cell_chain"][inside][:, cells]) < -0.4
    assert np.nanmedian(boiling.cells["cell_chain_common"][inside][:, cells]) > 5.0
    assert np.nanmedian(clean.cells["cell_chain"][inside][:, cells]) > 0.5
    still = _measure(_boiling(np.random.default_rng(3)))
    assert np.nanmedian(still.cells["cell_chain"][inside][:, cells]) < -0.4


def _chained(chain: float, rise: float = 5.0, texture: float = 10.0) -> Signals:
    """Signals of a shot whose cells change by 6 code values all along (a hand-held shot: the boil's
    change is the shot's usual level, so no test that asks a rise of the change fires), motion
    explaining none of it; during SPAN the box's frame differences anti-correlate, its chained
    residuals read ``chain`` and the part they share is ``rise`` code values over usual."""
    cells = CELL_GRID[0] * CELL_GRID[1]
    sig = flat_signals(N)
    box = _box_cells()
    span = slice(SPAN[0], SPAN[1] + 1)
    change = np.full((N, cells), 6.0, np.float32)
    sig.cell_resid = change.copy()
    sig.cell_texture = np.full((N, cells), texture, np.float32)
    sig.cell_corr = np.zeros((N, cells), np.float32)
    sig.cell_motion = np.full((N, cells), 4.0, np.float32)
    dcorr = np.zeros((N, cells), np.float32)
    dcorr[span][:, box] = -0.5
    chained = np.zeros((N, cells), np.float32)
    chained[span][:, box] = chain
    common = np.zeros((N, cells), np.float32)
    common[span][:, box] = rise
    zero = np.zeros((N, cells), np.float32)
    sig.cells = {"cell_change": change, "cell_dcorr": dcorr, "cell_fail": zero, "cell_bicorr": zero,
                 "cell_common": zero, "cell_chain": chained, "cell_chain_common": common}
    return sig


def test_the_chained_test_needs_no_rise_of_the_change():
    found = detect_boil(_ctx(_chained(-0.45)), _cfg())
    assert [(f.kind, f.start_frame <= SPAN[1], f.end_frame >= SPAN[0]) for f in found] == [("boil", True, True)]
    # off (lenient), too weak, or below what new noise can read (the flow misregisters the middle frame)
    assert detect_boil(_ctx(_chained(-0.45)), load_profile("lenient").section("boil")) == []
    assert detect_boil(_ctx(_chained(-0.2)), _cfg()) == []
    assert detect_boil(_ctx(_chained(-0.8)), _cfg()) == []
    # ... or the shared part no larger than usual, or small against busy texture (0.1 x (60 + 8) > 5)
    assert detect_boil(_ctx(_chained(-0.45, rise=0.5)), _cfg()) == []
    assert detect_boil(_ctx(_chained(-0.45, texture=60.0)), _cfg()) == []


def _two_sided(texture: float) -> Signals:
    """Signals of a camera moving 5 px/frame over the box during SPAN: its change rises from 1 to 6
    code values, motion explains none of it, consecutive differences anti-correlate, the
    consecutive-pair residuals read 0 (the camera moves), the flow check holds, and the frame's two
    compensated residuals correlate at +0.5 with a common part 5 code values over usual. Over a soft
    box (``texture`` small) that is shimmer; a hand-held camera over busy texture reads the same."""
    cells = CELL_GRID[0] * CELL_GRID[1]
    sig = flat_signals(N)
    box = _box_cells()
    span = slice(SPAN[0], SPAN[1] + 1)
    change = np.full((N, cells), 1.0, np.float32)
    change[span][:, box] = 6.0
    sig.cell_resid = change.copy()
    sig.cell_texture = np.full((N, cells), texture, np.float32)
    sig.cell_corr = np.zeros((N, cells), np.float32)
    moving = np.full((N, cells), 0.3, np.float32)
    moving[span][:, box] = 5.0
    sig.cell_motion = moving
    dcorr = np.zeros((N, cells), np.float32)
    dcorr[span][:, box] = -0.5
    bicorr = np.zeros((N, cells), np.float32)
    bicorr[span][:, box] = 0.5
    common = np.zeros((N, cells), np.float32)
    common[span][:, box] = 5.0
    sig.cells = {"cell_change": change, "cell_dcorr": dcorr, "cell_fail": np.zeros((N, cells), np.float32),
                 "cell_bicorr": bicorr, "cell_common": common}
    return sig


def test_the_two_sided_test_needs_the_rise_large_against_the_texture():
    # soft box (texture 5): 5 code values is over 0.3 x (5 + 8); busy texture (40): not (0.3 x 48)
    found = detect_boil(_ctx(_two_sided(5.0)), _cfg())
    assert [(f.kind, f.start_frame <= SPAN[1], f.end_frame >= SPAN[0]) for f in found] == [("boil", True, True)]
    assert detect_boil(_ctx(_two_sided(40.0)), _cfg()) == []
    # the strict profile does not ask it (shimmer_texture_share 0)
    assert detect_boil(_ctx(_two_sided(40.0)), _strict())


def test_a_shimmer_episode_is_extended_by_its_own_reading():
    # shimmer over 14 frames: the 10-frame window median holds for only about 5 of them, and the
    # first test's residual (none here: the flow check fails) cannot extend it; the second test's
    # own frame-by-frame reading (change 1.5 over usual) does, to the shimmer's frames
    sig = _flow_lost(3.0)
    short = slice(SPAN[0] + 14, SPAN[1] + 1)
    box = _box_cells()
    for k in ("cell_change", "cell_dcorr", "cell_fail"):
        sig.cells[k][short][:, box] = sig.cells[k][0, box]
    sig.cell_motion[short][:, box] = 0.3
    found = detect_boil(_ctx(sig), _cfg())
    assert [(f.kind, f.start_frame, f.end_frame) for f in found] == [("boil", SPAN[0], SPAN[0] + 13)]


def test_a_clean_pan_is_not_boil():
    assert detect_boil(_ctx(_measure(_panning(np.random.default_rng(8), boil=False))), _strict()) == []


def _strict() -> dict:
    return load_profile("strict").section("boil")
