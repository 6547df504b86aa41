"""A light correction applied to planar YUV 4:2:0 matches the BGR one, and the re-encode quality
follows the source's x264 CRF."""

from __future__ import annotations

import numpy as np
import pytest

from broll.testing import injection as inj


def _psnr(a, b):
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse < 1e-6 else 10 * np.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def frame():
    import cv2

    bgr = inj.base("pan:astronaut", 2)[1]
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)


@pytest.mark.parametrize("gain, offset, grid", [
    ((1.05, 1.05, 1.05), (0, 0, 0), 1),          # a brightness flicker: tables only
    ((0.96, 1.0, 1.04), (0, 0, 0), 1),           # a colour flicker: cross terms between planes
    ((1.05, 1.04, 1.06), (3, -2, 1), 4),         # per-region gains and offsets (a strobe bridge)
])
def test_planar_correction_matches_the_bgr_one(frame, gain, offset, grid):
    import cv2

    from broll.repair.flicker import apply
    from broll.repair.planar import apply_i420

    rng = np.random.default_rng(0)
    g = np.tile(np.array(gain, float).reshape(1, 1, 3), (grid, grid, 1))
    if grid > 1:
        g *= 1 + 0.02 * rng.standard_normal((grid, grid, 1))
    o = np.tile(np.array(offset, float).reshape(1, 1, 3), (grid, grid, 1))
    bgr = cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_I420)
    planar = cv2.cvtColor(apply_i420(frame, g, o), cv2.COLOR_YUV2BGR_I420)
    assert _psnr(planar, apply(bgr, g, o)) > 48          # the same correction, to rounding


def test_equal_gain_leaves_the_planes_unresampled(frame):
    from broll.repair.planar import apply_i420

    out = apply_i420(frame, np.full((1, 1, 3), 1.0), np.zeros((1, 1, 3)))
    assert np.array_equal(out, frame)                     # gain 1: bit-exact, no chroma round trip


def test_repair_crf_follows_the_source(tmp_path):
    from broll.media.encoder_settings import x264_quality
    from broll.media.synth import make_clip
    from broll.repair.run import repair_crf

    master = make_clip(tmp_path / "m.mp4", audio=None, duration=0.3,
                       codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-crf", "8", "-pix_fmt", "yuv420p"))
    web = make_clip(tmp_path / "w.mp4", audio=None, duration=0.3)
    other = make_clip(tmp_path / "o.mp4", audio=None, duration=0.3, codec_args=("-c:v", "mpeg4", "-q:v", "3"))
    assert x264_quality(master) == 8.0 and x264_quality(web) == 23.0 and x264_quality(other) is None
    assert repair_crf(master) == 2          # a master: finer than it was
    assert repair_crf(web) == 7 and repair_crf(other) == 7


def test_a_boil_repair_on_the_planes_changes_only_its_box_and_matches_the_bgr_repair():
    """A 4:2:0 clip's boil is repaired in its own planes: outside the repaired box every plane is
    bit-exact, and the repair is as good as the same repair on BGR frames."""
    import cv2

    from broll.repair.boil import repair_boil
    from broll.testing import injection as inj

    still = inj.base("static:coffee", 60)
    bad, t = inj.inject_boil(still, np.random.default_rng(1), "moderate")
    planes = [cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420) for f in bad]
    rgb = repair_boil(bad, t.start, t.end)
    yuv = repair_boil(planes, t.start, t.end, planar=True)
    assert (yuv.start, yuv.end) == (rgb.start, rgb.end) and yuv.area == rgb.area > 0
    h, w = bad[0].shape[:2]
    psnr = lambda a, b: 10 * np.log10(255 ** 2 / np.mean((a.astype(float) - b.astype(float)) ** 2))  # noqa: E731
    gain_yuv, gain_rgb = [], []
    for i in range(len(bad)):
        if not yuv.start <= i <= yuv.end:
            assert yuv.frames[i] is planes[i]
            continue
        moved = np.argwhere(yuv.frames[i][:h] != planes[i][:h])
        (y0, x0), (y1, x1) = moved.min(axis=0), moved.max(axis=0)
        assert (y1 - y0 + 1) * (x1 - x0 + 1) < 0.6 * h * w              # the patch and its feathering only
        clean = cv2.cvtColor(still[i], cv2.COLOR_BGR2YUV_I420)        # (4:2:0 alone costs this texture 3 dB)
        gain_yuv.append(psnr(yuv.frames[i], clean) - psnr(planes[i], clean))
        gain_rgb.append(psnr(rgb.frames[i], still[i]) - psnr(bad[i], still[i]))
    assert np.mean(gain_yuv) > 3 and np.mean(gain_yuv) > np.mean(gain_rgb) - 0.5


