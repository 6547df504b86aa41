"""How close a clip is to the reference, how much a grade changed it, how consistent a set is.

Without correspondences between clip and reference there is no per-pixel ground truth, so
distances compare *palettes*: the mean L*a*b* colour of each tonal band (darkest eighth,
next eighth, ...) of the clip against the same band of the reference, by CIEDE2000.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from broll.grading.color import delta_e00, rgb_to_lab

BANDS = 8
PROBES = 1000


def tonal_palette(lab: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """Mean L*a*b* of each of ``bands`` equal-count tonal bands (sorted by L*)."""
    order = np.argsort(lab[:, 0], kind="stable")
    return np.array([chunk.mean(axis=0) for chunk in np.array_split(lab[order], bands)])


def palette_distance(lab_a: np.ndarray, lab_b: np.ndarray) -> float:
    """Mean CIEDE2000 between the tonal palettes of two pixel sets."""
    return distance_to_palette(lab_a, tonal_palette(lab_b))


def distance_to_palette(lab: np.ndarray, palette: np.ndarray) -> float:
    """:func:`palette_distance` against a tonal palette already computed (a fit judges many
    candidates against one reference)."""
    return float(np.mean(delta_e00(tonal_palette(lab), palette)))


def distance_to_truth(rgb: np.ndarray, truth_rgb: np.ndarray) -> tuple[float, float]:
    """Mean and 95th-percentile CIEDE2000 between aligned images (when ground truth exists)."""
    d = delta_e00(rgb_to_lab(np.clip(rgb, 0, 1)), rgb_to_lab(np.clip(truth_rgb, 0, 1)))
    return float(np.mean(d)), float(np.percentile(d, 95))


def chroma_overlap(lab_a: np.ndarray, lab_b: np.ndarray, bins: int = 16, extent: float = 60.0) -> float:
    """Histogram intersection of the a*b* distributions, 0 (disjoint) .. 1 (identical)."""
    rng = [[-extent, extent], [-extent, extent]]
    ha, _, _ = np.histogram2d(np.clip(lab_a[:, 1], -extent, extent), np.clip(lab_a[:, 2], -extent, extent), bins=bins, range=rng)
    hb, _, _ = np.histogram2d(np.clip(lab_b[:, 1], -extent, extent), np.clip(lab_b[:, 2], -extent, extent), bins=bins, range=rng)
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def mean_change(lab_before: np.ndarray, lab_after: np.ndarray) -> float:
    """Mean per-pixel CIEDE2000 between a clip and its graded self: how much the grade moved it."""
    return float(np.mean(delta_e00(lab_before, lab_after)))


def set_spread(means_lab: Sequence[np.ndarray]) -> float:
    """Spread of a set of clips: mean CIEDE2000 between every pair of clip mean colours."""
    means = np.asarray(means_lab, dtype=np.float64)
    if len(means) < 2:
        return 0.0
    i, j = np.triu_indices(len(means), k=1)
    return float(np.mean(delta_e00(means[i], means[j])))


def probe_colours(count: int = PROBES, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, (count, 3))


def jitter(transforms: Sequence[Callable[[np.ndarray], np.ndarray]], probes: np.ndarray | None = None) -> float:
    """Mean CIEDE2000 per step between consecutive per-frame transforms on fixed probe colours.

    0 for one constant transform (a LUT per shot); per-frame matching measures ~0.7.
    """
    if len(transforms) < 2:
        return 0.0
    probes = probe_colours() if probes is None else probes
    labs = [rgb_to_lab(np.clip(t(probes), 0, 1)) for t in transforms]
    return float(np.mean([np.mean(delta_e00(a, b)) for a, b in zip(labs, labs[1:])]))
