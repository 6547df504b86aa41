"""Same content under a cast, when structure alone is not sure: do the colour distributions agree?

Features (:mod:`broll.grading.scene`) and a dense luma alignment (:mod:`broll.grading.dense`)
confirm most same shots. A few they cannot: a blurred pan, a low-contrast room, an extreme
close-up, where the best alignment reaches a correlation of 0.4-0.7 (same scene is >= 0.88).
There, the colours give a second witness. A generator's cast is a smooth colour map, so
after the Monge-Kantorovitch map plus per-channel curves (the same fit the full match uses)
the clip's colour distribution lands *on* the reference's when both show the same things,
and only its first two moments land when they show different things. The test compares the
two 3-D L*a*b* histograms (8 bins a side) after that map: half their L1 distance.

Measured on the real footage folder (``benchmarks/grade.py --real-only a`` and ``c`` pairs,
see docs/grading.md): different-content pairs that got any plausible dense alignment reach
>= 0.19 on the tuning half (0.18 on the held-out half); same shots 0.04-0.38 (median 0.12).
A shot is taken as the same content only when a plausible dense alignment exists *and* the
distance is at most ``CAST_SAME`` (0.8x the tuning half's lowest different-content value):
a conservative second witness, not a replacement for structure. Cheap: one MKL fit and two
histograms of a 20 000-pixel sample.
"""

from __future__ import annotations

import numpy as np

from broll.grading.color import rgb_to_lab

BINS = 8
LAB_RANGE = ((0.0, 100.0), (-60.0, 60.0), (-60.0, 60.0))
SAMPLE = 20_000
CAST_SAME = 0.15          # histogram distance after the map: same content at or below this ...
MIN_DENSE = 0.0           # ... when the dense alignment found a plausible warp with a positive correlation


def _hist(lab: np.ndarray) -> np.ndarray:
    h, _ = np.histogramdd(lab, bins=BINS, range=LAB_RANGE)
    return h / max(h.sum(), 1.0)


def mapped_histogram_distance(src_rgb: np.ndarray, ref_rgb: np.ndarray) -> float:
    """Half the L1 distance between the reference's 3-D L*a*b* histogram and the clip's after
    the cast-like map (MKL plus curves): 0 identical, 1 disjoint."""
    from broll.grading.fit import fit_mkl
    s = src_rgb[:: max(1, len(src_rgb) // SAMPLE)]
    r = ref_rgb[:: max(1, len(ref_rgb) // SAMPLE)]
    mapped = np.clip(fit_mkl(s, r)(s), 0, 1)
    return float(np.abs(_hist(rgb_to_lab(mapped)) - _hist(rgb_to_lab(r))).sum() / 2)


def cast_of_same_content(src_rgb: np.ndarray, ref_rgb: np.ndarray, dense: float | None) -> tuple[bool, float]:
    """(same content?, histogram distance) for a shot that structure did not confirm.

    ``dense`` is the scene check's best dense-alignment correlation (None or negative: no
    plausible alignment, so the colours alone never decide).
    """
    if dense is None or dense <= MIN_DENSE:
        return False, float("nan")
    distance = mapped_histogram_distance(src_rgb, ref_rgb)
    return distance <= CAST_SAME, distance
