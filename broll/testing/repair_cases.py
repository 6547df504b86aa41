"""Defects for `broll fix` tests and benchmarks that QC's injection suite does not make.

``inject_shake`` adds camera shake: a random per-frame translation (smoothed over two frames, as a
hand-held wobble or a generator's frame-to-frame jitter looks) on top of the clip's own motion.
"""

from __future__ import annotations

import numpy as np

from broll.testing.injection import Frames, Truth


def inject_shake(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    import cv2

    amp = {"low": 0.6, "moderate": 1.5, "high": 3.0}[severity] * frames[0].shape[1] / 320
    raw = rng.normal(0, amp, size=(len(frames) + 1, 2))
    offsets = 0.5 * (raw[1:] + raw[:-1])
    h, w = frames[0].shape[:2]
    out = []
    for f, (dx, dy) in zip(frames, offsets):
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        out.append(cv2.warpAffine(f, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    return out, Truth("shake", 0, len(frames) - 1, severity)
