"""The subject's whole extent from segment evidence the tracker's cues do not use.

The tracker locks on the most striking part of a subject (a dog's nose, a bear's foot, a
spider's abdomen) and its body is the weaker evidence connected to that part, so a subject
whose other parts do not stand out in colour or contrast is kept only in part. Two maps say
where the *rest* of the subject is, whatever it looks like:

* **motion with the camera taken out** (``motion_map``): dense optical flow between two
  analysis frames minus the flow the camera model predicts. A subject that moves against the
  camera does so as a whole, so the region of residual flow around the tracked part is the
  subject, legs, tail and all.
* **detail** (``detail_map``): local Laplacian energy. On a shot with a shallow depth of
  field only the subject is sharp; the region of fine detail around the tracked part is it.

Each map is trusted only where it singles out the tracked core (the core's level stands well
above the frame's typical level); the region is the map's connected component under the core
above a share of the core's level, trimmed to the central mass like the body (``tracker``),
and rejected when it spreads over much of the frame (the map did not separate anything).

Pure numpy/OpenCV on the analysis frames; nothing here keeps state.
"""

from __future__ import annotations

import cv2
import numpy as np

import os
STAND_OUT = float(os.environ.get("RF_STAND", 3.0))          # the core's level must be this many times the frame's median level ...
REGION_FLOOR = float(os.environ.get("RF_FLOOR", 0.3))       # ... and the region is connected map above this share of the core's level
REGION_MAX_AREA = 0.35   # a region over this share of the frame did not separate the subject
REGION_MASS = (0.03, 0.97)   # the region's box: between these quantiles of its mass on each axis
MOTION_MIN_PX = 0.5      # residual flow (analysis px per sample step) below this is not motion


def detail_map(grey: np.ndarray) -> np.ndarray:
    """Local detail: |Laplacian| spread over ~1.2% of the width (fur, legs, texture in focus)."""
    lap = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3))
    return cv2.GaussianBlur(lap, (0, 0), sigmaX=max(1.0, grey.shape[1] / 80))


def motion_map(flow_engine, prev: np.ndarray, cur: np.ndarray, camera: np.ndarray) -> np.ndarray:
    """Residual flow magnitude on ``cur``'s pixels: dense flow ``cur`` -> ``prev`` minus the
    camera model's (``camera`` maps ``prev`` to ``cur``), below ``MOTION_MIN_PX`` set to 0."""
    h, w = cur.shape
    flow = flow_engine.calc(cur, prev, None)
    back = cv2.invertAffineTransform(np.asarray(camera, np.float64))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    px = back[0, 0] * xs + back[0, 1] * ys + back[0, 2] - xs
    py = back[1, 0] * xs + back[1, 1] * ys + back[1, 2] - ys
    res = np.hypot(flow[..., 0] - px, flow[..., 1] - py)
    res[res < MOTION_MIN_PX] = 0
    return cv2.GaussianBlur(res, (0, 0), sigmaX=max(1.0, w / 160))


def region(m: np.ndarray, core: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """The box (x0, y0, x1, y1, pixels) of ``m``'s region around the ``core`` box, or None
    when the map does not single the core out or spreads over the frame."""
    h, w = m.shape
    x0, y0 = int(max(0, np.floor(core[0]))), int(max(0, np.floor(core[1])))
    x1, y1 = int(min(w, np.ceil(core[2]))), int(min(h, np.ceil(core[3])))
    if x1 <= x0 or y1 <= y0:
        return None
    level = float(np.median(m[y0:y1, x0:x1]))
    typical = float(np.median(m))
    if level <= 1e-6 or level < STAND_OUT * typical:
        return None
    mask = (m >= typical + REGION_FLOOR * (level - typical)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    under = labels[y0:y1, x0:x1].ravel()
    under = under[under > 0]
    if under.size == 0:
        return None
    lab = int(np.bincount(under).argmax())
    if stats[lab, cv2.CC_STAT_AREA] > REGION_MAX_AREA * h * w:
        return None
    wts = m * (labels == lab)
    return _box(wts)


def _span(mass: np.ndarray) -> tuple[float, float]:
    cum = np.cumsum(mass)
    total = float(cum[-1])
    return float(np.searchsorted(cum, REGION_MASS[0] * total)), float(np.searchsorted(cum, REGION_MASS[1] * total) + 1)


def _box(wts: np.ndarray) -> tuple[float, float, float, float]:
    ax0, ax1 = _span(wts.sum(axis=0))
    ay0, ay1 = _span(wts.sum(axis=1))
    return ax0, ay0, ax1, ay1


def union(a, b):
    """The box holding both (either may be None)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def iou(a, b) -> float:
    """Intersection over union of two boxes (0 when either is None)."""
    if a is None or b is None:
        return 0.0
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area > 0 else 0.0
