"""The signal meter's shortcuts give exactly what the plain computation gives (speed work, #12)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from broll.media.analysis_frames import area_shrink
from broll.qc.signals import REGION_GRID, SPIKE_PREFILTER, SignalMeter


def _texture(rng, h=180, w=320):
    img = cv2.GaussianBlur(rng.integers(0, 256, (h, w), dtype=np.uint8), (0, 0), 2.0)
    return cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX)


def _plain_ssim(a, b):
    x, y = a.astype(np.float32), b.astype(np.float32)
    blur = lambda img: cv2.GaussianBlur(img, (7, 7), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float(cv2.mean((2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2)))[0])


def test_ssim_from_kept_terms_equals_plain_ssim():
    rng = np.random.default_rng(1)
    a = _texture(rng, 90, 160)
    b = np.roll(a, 3, axis=1)
    meter = SignalMeter(30.0)
    assert meter._ssim(meter._ssim_terms(a), meter._ssim_terms(b)) == _plain_ssim(a, b)


def test_multichannel_area_resize_equals_each_plane():
    rng = np.random.default_rng(2)
    planes = [rng.random((90, 160), dtype=np.float32) * s for s in (1.0, 30.0, 200.0)]
    merged = cv2.resize(cv2.merge(planes), REGION_GRID, interpolation=cv2.INTER_AREA)
    for i, p in enumerate(planes):
        assert np.array_equal(merged[..., i], cv2.resize(p, REGION_GRID, interpolation=cv2.INTER_AREA))


def _plain_spike(meter, before, mid, after, to_before, to_after):
    """The whole-frame computation the boxed one replaces."""
    mask = meter._spike_mask(before, mid, after)
    h, w = mid.shape
    warp = lambda img, flow: cv2.remap(  # noqa: E731
        img, meter.full_xy + cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR) * 2.0, None,
        cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.min(mask, meter._outlier_mask(warp(before, to_before), mid, warp(after, to_after)))
    return meter._spike_shape(mask)


def test_boxed_motion_compensation_equals_whole_frame():
    rng = np.random.default_rng(3)
    base = _texture(rng)
    before, after = base, np.roll(base, 4, axis=1)
    mid = np.roll(base, 2, axis=1).copy()
    mid[100:102, 40:260] = 255                     # a thin one-frame line
    mid[20:34, 200:230] = 0                        # and a small dark patch
    meter = SignalMeter(30.0)
    meter.values = {k: [math.nan, math.nan] for k in meter.values}
    h, w = mid.shape
    fx, fy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    meter.full_xy = np.dstack([fx, fy])
    half = lambda img: cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)  # noqa: E731
    to_before = meter.dis.calc(half(mid), half(before), None)
    to_after = meter.dis.calc(half(mid), half(after), None)
    line, block, area, patch = _plain_spike(meter, before, mid, after, to_before, to_after)
    meter._spike(before, mid, after, to_before, to_after)
    v = meter.values
    assert (v["spike_line"][-2], v["spike_block"][-2], v["spike_area"][-2], v["spike_patch"][-2]) == (line, block, area, patch)
    assert line > 0.3                              # the line survived compensation: the test measures something


def test_screening_skips_only_the_piece_it_does_not_need():
    meter = SignalMeter(30.0)
    mask = np.zeros((180, 320), np.uint8)
    mask[90, 10:310] = 255                         # a line: reaches the prefilter by its row share
    line, block, area, patch = meter._spike_shape(mask, screening=True)
    assert line >= SPIKE_PREFILTER[0] and math.isinf(patch)
    assert (line, block, area) == meter._spike_shape(mask)[:3]
    small = np.zeros((180, 320), np.uint8)
    small[50:58, 50:57] = 255                      # below both: measured in full, same as without screening
    assert meter._spike_shape(small, screening=True) == meter._spike_shape(small)
    assert meter._spike_shape(small)[3] > 0


def test_area_shrink_gives_opencvs_bytes():
    rng = np.random.default_rng(4)
    # (source, target): 1080p and 720p to 320x180 (6x6, 4x4 blocks), a 4K-like 12x12, and ratios
    # that go to OpenCV itself (2x2, non-integer, one side 1x)
    cases = [((1080, 1920), (320, 180)), ((720, 1280), (320, 180)), ((432, 768), (64, 36)),
             ((360, 640), (320, 180)), ((704, 1280), (320, 176)), ((400, 300), (100, 133)), ((180, 960), (320, 180))]
    for (h, w), (sw, sh) in cases:
        for pattern in ("noise", "binary", "texture"):
            if pattern == "noise":
                img = rng.integers(0, 256, (h, w), dtype=np.uint8)
            elif pattern == "binary":       # many blocks land on exact halves before rounding
                img = (rng.integers(0, 2, (h, w)) * 255).astype(np.uint8)
            else:
                img = _texture(rng, h, w)
            padded = np.zeros((h, w + 64), np.uint8)    # a decoder's plane: rows padded beyond the width
            padded[:, :w] = img
            view = padded[:, :w]
            want = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA)
            assert np.array_equal(area_shrink(view, sw, sh, cv2), want), ((h, w), (sw, sh), pattern)


def test_spike_patch_is_the_largest_closed_piece():
    meter = SignalMeter(30.0)
    mask = np.zeros((180, 320), np.uint8)
    mask[::2, ::2] = 255                            # as many separate pieces as a box can hold, before closing
    mask[40:60, 100:140] = 255
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, meter.close_kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    assert meter._spike_shape(mask)[3] == float(stats[1:, cv2.CC_STAT_AREA].max()) / mask.size
    sparse = np.zeros((180, 320), np.uint8)
    sparse[::8, ::8] = 255                          # stays 660 pieces after closing: labels well past 255
    sparse[100:110, 200:230] = 255
    closed = cv2.morphologyEx(sparse, cv2.MORPH_CLOSE, meter.close_kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    assert count > 300
    assert meter._spike_shape(sparse)[3] == float(stats[1:, cv2.CC_STAT_AREA].max()) / sparse.size


def test_scene_distance_is_pyscenedetects_own_number():
    from scenedetect.detectors import content_detector

    from broll.qc import scene_distance

    original = content_detector._mean_pixel_distance
    if original is scene_distance.l1_mean_distance:      # installed earlier in this process
        original = _library_distance
    rng = np.random.default_rng(6)
    for h, w in ((180, 320), (90, 160), (7, 13)):
        a = rng.integers(0, 256, (h, w), dtype=np.uint8)
        b = rng.integers(0, 256, (h, w), dtype=np.uint8)
        for x, y in ((a, b), (b, a), (a, a), (a, np.zeros_like(a)), (np.full_like(a, 255), np.zeros_like(a))):
            assert scene_distance.l1_mean_distance(x, y) == original(x, y)
    SignalMeter(30.0)
    assert content_detector._mean_pixel_distance is scene_distance.l1_mean_distance


def _library_distance(left, right):
    """PySceneDetect 0.6-0.7's _mean_pixel_distance, for comparison once the fast one is installed."""
    return np.sum(np.abs(left.astype(np.int32) - right.astype(np.int32))) / float(left.shape[0] * left.shape[1])


