"""The boil repair's third pass: a Wiener filter that keeps the residual's detail above the shimmer."""

from __future__ import annotations

import numpy as np

from broll.repair.residual_wiener import ResidualWiener, tile_power, wiener


def _shimmer(rng, h: int, w: int, grain: int = 3, sigma: float = 12.0) -> np.ndarray:
    """Blobby noise as the benchmark injects it: white noise on a coarse grid, upsampled (band-limited)."""
    import cv2

    g = rng.normal(0, sigma, size=(h // grain, w // grain)).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def test_tiles_put_back_together_exactly():
    r = np.random.default_rng(0).normal(0, 10, (94, 167)).astype(np.float32)
    t = 24
    assert np.abs(wiener(r, np.zeros((t, t // 2 + 1)), t) - r).max() < 1e-3       # no noise: all of it kept
    assert np.abs(wiener(r, np.full((t, t // 2 + 1), 1e9), t)).max() < 1e-3       # all noise: none of it


def test_fine_detail_is_kept_and_the_shimmer_dropped():
    """A residual of band-limited shimmer plus fine stripes (detail a prediction missed): with the
    shimmer's spectrum measured on shimmer alone, the filter keeps the stripes and drops most of the
    shimmer, closer to the stripes than either the prediction (nothing) or the whole residual."""
    rng = np.random.default_rng(1)
    h, w = 120, 200
    yy, xx = np.mgrid[0:h, 0:w]
    detail = (8.0 * np.sign(np.sin(xx * np.pi / 1.5 + yy * 0.3))).astype(np.float32)   # 3 px period
    detail[:, : w // 2] = 0                                                              # only on one side
    work = ResidualWiener(320, (h, w))
    ones = np.ones((h, w), np.float32)
    acc, n = 0.0, 0
    for _ in range(4):
        p, k = work.power(_shimmer(rng, h, w), ones)
        acc, n = acc + p, n + k
    noise = acc / n
    resid = _shimmer(rng, h, w) + detail
    kept = work.detail(resid, noise)

    def err(x):
        return float(np.mean((x - detail) ** 2))

    assert err(kept) < 0.5 * err(np.zeros_like(detail))
    assert err(kept) < 0.5 * err(resid)


def test_a_wide_picture_is_filtered_at_a_reduced_size_and_keeps_what_lies_above_it():
    rng = np.random.default_rng(2)
    work = ResidualWiener(1920, (180, 300))
    assert work.f == 3
    noise = tile_power(np.zeros((60, 100), np.float32), np.ones((60, 100), np.float32), work.tile)[0] + 1e9
    fine = (10.0 * (np.indices((180, 300)).sum(axis=0) % 2 * 2 - 1)).astype(np.float32)   # 1 px checkerboard
    coarse = _shimmer(rng, 180, 300, grain=18)
    kept = work.detail(fine + coarse, noise)
    # above the reduced size's band the residual is kept as it is; below it all of it is taken as shimmer
    assert np.mean((kept - fine) ** 2) < 0.1 * np.mean(coarse ** 2)
