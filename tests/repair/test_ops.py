"""Frame operations on synthetic frames whose clean version is known (no encode, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from broll.testing import injection as inj

N = 60


def _psnr(a, b):
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse < 1e-6 else 10 * np.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def pan():
    return inj.base("pan:astronaut", N)


def test_in_betweens_rebuild_a_missing_frame_of_a_pan(pan):
    from broll.repair.interpolate import in_betweens

    mid = in_betweens(pan[19], pan[21], 1)[0]
    assert _psnr(mid, pan[20]) > 30
    assert _psnr(mid, pan[20]) > _psnr(pan[19], pan[20]) + 3      # better than repeating a neighbour


def test_in_betweens_retime_a_stall(pan):
    from broll.repair.interpolate import in_betweens

    frames = in_betweens(pan[9], pan[18], 8)
    assert len(frames) == 8
    assert min(_psnr(f, pan[10 + k]) for k, f in enumerate(frames)) > 27


def test_flicker_repair_removes_a_gain_oscillation(pan):
    from broll.repair.flicker import repair_flicker

    bad, t = inj.inject_flicker(pan, np.random.default_rng(0), "moderate", hz=6.0)
    out, method, before, after = repair_flicker(bad, t.start, t.end, 30.0, "global")
    assert after < before / 4
    aff = range(t.start, t.end + 1)
    assert np.mean([_psnr(out[i], pan[i]) for i in aff]) > np.mean([_psnr(bad[i], pan[i]) for i in aff]) + 6
    assert all(out[i] is bad[i] for i in range(len(bad)) if i < t.start - 7 or i > t.end + 7)


def test_regional_flicker_corrects_only_its_region(pan):
    from broll.repair.flicker import repair_flicker

    bad = [f.copy() for f in pan]
    for i in range(8, 32):
        g = 1 + 0.12 * np.sin(2 * np.pi * 6 * i / 30)
        bad[i][:90, :160] = np.clip(pan[i][:90, :160] * g, 0, 255).astype(np.uint8)
    out, method, before, after = repair_flicker(bad, 8, 31, 30.0, "regional")
    assert method.startswith("region-gain 4x4") and after < before / 2
    aff = range(8, 32)
    assert np.mean([_psnr(out[i], pan[i]) for i in aff]) > np.mean([_psnr(bad[i], pan[i]) for i in aff]) + 3


def test_boil_repair_quietens_the_patch_only():
    from broll.repair.boil import repair_boil

    still = inj.base("static:coffee", N)
    bad, t = inj.inject_boil(still, np.random.default_rng(1), "moderate")
    out, area, before, after, s, e = repair_boil(bad, t.start, t.end)
    assert 0 < area < 0.5 and after < before / 2 and (s, e) == (t.start, t.end)
    aff = range(t.start, t.end + 1)
    assert np.mean([_psnr(out[i], still[i]) for i in aff]) > np.mean([_psnr(bad[i], still[i]) for i in aff]) + 3
    assert all(out[i] is bad[i] for i in range(N) if i not in aff)


def test_boil_repair_widens_a_partial_qc_span_to_the_whole_boil():
    """QC's span can cover part of the boil (its threshold is crossed late): the boiling frames left out
    would keep their shimmer and, worse, be trusted as clean by the average."""
    from broll.repair.boil import repair_boil

    still = inj.base("static:coffee", N)
    bad, t = inj.inject_boil(still, np.random.default_rng(1), "moderate")
    part = (t.start + 4, t.end - 9)
    out, area, before, after, s, e = repair_boil(bad, *part)
    assert abs(s - t.start) <= 1 and abs(e - t.end) <= 1 and area > 0
    aff = range(t.start, t.end + 1)
    assert min(_psnr(out[i], still[i]) - _psnr(bad[i], still[i]) for i in aff) > 2


def test_boil_chain_pass_gains_where_no_warp_follows_the_content(monkeypatch):
    """A zoom into fractal detail: new detail appears every frame, so the bridge's prediction from the
    clean frames either side of the span misses it; the recursive chains of one-frame warps (the
    fourth pass) follow it more closely, and mixing them in must bring the repair nearer the clean
    frames than the three passes alone."""
    from broll.repair import boil

    zoom = inj.base("mandelbrot", N)
    bad, t = inj.inject_boil(zoom, np.random.default_rng(1), "moderate")
    aff = range(t.start, t.end + 1)

    def gain() -> float:
        out = boil.repair_boil(bad, t.start, t.end).frames
        return float(np.mean([_psnr(out[i], zoom[i]) - _psnr(bad[i], zoom[i]) for i in aff]))

    with_chain = gain()
    monkeypatch.setattr(boil, "CHAIN_WEIGHT", 0.0)
    assert with_chain > gain() + 0.05 > 0


def _boil_beside_a_shaking_subject(step: int):
    """A still shot with a boiling patch and, away from it, a textured subject that shakes ``step`` px back
    and forth every frame during the boil (still before and after): its high-pass rises inside the span
    and anti-correlates frame to frame, as shimmer's does (SAM 2's dog passed both tests so)."""
    still = inj.base("static:coffee", N)
    bad, t = inj.inject_boil(still, np.random.default_rng(1), "moderate")
    patch = np.abs(bad[t.start].astype(int) - still[t.start]).max(axis=2) > 0
    ys, xs = np.nonzero(patch)
    h, w = still[0].shape[:2]
    x0 = 20 if xs.mean() > w / 2 else w - 80         # the subject on the other side of the picture
    subject = inj.base("static:astronaut", 1)[0][40:100, 100:160]
    clean, shaken = [], []
    for i in range(N):
        dx = step * (i % 2) if t.start <= i <= t.end else 0
        c = still[i].copy()
        c[60:120, x0 + dx:x0 + dx + 60] = subject
        b = bad[i].copy()
        b[60:120, x0 + dx:x0 + dx + 60] = subject
        clean.append(c)
        shaken.append(b)
    return clean, shaken, t, (slice(50, 130), slice(x0 - 10, x0 + 70))


def test_boil_repair_leaves_a_moving_subject_alone():
    """The motion gate: cells whose content really moves (apart from the picture's own motion) are not
    averaged, however much they read like shimmer; the boiling patch beside them still is."""
    from broll.repair.boil import repair_boil

    clean, bad, t, box = _boil_beside_a_shaking_subject(6)
    out, area, before, after, s, e = repair_boil(bad, t.start, t.end)
    for i in range(t.start, t.end + 1):
        assert np.array_equal(out[i][box], bad[i][box])          # the subject untouched (blurred without the gate)
    assert area > 0 and after < before / 2
    aff = range(t.start, t.end + 1)
    assert np.mean([_psnr(out[i], clean[i]) for i in aff]) > np.mean([_psnr(bad[i], clean[i]) for i in aff]) + 3


def test_boil_motion_gate_reads_a_pan_as_still():
    """A pan moves every cell alike: the gate measures each cell's flow apart from the picture's, so a
    boiling patch over a pan is still repaired (and its cells read well below the gate)."""
    from broll.repair.boil import MAX_MOTION, cell_motion, repair_boil
    from broll.repair.window_warp import WindowFlows
    from broll.repair.measure import small_luma

    pan = inj.base("pan:astronaut", N)
    bad, t = inj.inject_boil(pan, np.random.default_rng(1), "moderate")
    motion = cell_motion(WindowFlows([small_luma(f) for f in bad]), N)
    assert np.median(motion[t.start:t.end + 1]) < MAX_MOTION / 3
    out, area, before, after, s, e = repair_boil(bad, t.start, t.end)
    aff = range(t.start, t.end + 1)
    assert area > 0 and np.mean([_psnr(out[i], pan[i]) for i in aff]) > np.mean([_psnr(bad[i], pan[i]) for i in aff]) + 2


def test_boil_mask_takes_weaker_cells_joined_to_boiling_ones():
    """Hysteresis: a cell over busy texture reads a lower ratio; it joins only next to a boiling cell."""
    from broll.repair.boil import _grow

    strong = np.zeros((9, 16), bool)
    strong[4, 4] = True
    weak = np.zeros((9, 16), bool)
    weak[4, 5] = weak[4, 6] = True      # a chain from the boiling cell
    weak[1, 12] = True                  # alone: stays out
    grown = _grow(strong, weak)
    assert grown[4, 4] and grown[4, 5] and grown[4, 6] and not grown[1, 12] and grown.sum() == 3


@pytest.mark.parametrize("size", [(180, 320), (1080, 1920), (1080, 1440), (358, 640)])
def test_boil_flow_upsampled_over_the_box_equals_the_whole_field(size):
    """The small flow is upsampled over the repaired box only: the values a whole-frame resize gives."""
    import cv2

    from broll.repair.window_warp import BoxMap
    from broll.repair.measure import small_luma

    h, w = size
    rng = np.random.default_rng(0)
    hs, ws = small_luma(np.zeros((h, w, 3), np.uint8)).shape
    if hs % 2 == 0 and ws % 2 == 0:
        hs, ws = hs // 2, ws // 2        # the flow field is kept at half the small luma's size
    for box in [(0, 0, w, h), (w // 3, h // 4, 2 * w // 3, h // 4 + h // 3), (w - w // 5, h - h // 5, w, h)]:
        field = cv2.GaussianBlur(rng.normal(0, 3, (hs, ws, 2)).astype(np.float32), (0, 0), 3)
        x0, y0, x1, y1 = box
        whole = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)[y0:y1, x0:x1] * np.array([w / ws, h / hs])
        np.testing.assert_allclose(BoxMap((w, h), (hs, ws), box).upsample(field), whole, atol=0.06)


def test_measures():
    from broll.repair import measure as ms

    flat = [np.full((18, 32), 100, np.uint8) for _ in range(10)]
    assert ms.repeated_frames(flat, 1, 9) == 9
    flat[5] = np.full((18, 32), 200, np.uint8)
    assert ms.peak_jump(flat, 5, 5) == pytest.approx(100.0)
    osc = [np.full((18, 32), 100 + (6 if i % 2 else -6), np.uint8) for i in range(30)]
    assert ms.flicker_index(osc, 0, 29, 3.0) > 4


def test_strobe_bridge_restores_the_picture(pan):
    from broll.repair.flicker import repair_flicker

    bad, t = inj.inject_flash(pan, np.random.default_rng(0), "moderate")
    out, method, before, after = repair_flicker(bad, t.start, t.end, 30.0, "global", use_ffmpeg=False, strobe=True)
    assert method.startswith("bridge") and after < before / 10
    aff = list(range(t.start, t.end + 1))
    pooled = lambda xs: _psnr(np.stack([xs[i] for i in aff]), np.stack([pan[i] for i in aff]))  # noqa: E731
    assert pooled(out) > pooled(bad) + 6


def test_aligned_light_track_follows_the_gain_not_the_content(pan):
    from broll.repair.flicker import _small, aligned_log_gain

    # the pan's own content moves under a 6% gain flicker: the track must be the gain alone
    gains = [1 + 0.06 * np.sin(2 * np.pi * 4 * i / 30) for i in range(40)]
    bad = [np.clip(pan[i].astype(np.float32) * gains[i], 0, 255).astype(np.uint8) for i in range(40)]
    track = aligned_log_gain(_small(bad), (1, 1))[:, 0, 0, :].mean(axis=1)
    truth = np.log(gains) - np.log(gains[0])
    assert np.abs(track - truth).max() < 0.01             # within 1% over 40 frames of drift


def test_flicker_over_a_brightening_pan_keeps_the_brightening(pan):
    from broll.repair.flicker import repair_flicker

    # content that really brightens (a slow ramp) plus a flicker: only the flicker is removed
    ramp = [np.clip(pan[i].astype(np.float32) * (0.85 + 0.005 * i), 0, 255).astype(np.uint8) for i in range(N)]
    bad, t = inj.inject_flicker(ramp, np.random.default_rng(2), "moderate", hz=4.0)
    out, method, before, after = repair_flicker(bad, t.start, t.end, 30.0, "global")
    aff = range(t.start, t.end + 1)
    assert np.mean([_psnr(out[i], ramp[i]) for i in aff]) > np.mean([_psnr(bad[i], ramp[i]) for i in aff]) + 8
