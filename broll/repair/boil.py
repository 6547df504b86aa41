"""Boil repair: a temporal average limited to the cells and frames that shimmer.

Boil is texture that changes every frame where nothing moves, so averaging each pixel over a few
frames (7 here) removes it without smearing motion, provided it is confined to the shimmering
cells. Those are found again on a small copy: per cell of a 16x9 grid, the temporal high-pass
|Y_t - (Y_t-1 + Y_t+1)/2| inside the QC span against the same cell in the context frames either
side; cells at least twice as busy (and 1 code value above) are masked, grown by one cell and
feathered, and only they are averaged.
"""

from __future__ import annotations

import numpy as np

from broll.repair.measure import small_luma

GRID = (16, 9)
RADIUS = 3


def _cell_energy(lumas: list[np.ndarray]) -> np.ndarray:
    import cv2

    out = np.zeros((len(lumas), GRID[1], GRID[0]))
    for t in range(1, len(lumas) - 1):
        hp = np.abs(lumas[t].astype(np.float32) - 0.5 * (lumas[t - 1].astype(np.float32) + lumas[t + 1]))
        out[t] = cv2.resize(hp, GRID, interpolation=cv2.INTER_AREA)
    out[0], out[-1] = out[min(1, len(lumas) - 1)], out[max(0, len(lumas) - 2)]
    return out


def boil_mask(lumas: list[np.ndarray], start: int, end: int) -> np.ndarray:
    """Cells (9x16 bool) that shimmer inside [start, end] compared with the frames around it."""
    e = _cell_energy(lumas)
    inside = e[start:end + 1].mean(axis=0)
    outside_idx = [t for t in range(len(lumas)) if t < start or t > end]
    if len(outside_idx) >= 3:
        base = np.median(e[outside_idx], axis=0)
    else:
        base = np.full_like(inside, float(np.median(inside)))
    return (inside >= 2.0 * base) & (inside >= base + 1.0)


def _shimmer(lumas: list[np.ndarray], start: int, end: int, mask: np.ndarray) -> float:
    if not mask.any():
        return 0.0
    e = _cell_energy(lumas)
    return float(e[start:end + 1][:, mask].mean())


def repair_boil(frames: list[np.ndarray], start: int, end: int) -> tuple[list[np.ndarray], float, float, float]:
    """Returns new window frames, the masked share of the picture, and shimmer before/after."""
    import cv2

    lumas = [small_luma(f) for f in frames]
    cells = boil_mask(lumas, start, end)
    if not cells.any():
        return frames, 0.0, 0.0, 0.0
    before = _shimmer(lumas, start, end, cells)
    grown = cv2.dilate(cells.astype(np.uint8), np.ones((3, 3), np.uint8))
    h, w = frames[0].shape[:2]
    soft = cv2.resize(grown.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(soft, (0, 0), max(1.0, w / GRID[0] / 4))
    ys, xs = np.nonzero(soft > 0.01)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    m = soft[y0:y1, x0:x1, None]
    out = list(frames)
    for t in range(start, end + 1):
        lo, hi = max(0, t - RADIUS), min(len(frames) - 1, t + RADIUS)
        acc = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
        for k in range(lo, hi + 1):
            acc += frames[k][y0:y1, x0:x1]
        acc /= (hi - lo + 1)
        f = frames[t].copy()
        cur = f[y0:y1, x0:x1].astype(np.float32)
        f[y0:y1, x0:x1] = np.clip(cur + m * (acc - cur) + 0.5, 0, 255).astype(np.uint8)
        out[t] = f
    after = _shimmer([small_luma(f) for f in out], start, end, cells)
    return out, float(grown.mean()), before, after
