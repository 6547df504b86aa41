"""Robust pixel pools: the colours a fit may trust, pooled from frames sampled across a shot.

Letterbox / pillarbox bars are cropped, near-black pixels (no colour information, noise) and
pixels clipped in every channel (blown highlights) are dropped; per-channel clipping is kept,
since dropping it biases the statistics (measured: 3.10 vs 1.46 dE00 on the cast suite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from broll.grading.color import to_float

NEAR_BLACK = 0.035     # max channel below this: no usable chroma
CLIPPED = 0.985        # min channel above this: blown out in every channel
BAR_LEVEL = 0.07       # a bar row/column never gets brighter than this
MAX_POOL = 150_000     # pixels kept for fitting; more adds time, not accuracy


@dataclass(frozen=True)
class Box:
    """Active picture area inside letterbox/pillarbox bars, in pixels of the analysed frames."""

    top: int
    bottom: int
    left: int
    right: int
    height: int
    width: int

    @property
    def has_bars(self) -> bool:
        return (self.top, self.left) != (0, 0) or (self.bottom, self.right) != (self.height, self.width)

    def describe(self) -> str:
        return f"bars cropped: active {self.right - self.left}x{self.bottom - self.top} of {self.width}x{self.height}"


@dataclass(frozen=True, eq=False)
class PixelPool:
    rgb: np.ndarray        # (N, 3) float64 encoded RGB in [0, 1]
    box: Box
    total: int             # pixels inside the active area before masking
    # what fits derive from this pool alone, kept with it (keys named by :mod:`broll.grading.fit`):
    # a reference's pool serves every clip of a build; ``rgb`` is never changed in place
    derived: dict = field(default_factory=dict, repr=False)

    @property
    def kept_fraction(self) -> float:
        return len(self.rgb) / self.total if self.total else 0.0


def once(memo: dict | None, key: Any, make: Callable[[], Any]) -> Any:
    """``make()``, kept in ``memo`` under ``key`` on the first call and reused after (None: not
    kept). For what depends on a reference alone: many clips, shots and frame pairs share it."""
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def channel_max(a: np.ndarray) -> np.ndarray:
    """Largest of the last axis's 3 channels: the same as ``a.max(axis=-1)``, several times faster
    (NumPy reduces a length-3 inner axis element by element)."""
    return np.maximum(np.maximum(a[..., 0], a[..., 1]), a[..., 2])


def channel_min(a: np.ndarray) -> np.ndarray:
    return np.minimum(np.minimum(a[..., 0], a[..., 1]), a[..., 2])


def active_box(images: Sequence[np.ndarray]) -> Box:
    """Find letterbox/pillarbox bars: edge rows/columns dark in every sampled frame."""
    # the brightest channel per pixel, on the integer codes (converted once, not per frame)
    peak = to_float(np.max([channel_max(np.asarray(im)) for im in images], axis=0))
    h, w = peak.shape
    rows = np.flatnonzero(peak.max(axis=1) > BAR_LEVEL)
    cols = np.flatnonzero(peak.max(axis=0) > BAR_LEVEL)
    if len(rows) == 0 or len(cols) == 0:
        return Box(0, h, 0, w, h, w)
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    # bars shorter than 2% of the frame are edge noise; keep them
    if top < 0.02 * h and h - bottom < 0.02 * h:
        top, bottom = 0, h
    if left < 0.02 * w and w - right < 0.02 * w:
        left, right = 0, w
    return Box(int(top), int(bottom), int(left), int(right), h, w)


def robust_mask(rgb: np.ndarray) -> np.ndarray:
    # compared in float64 whatever the input's float type (float32 rows are masked before they
    # are converted), so the mask is the same as on a float64 copy
    return ((channel_max(rgb).astype(np.float64, copy=False) > NEAR_BLACK)
            & ~(channel_min(rgb).astype(np.float64, copy=False) > CLIPPED))


def pool_pairs(clip_rows: list[np.ndarray], ref_rows: list[np.ndarray], limit: int,
               tag_rows: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """Join registered (clip, reference) pixel rows, keep pairs trustworthy on both sides and
    thin them evenly to ``limit``: one rule for every fit made on pixel correspondences.
    ``tag_rows``: a label per pair (e.g. its tile) kept alongside and returned third."""
    s, r = np.concatenate(clip_rows), np.concatenate(ref_rows)
    kept = np.flatnonzero(robust_mask(s) & robust_mask(r))
    if len(kept) > limit:
        kept = kept[np.linspace(0, len(kept) - 1, limit).astype(int)]
    # thinned first, then converted: the flow offers ~8x the pairs kept
    s, r = s[kept].astype(np.float64), r[kept].astype(np.float64)
    if tag_rows is None:
        return s, r
    return s, r, np.concatenate(tag_rows)[kept]


def pool(images: Sequence[np.ndarray], *, seed: int = 0) -> PixelPool:
    """Pool the trustworthy pixels of ``images`` (uint8/uint16 RGB of one shot or one still)."""
    box = active_box(images)
    raw = np.concatenate([np.asarray(im)[box.top:box.bottom, box.left:box.right].reshape(-1, 3) for im in images])
    total = len(raw)
    if raw.dtype in (np.uint8, np.uint16):
        # the mask on the integer codes (same thresholds), and the pool thinned before the
        # conversion: only the pixels kept are converted (150k of ~1M for 12 frames at 384 px)
        scale = 255.0 if raw.dtype == np.uint8 else 65535.0
        kept = np.flatnonzero((channel_max(raw) > NEAR_BLACK * scale) & ~(channel_min(raw) > CLIPPED * scale))
    else:
        raw = to_float(raw)
        kept = np.flatnonzero(robust_mask(raw))
    if len(kept) > MAX_POOL:
        pick = np.random.default_rng(seed).choice(len(kept), MAX_POOL, replace=False)
        kept = kept[np.sort(pick)]
    return PixelPool(rgb=to_float(raw[kept]), box=box, total=total)
