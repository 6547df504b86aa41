"""Which side the rest of the subject is on: the detailed region around the tracked part.

The tracker locks on the most striking part of a subject (a tiger's white muzzle, a person's
mouth) and its body is the weaker evidence connected to that part, so the window is aimed at
the part and can cut the rest of the head. Fine detail (local Laplacian energy) is a cue the
tracker does not use: a subject in focus, fur, hair and stripes carry it, and a soft or flat
background does not. The region of detail connected to the tracked core says where the rest
of the subject lies; the path leans the window towards its middle as far as keeping the
tracked body whole allows (``analyse``). It never widens the window: the region is often the
whole animal where the subject is its head.

The map is trusted only where it singles out the tracked core (the core's level stands
``STAND_OUT`` times above the frame's median), and a region that spreads over much of the
frame is dropped. Tried and not kept (session 10, docs/export.md): the region of residual
dense flow (the camera model taken out), and either region as the body the window holds or
widens for: both read the subject 1.5-5x too wide as often as right.
"""

from __future__ import annotations

import cv2
import numpy as np

STAND_OUT = 2.0          # the core's detail must be this many times the frame's median detail ...
REGION_FLOOR = 0.3       # ... and the region is connected detail above this share of the way to the core's level
REGION_MAX_AREA = 0.35   # a region over this share of the frame did not separate the subject
REGION_MASS = (0.03, 0.97)   # the region's box: between these quantiles of its mass on each axis


def detail_map(grey: np.ndarray) -> np.ndarray:
    """Local detail: |Laplacian| spread over ~1.2% of the frame's width."""
    lap = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3))
    return cv2.GaussianBlur(lap, (0, 0), sigmaX=max(1.0, grey.shape[1] / 80))


def region(m: np.ndarray, core: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """The box (x0, y0, x1, y1, pixels) of ``m``'s region around the ``core`` box, or None
    when the map does not single the core out or the region spreads over the frame."""
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
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    under = labels[y0:y1, x0:x1].ravel()
    under = under[under > 0]
    if under.size == 0:
        return None
    lab = int(np.bincount(under).argmax())
    if stats[lab, cv2.CC_STAT_AREA] > REGION_MAX_AREA * h * w:
        return None
    wts = m * (labels == lab)
    ax0, ax1 = _span(wts.sum(axis=0))
    ay0, ay1 = _span(wts.sum(axis=1))
    return ax0, ay0, ax1, ay1


def _span(mass: np.ndarray) -> tuple[float, float]:
    """Pixel edges below which ``REGION_MASS`` of a 1-D mass lie."""
    cum = np.cumsum(mass)
    total = float(cum[-1])
    return float(np.searchsorted(cum, REGION_MASS[0] * total)), float(np.searchsorted(cum, REGION_MASS[1] * total) + 1)
