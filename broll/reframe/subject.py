"""A subject estimate as data, and the cut detector shared by the analysis.

Where the subject is comes from ``tracker`` (which fuses the cues of ``cues``); this module
holds the small value type the smoother consumes, so the pure path code needs no OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SubjectEstimate:
    """A subject estimate in normalised frame coordinates (0..1)."""

    cx: float
    cy: float
    half_w: float            # half extent of the subject, normalised
    half_h: float
    confidence: float        # 0 = nothing stands out, 1 = one clear subject
    extent: tuple[float, float, float, float] | None = None   # (x0, y0, x1, y1) of the whole body, normalised
    region: tuple[float, float, float, float] | None = None   # (x0, y0, x1, y1) of the detail around it, normalised

    def span(self, axis: str) -> tuple[float, float]:
        """(low, high) of the body along ``axis`` ("x" or "y"): the extent when known, else the core."""
        if self.extent is not None:
            return (self.extent[1], self.extent[3]) if axis == "y" else (self.extent[0], self.extent[2])
        c, half = (self.cy, self.half_h) if axis == "y" else (self.cx, self.half_w)
        return c - half, c + half


def _thumb(grey: np.ndarray) -> np.ndarray:
    import cv2
    return cv2.resize(grey, (16, 9), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def frame_change(prev: np.ndarray | None, grey: np.ndarray) -> float:
    """Mean absolute difference (0..1) of 16x9 luma thumbnails: high at a hard cut, low under
    camera motion over texture (the thumbnail averages the texture away)."""
    if prev is None:
        return 0.0
    return float(np.abs(_thumb(prev) - _thumb(grey)).mean())
