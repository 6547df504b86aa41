"""The YUV stand-in for a shot's LUT: FFmpeg computes exactly what the model says, the gate
lets through only chains close to the exact LUT, and the build picks the right path."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from broll.testing.casts import STANDARD_CASTS, Cast
from broll.grading.color import to_float
from broll.grading.match import fit_images, reference_from_images
from broll.grading.match import match
from broll.grading.pixels import pool
from broll.grading.transforms import Transform
from broll.grading.yuvfast import YuvChain, codes_to_rgb, fit_chain, rgb_to_codes
from broll.media.ffmpeg import ffmpeg_path

from .conftest import photo


def _through_ffmpeg(chain: YuvChain, codes: np.ndarray) -> np.ndarray:
    """Run (N, 3) 8-bit codes through the chain as one yuv444p frame; codes out."""
    w = 256
    h = len(codes) // w
    codes = codes[: w * h]
    raw = np.concatenate([codes[:, 0], codes[:, 1], codes[:, 2]]).astype(np.uint8).tobytes()
    out = subprocess.run([ffmpeg_path(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv444p", "-s", f"{w}x{h}",
                          "-i", "-", "-vf", chain.ffmpeg_filter(), "-f", "rawvideo", "-pix_fmt", "yuv444p", "-"],
                         input=raw, capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(3, -1).T.astype(np.int64)


def _random_codes(n: int = 256 * 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.integers(16, 236, n), rng.integers(16, 241, n), rng.integers(16, 241, n)])


@pytest.mark.parametrize("form", ["plain", "offsets", "rotated"])
def test_model_predicts_ffmpeg_exactly(form):
    truth = photo("coffee")
    src = STANDARD_CASTS[0].apply(truth)
    t = fit_images([src], reference_from_images([truth])).transform
    from broll.grading import yuvfast
    fitted = yuvfast._fit_chain(t, pool([src]).rgb, "bt709", 0, rotate=form == "rotated", offsets=form != "plain")
    chain = fitted.chain
    if form == "rotated":   # make sure both hue filters are really in the chain under test
        chain = YuvChain(**{**chain.to_dict(), "hue_degrees": 7.5, "pre_hue_degrees": -12.25})
    assert ("colorcorrect" in chain.ffmpeg_filter()) == (form != "plain")
    codes = _random_codes()
    got = _through_ffmpeg(chain, codes)
    assert np.array_equal(got, chain.simulate(codes[: len(got)]))


def test_a_mild_cast_gets_a_usable_chain_close_to_the_transform():
    truth = photo("chelsea")
    src = Cast(gains=(1.08, 1.0, 0.92), gamma=0.95).apply(truth)
    t = fit_images([src], reference_from_images([truth])).transform
    fast = fit_chain(t, pool([src]).rgb)
    assert fast.usable and fast.mean_de < 0.8
    # and it really moves the colours the way the transform does
    codes = np.clip(np.round(rgb_to_codes(pool([src]).rgb[:5000])), 0, 255).astype(np.int64)
    moved = codes_to_rgb(fast.chain.simulate(codes)) - codes_to_rgb(codes)
    wanted = np.clip(t(codes_to_rgb(codes)), 0, 1) - codes_to_rgb(codes)
    assert np.corrcoef(moved.ravel(), wanted.ravel())[0, 1] > 0.9


class _HueSelective(Transform):
    """Turns saturated reds green and leaves everything else alone: no per-plane curve,
    rotation or luma-linear offset can express that."""

    def __call__(self, rgb):
        rgb = np.asarray(rgb, dtype=np.float64)
        red = np.clip((rgb[:, 0] - np.maximum(rgb[:, 1], rgb[:, 2]) - 0.15) * 4, 0, 1)[:, None]
        return rgb + red * (rgb[:, [1, 0, 2]] - rgb)


def test_a_grade_the_chain_cannot_express_keeps_the_exact_lut():
    img = to_float(photo("astronaut"))
    fast = fit_chain(_HueSelective(), img.reshape(-1, 3))
    assert not fast.usable


def test_clip_grade_picks_the_path(grade_media):
    ref = grade_media.still("chelsea")
    mild = grade_media.clip("chelsea", Cast(gains=(1.08, 1.0, 0.92), gamma=0.95), duration=1.0)
    result = match(mild, ref, cache_root=None, paired=False)
    shot = result.shots[0]
    assert shot.fast is not None and shot.fast["usable"], shot.fast
    assert result.applied_as("auto") == "yuv"
    auto = result.ffmpeg_filter(apply="auto")
    assert "lutyuv=" in auto and "lut3d" not in auto
    assert "lut3d" in result.ffmpeg_filter() and "lut3d" in result.ffmpeg_filter(apply="exact")
    shot.fast = {**shot.fast, "mean_de": 5.0}
    assert result.applied_as("auto") == "lut3d" and result.applied_as("fast") == "yuv"


def test_ten_bit_clips_keep_the_exact_lut(grade_media, tmp_path):
    from broll.media import synth
    ten = synth.make_clip(tmp_path / "ten.mp4", source="smptebars", size=(320, 180), duration=1, audio=None,
                          codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le"])
    result = match(ten, grade_media.still("coffee"), cache_root=None, paired=False)
    assert all(s.fast is None for s in result.shots) and result.applied_as("fast") == "lut3d"
