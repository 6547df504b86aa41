"""Before/after measurements of a repaired range, on small luma frames (pure numpy/OpenCV).

Every repair reports one number before and after, in units a reader can judge:

- ``peak_jump`` (glitch, black): the larger mean |dY| (8-bit code values) into and out of the range;
  a clean shot's frame-to-frame change is a few code values.
- ``repeated_frames`` (freeze): frames in the range that repeat their predecessor (mean |dY| <= 0.35).
- ``flicker_index`` (flicker): residual brightness oscillation, the standard deviation of each region's
  mean luma around its temporally smoothed self, as a % of its level (worst quarter of the regions).
- ``shimmer`` (boil): mean temporal high-pass |Y_t - (Y_t-1 + Y_t+1)/2| in the flagged cells.
- ``jitter`` (shake): RMS of the camera path's deviation from its smoothed self, px at 320 px.
"""

from __future__ import annotations

import numpy as np

SMALL_SIDE = 320


def _analysis_size(plane: np.ndarray) -> np.ndarray:
    """``plane`` shrunk (area filter) so its longer side is at most ``SMALL_SIDE``."""
    import cv2

    h, w = plane.shape[:2]
    s = min(1.0, SMALL_SIDE / max(h, w))
    if s < 1.0:
        size = (max(8, int(round(w * s))), max(8, int(round(h * s))))
        if plane.ndim == 2 and plane.dtype == np.uint8:
            from broll.media.analysis_frames import area_shrink

            return area_shrink(plane, size[0], size[1], cv2)      # OpenCV's area filter, the same bytes, cheaper
        plane = cv2.resize(plane, size, interpolation=cv2.INTER_AREA)
    return plane


def small_luma(img: np.ndarray) -> np.ndarray:
    import cv2

    return _analysis_size(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img)


def luma_i420(img: np.ndarray) -> np.ndarray:
    """The analysis luma (as :func:`small_luma` makes from the BGR frame) of an I420 frame, from its Y
    plane alone: OpenCV's grey of the BGR frame is 1.164 (Y - 16) (BT.601 limited range; the chroma
    terms cancel), so no BGR frame is made."""
    return luma_y(img[:img.shape[0] * 2 // 3])


def luma_y(y: np.ndarray) -> np.ndarray:
    """:func:`luma_i420` of a frame's Y plane alone (a repair that changed only that plane's box)."""
    import cv2

    return cv2.LUT(_analysis_size(y), _Y_TO_GREY)


_Y_TO_GREY = np.clip((np.arange(256) - 16.0) * 255.0 / 219.0 + 0.5, 0, 255).astype(np.uint8)


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.float32) - b.astype(np.float32))))


def peak_jump(lumas: list[np.ndarray], start: int, end: int) -> float:
    """Largest mean |dY| between consecutive frames from ``start - 1`` to ``end + 1`` (window indices)."""
    lo, hi = max(1, start), min(len(lumas) - 1, end + 1)
    return max((mae(lumas[t], lumas[t - 1]) for t in range(lo, hi + 1)), default=0.0)


def repeated_frames(lumas: list[np.ndarray], start: int, end: int, limit: float = 0.35) -> int:
    return sum(1 for t in range(max(1, start), end + 1) if mae(lumas[t], lumas[t - 1]) <= limit)


def gaussian_smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass along axis 0 with edge replication (no SciPy needed)."""
    if sigma <= 0 or x.shape[0] < 2:
        return x.astype(np.float64)
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.concatenate([np.repeat(x[:1], r, axis=0), x, np.repeat(x[-1:], r, axis=0)]).astype(np.float64)
    flat = pad.reshape(pad.shape[0], -1)
    out = np.stack([np.convolve(flat[:, j], k, mode="valid") for j in range(flat.shape[1])], axis=1)
    return out.reshape((x.shape[0],) + x.shape[1:])


def region_means(lumas: list[np.ndarray], grid: tuple[int, int]) -> np.ndarray:
    import cv2

    return np.stack([cv2.resize(y, grid, interpolation=cv2.INTER_AREA).astype(np.float64).ravel() for y in lumas])


def flicker_index(lumas: list[np.ndarray], start: int, end: int, sigma: float, grid: tuple[int, int] = (4, 4)) -> float:
    """Mean over the worst quarter of regions of std((m - smooth(m)) / smooth(m)) in [start, end], percent.

    The worst quarter, so a flicker in one corner is measured, not averaged away by calm regions.
    """
    m = region_means(lumas, grid)
    ref = gaussian_smooth(m, sigma)
    rel = (m - ref) / np.maximum(ref, 8.0)
    seg = rel[max(0, start):end + 1]
    if seg.shape[0] < 2:
        return 0.0
    sd = np.sort(seg.std(axis=0))[::-1]
    return float(sd[:max(1, sd.size // 4)].mean() * 100.0)
