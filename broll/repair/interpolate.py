"""Motion-compensated in-between frames: rebuild missing pictures from the frames either side.

Optical flow (OpenCV DIS, both directions) is computed once between the last good frame before
a gap and the first good one after it, at about 480 px on the long side, and scaled up. Each
in-between frame at time ``t`` in (0, 1) warps both neighbours toward ``t`` with the flow
approximation of Super SloMo (Jiang et al., CVPR 2018, eq. 4) and blends them by distance.
Glitch, black/white flash frames and short freezes all end up here.
"""

from __future__ import annotations

import numpy as np

FLOW_SIDE = 480


def _gray_small(img: np.ndarray, scale: float):
    import cv2

    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if scale < 1.0:
        g = cv2.resize(g, (max(16, int(round(g.shape[1] * scale))), max(16, int(round(g.shape[0] * scale)))),
                       interpolation=cv2.INTER_AREA)
    return g


def in_betweens(before: np.ndarray, after: np.ndarray, count: int) -> list[np.ndarray]:
    """``count`` frames evenly spaced strictly between ``before`` and ``after`` (BGR uint8)."""
    if count <= 0:
        return []
    return frames_at(before, after, [i / (count + 1) for i in range(1, count + 1)])


def frames_at(before: np.ndarray, after: np.ndarray, times: list[float]) -> list[np.ndarray]:
    """The pictures at each ``t`` in (0, 1) between ``before`` and ``after`` (BGR uint8); one flow
    pair serves them all (the build's ``retime: motion`` asks for uneven times, e.g. 24 -> 30)."""
    import cv2

    if not times:
        return []
    h, w = before.shape[:2]
    scale = min(1.0, FLOW_SIDE / max(h, w))
    a, b = _gray_small(before, scale), _gray_small(after, scale)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    f01 = dis.calc(a, b, None)
    f10 = dis.calc(b, a, None)
    if scale < 1.0:
        f01 = cv2.resize(f01, (w, h), interpolation=cv2.INTER_LINEAR) * (w / a.shape[1])
        f10 = cv2.resize(f10, (w, h), interpolation=cv2.INTER_LINEAR) * (w / a.shape[1])
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    grid = np.dstack([gx, gy])
    src0, src1 = before.astype(np.float32), after.astype(np.float32)
    out = []
    for t in times:
        ft0 = -(1 - t) * t * f01 + t * t * f10
        ft1 = (1 - t) * (1 - t) * f01 - t * (1 - t) * f10
        w0 = cv2.remap(src0, grid + ft0, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        w1 = cv2.remap(src1, grid + ft1, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out.append(np.clip((1 - t) * w0 + t * w1 + 0.5, 0, 255).astype(np.uint8))
    return out
