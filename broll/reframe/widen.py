"""How wide the window must be: wider than the target's aspect only while the subject is.

A subject wider than the crop window (a car side-on, an animal across the frame) cannot be whole
in a plain crop. The path then widens the window to hold the subject's body (with a small pad);
the output shows that wider window scaled to the target's width over a blurred fill of the
picture (a partial ``contain``). The widening starts before it is needed and ends after (the
analysis is offline: it looks ahead), eases in and out, and ignores one-sample flickers of the
body estimate. Pure numpy/scipy.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, median_filter

from broll.reframe.subject import SubjectEstimate

WIDEN_PAD = 0.12         # the body plus this share of its size on each side must be inside
FITS_SHARE = 0.9         # a body no wider than this share of the window is held by moving the crop (the
                         # path keeps up to 0.9 of the window around the body, ``analyse``),
                         # never by widening: the pad alone is not worth shrinking the picture
MEDIAN_SAMPLES = 5        # a body must be too wide for ~3 samples (0.3 s) in a row to count
LEAD_SAMPLES = 5          # the window is already wide this many samples before it is needed, and after
EASE_SAMPLES = 2.0        # sigma of the ease in and out (samples)
MIN_WIDEN = 1.03          # a widening smaller than this (share of the window) is not worth the bars
MAX_WIDEN = 1.8           # a body that needs more than this is more likely background than subject:
                          # it does not widen the window (nor does it shrink the picture past ~60%)
WIDEN_CONFIDENCE = 0.6    # only a sample this sure of its subject may widen the window ...
BODY_TO_CORE = 1.5        # ... and only with a body at most this much wider than its core: a body read
                          # off weak evidence around a small core leaks into the background, and a
                          # window widened for it would shrink the picture for nothing


def held_confidence(confidence: np.ndarray, centre: np.ndarray, shots: np.ndarray, jump: float,
                    floor: float) -> np.ndarray:
    """Each sample's confidence, or the highest one since the tracker last took up this subject.

    A subject's per-sample confidence falls as it grows (a large region is less *compact*,
    ``tracker._confidence``), so a wide subject is least trusted exactly where it is widest. The
    subject followed without a break (no leap of more than ``jump`` between samples, none below
    ``floor``) since it was seen with confidence is the same subject, and keeps that trust.
    """
    held = np.asarray(confidence, float).copy()
    for i in range(1, held.size):
        if shots[i] == shots[i - 1] and abs(centre[i] - centre[i - 1]) <= jump \
                and confidence[i] >= floor and confidence[i - 1] >= floor:
            held[i] = max(held[i], held[i - 1])
    return held


def body_to_hold(est: SubjectEstimate, axis: str, confidence: float | None = None) -> tuple[float, float]:
    """(low, high) of the body the window must hold whole, widening if it has to; NaN where the
    estimate is not trusted to that degree (``confidence``: the sample's own unless given)."""
    if est.extent is None or (est.confidence if confidence is None else confidence) < WIDEN_CONFIDENCE:
        return float("nan"), float("nan")
    lo, hi = est.span(axis)
    core = 2 * (est.half_h if axis == "y" else est.half_w)
    if hi - lo > BODY_TO_CORE * core:
        return float("nan"), float("nan")
    return lo, hi


def widened_sizes(centre: np.ndarray, body: np.ndarray, trusted: np.ndarray, shots: np.ndarray,
                  window: float) -> np.ndarray:
    """The window's size along the axis per sample (fractions of the frame), never below ``window``.

    ``centre`` is the smoothed window centre, ``body`` (n, 2) the body's low and high per sample
    (NaN where unknown), ``trusted`` where the subject estimate counts; sizes hold the padded
    body around the given centre, so the body is whole without moving the path.
    """
    n = centre.size
    sizes = np.full(n, float(window))
    if n == 0:
        return sizes
    lo, hi = body[:, 0], body[:, 1]
    known = trusted & np.isfinite(lo) & np.isfinite(hi)
    pad = WIDEN_PAD * np.where(known, hi - lo, 0.0)
    with np.errstate(invalid="ignore"):
        need = np.where(known, 2 * np.maximum(hi + pad - centre, centre - lo + pad), window)
    need = np.clip(np.nan_to_num(need, nan=window), window, 1.0)
    need = np.where(known & (hi - lo <= FITS_SHARE * window), window, need)
    need = np.where((need >= MIN_WIDEN * window) & (need <= MAX_WIDEN * window), need, window)
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        if not (need[idx] > window).any():
            continue
        # past the shot's ends nothing is wide: a flicker on its last sample is not 3 samples in a row
        steady = median_filter(need[idx], size=min(MEDIAN_SAMPLES, idx.size), mode="constant", cval=window)
        if not (steady > window).any():
            continue
        held = maximum_filter1d(steady, size=2 * LEAD_SAMPLES + 1, mode="nearest")
        eased = gaussian_filter1d(held, EASE_SAMPLES, mode="nearest", truncate=2.0)   # ends: exact crop
        sizes[idx] = np.clip(np.maximum(eased, steady), window, 1.0)
    return sizes
