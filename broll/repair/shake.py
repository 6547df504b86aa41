"""Shake measure: how much the camera path wobbles around its own smoothed course.

Global translation between consecutive frames comes from phase correlation on the luma at
analysis size (320 px); the accumulated path minus its Gaussian low-pass (sigma 0.33 s) is the
jitter, reported as an RMS in pixels at 320 px. A steady pan or zoom has almost none; a hand-held
wobble or a generator's frame-to-frame jitter has a pixel or more. Stabilisation (two-pass
vid.stab, :func:`broll.media.reencode.stabilise`) runs only above :data:`MIN_JITTER`.
"""

from __future__ import annotations

import os

import numpy as np

from broll.repair.measure import gaussian_smooth

MIN_JITTER = 0.5     # px at 320 px


def camera_path(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    import cv2

    from broll.media.analysis_frames import iter_analysis_frames
    from broll.media.probe import probe

    fps = float(probe(path).fps or 25)
    prev = None
    steps = [(0.0, 0.0)]
    win = None
    for fr in iter_analysis_frames(path):
        y = fr.luma.astype(np.float32)
        if win is None:
            win = cv2.createHanningWindow(y.shape[::-1], cv2.CV_32F)
        if prev is not None:
            (dx, dy), _ = cv2.phaseCorrelate(prev, y, win)
            steps.append((dx, dy))
        prev = y
    return np.cumsum(np.asarray(steps, np.float64), axis=0), fps


def jitter(path: str | os.PathLike) -> float:
    track, fps = camera_path(path)
    if track.shape[0] < 4:
        return 0.0
    # a steady pan is a ramp: take the straight line out first, or the smoothing's edge padding
    # would bend the ends of the path and read as jitter
    t = np.arange(track.shape[0], dtype=np.float64)
    trend = np.stack([np.polyval(np.polyfit(t, track[:, k], 1), t) for k in range(2)], axis=1)
    rest = track - trend
    smooth = gaussian_smooth(rest, max(1.0, fps / 3))
    return float(np.sqrt(np.mean(np.sum((rest - smooth) ** 2, axis=1))))