def test_box_upsampling_equals_the_whole_frames():
    from broll.qc.signals import _upsample2

    rng = np.random.default_rng(7)
    for _ in range(200):
        flow = (rng.standard_normal((90, 160, 2)) * rng.uniform(0.1, 8.0)).astype(np.float32)
        whole = cv2.resize(flow, (320, 180), interpolation=cv2.INTER_LINEAR)
        y0, y1 = sorted(rng.integers(0, 181, 2))
        x0, x1 = sorted(rng.integers(0, 321, 2))
        box = (slice(int(y0), int(max(y1, y0 + 1))), slice(int(x0), int(max(x1, x0 + 1))))
        if box[0].stop > 180 or box[1].stop > 320:
            continue
        assert np.array_equal(_upsample2(cv2, flow, (320, 180), box), whole[box])
    full = (slice(0, 180), slice(0, 320))
    assert np.array_equal(_upsample2(cv2, flow, (320, 180), full), whole)


def test_closing_the_masks_box_gives_the_whole_frames_closing():
    """The spike mask is closed only in its box widened past the closing's reach: the same closed
    pixels as closing the whole frame (pieces near the frame's edges and the box's edges included)."""
    rng = np.random.default_rng(6)
    meter = SignalMeter(30.0)
    pad = 2 * (meter.close_kernel.shape[0] // 2) + 1
    for trial in range(60):
        mask = np.zeros((180, 320), np.uint8)
        y0, x0 = rng.integers(0, 170), rng.integers(0, 310)
        y1, x1 = rng.integers(y0 + 1, 181), rng.integers(x0 + 1, 321)
        mask[y0:y1, x0:x1] = (rng.random((y1 - y0, x1 - x0)) < rng.choice([0.05, 0.3, 0.7])) * 255
        whole = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, meter.close_kernel)
        x, y, bw, bh = cv2.boundingRect(mask)
        if bw == 0:
            continue
        bx0, by0 = max(0, x - pad), max(0, y - pad)
        bx1, by1 = min(320, x + bw + pad), min(180, y + bh + pad)
        boxed = np.zeros_like(mask)
        boxed[by0:by1, bx0:bx1] = cv2.morphologyEx(mask[by0:by1, bx0:bx1], cv2.MORPH_CLOSE, meter.close_kernel)
        assert np.array_equal(boxed, whole), trial
        count, _, stats, _ = cv2.connectedComponentsWithStats(whole, connectivity=8)
        want = float(stats[1:, cv2.CC_STAT_AREA].max()) / mask.size if count > 1 else 0.0
        if meter._spike_shape(mask)[2] >= 0.0008:        # below SPIKE_MIN_AREA no piece is measured
            assert meter._spike_shape(mask)[3] == want, trial


def test_shares_and_means_without_numpys_mean_call():
    """count / size is np.mean of a boolean array, and ((b + g) + r) / 3 np.mean of three floats."""
    rng = np.random.default_rng(7)
    for _ in range(2000):
        x = rng.random(int(rng.integers(1, 700))) < rng.random()
        assert np.count_nonzero(x) / x.size == float(np.mean(x))
        b, g, r = (float(v) for v in rng.random(3) * rng.choice([1e-3, 1.0, 255.0]))
        assert ((b + g) + r) / 3.0 == float(np.mean((b, g, r)))



def test_outlier_mask_dilates_the_neighbours_maximum_as_each_neighbour_alone():
    """max(dilate(a), dilate(b)) == dilate(max(a, b)) and the same for erode/min, at the edges too."""
    meter = SignalMeter(30.0)
    k = meter.spike_kernel
    rng = np.random.default_rng(12)
    for h, w in ((180, 320), (37, 61), (3, 5)):
        for _ in range(10):
            a, b, mid = (rng.integers(0, 256, (h, w), dtype=np.uint8) for _ in range(3))
            hi = cv2.max(cv2.dilate(a, k), cv2.dilate(b, k))
            lo = cv2.min(cv2.erode(a, k), cv2.erode(b, k))
            out = cv2.compare(cv2.max(cv2.subtract(mid, hi), cv2.subtract(lo, mid)), 32, cv2.CMP_GT)
            assert np.array_equal(meter._outlier_mask(a, mid, b), out)
