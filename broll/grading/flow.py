"""Pixel pairs for a same-scene fit: dense optical flow on top of the homography, kept where
the flow agrees with itself both ways.

A homography registers the *camera* move between the clip frame and the reference moment;
what moved inside the frame (people, cars, parallax) is still misregistered, and a fit
trained on those pixels learns content, not the cast. So after the homography warp, a dense
flow (OpenCV's DIS, Kroeger et al. 2016) follows what is left. It runs on a cast-invariant
picture of each frame: luma replaced by its rank over the overlap, which any monotone tone
change (gain, gamma, exposure) leaves exactly unchanged and a white-balance cast barely
moves; DIS also normalises every patch by its mean. A pixel is paired only where the flow
from the reference to the clip and the flow back land within ``FB_MAX`` px of where they
started (forward-backward consistency: occlusions, disocclusions and flat or repeated
texture fail it), inside both frames, and away from the strongest edges (where a fraction
of a pixel of error still mixes two colours).

Each pair carries the tile of the reference frame it sits in, so a fit can be validated on
pairs *spatially apart* from those it was trained on (other tiles), not on their neighbours.
Nothing here decodes or shells out.
"""

from __future__ import annotations

import numpy as np

FB_MAX = 0.5            # px at fit width: forward-backward flow disagreement a pair may have
TILE = 48               # px at fit width: pairs are grouped in tiles of the reference frame
EDGE_SHARE = 0.75       # keep the flattest 75% of the consistent pixels
BLUR = 1.2              # px: colours are compared lightly smoothed
RANK_LEVELS = 4096      # grey levels the rank transform counts
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def rank_luma(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """8-bit rank transform of ``grey`` (0-1) over ``mask`` (outside: the median rank): the
    same image for any monotone tone change (up to the 4096 levels it is counted in), so
    flow on it follows structure, not the cast. Ties share their middle rank."""
    out = np.zeros(grey.shape, np.uint8)
    n = int(mask.sum())
    if n == 0:
        return out
    levels = np.clip(np.rint(grey * (RANK_LEVELS - 1)), 0, RANK_LEVELS - 1).astype(np.int32)
    inside = levels[mask]
    counts = np.bincount(inside, minlength=RANK_LEVELS)
    mid_rank = np.cumsum(counts) - 0.5 * (counts + 1)
    table = np.clip(mid_rank * 255.0 / max(n - 1, 1), 0, 255).round().astype(np.uint8)
    out[mask] = table[inside]
    # the median of the ranks inside (np.median's value, truncated), read from their histogram
    # instead of partitioning every pixel: the middle one or two of n sorted values
    below = np.cumsum(np.bincount(table, weights=counts, minlength=256))
    lo, hi = np.searchsorted(below, [(n - 1) // 2, n // 2], side="right")
    out[~mask] = int((lo + hi) / 2)
    return out


def _gradient(g: np.ndarray) -> np.ndarray:
    import cv2
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def flow_pairs(ref: np.ndarray, clip: np.ndarray, inside: np.ndarray, *, fb_max: float = FB_MAX,
               edge_share: float = EDGE_SHARE, tile: int = TILE,
               ref_side: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clip, reference, tile id) rows for one frame pair: ``clip`` already warped onto ``ref``
    by the homography (float32 RGB), ``inside`` where the warp has clip pixels. ``ref_side``:
    where what depends on ``ref`` alone is kept for the other frame pairs of the same reference."""
    import cv2
    from broll.grading.pixels import once
    rh, rw = ref.shape[:2]
    a, b = rank_luma(once(ref_side, "luma", lambda: ref @ LUMA), inside), rank_luma(clip @ LUMA, inside)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    forward = dis.calc(a, b, None)           # ref pixel p shows what the clip shows at p + forward(p)
    backward = dis.calc(b, a, None)
    mx = forward[..., 0] + np.arange(rw, dtype=np.float32)[None, :]
    my = forward[..., 1] + np.arange(rh, dtype=np.float32)[:, None]
    back = cv2.remap(backward, mx, my, cv2.INTER_LINEAR)
    disagreement = np.hypot(forward[..., 0] + back[..., 0], forward[..., 1] + back[..., 1])
    clip_b = cv2.remap(cv2.GaussianBlur(clip, (0, 0), BLUR), mx, my, cv2.INTER_LINEAR)
    ref_b = once(ref_side, ("blurred", BLUR), lambda: cv2.GaussianBlur(ref, (0, 0), BLUR))
    lands_inside = cv2.remap(inside.astype(np.uint8), mx, my, cv2.INTER_NEAREST).astype(bool)
    keep = inside & lands_inside & (disagreement <= fb_max)
    empty = np.zeros((0, 3), np.float32)
    if keep.sum() < 200:
        return empty, empty, np.zeros(0, np.int64)
    ga = clip_b @ LUMA
    gb = once(ref_side, ("blurred luma", BLUR), lambda: ref_b @ LUMA)
    edges = (_gradient(ga) / max(float(ga[keep].std()), 1e-3)
             + once(ref_side, ("luma gradient", BLUR), lambda: _gradient(gb)) / max(float(gb[keep].std()), 1e-3))
    keep &= edges <= np.quantile(edges[keep], edge_share)
    at = np.flatnonzero(keep)                 # row-major, the order of clip_b[keep]
    ys, xs = np.divmod(at, rw)
    return clip_b.reshape(-1, 3)[at], ref_b.reshape(-1, 3)[at], (ys // tile).astype(np.int64) * 10_000 + xs // tile


def held_back(tiles: np.ndarray) -> np.ndarray:
    """True for pairs in the 'black' squares of a checkerboard of tiles: the check half, each
    tile's pairs apart from the training half's except along the tile borders."""
    return (tiles // 10_000 + tiles % 10_000) % 2 == 1
