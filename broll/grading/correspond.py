"""A colour transform fitted on registered pixel correspondences (same scene confirmed).

When a clip and its reference show the same scene, the homography found by
:mod:`broll.grading.scene` pairs clip pixels with reference pixels. A distribution match
(MKL) only sees the two colour clouds, and the clouds differ by content as well as by cast
(the camera and subjects moved between the two moments); the pairs see the cast alone. So
the full match fits, on the pairs, a smooth low-order polynomial in encoded RGB by robust
least squares, with the distribution match as the prior where pairs are thin:

- pairs come from every confirmed frame pair, lightly blurred, from the overlap minus its
  strongest edges (misregistration is largest there), and only where the warped clip and the
  reference agree in local structure (normalised cross-correlation of luma, which a colour
  cast leaves unchanged): a subject that moved is not paired with the background it left;
- the prior adds pseudo-pairs ``(x, prior(x))`` on the shot's own pixels, weighted by how
  few real pairs share their colour cell, so colours the overlap never shows follow MKL;
- iteratively reweighted least squares (Tukey's biweight on the residual) drops what the
  masks missed (specular glints, flicker, small motion);
- the fit is of the change (``ref - src``), so a tiny ridge pulls towards no change.

The result is one pure function of the pixel colour per shot (baked into the shot's LUT as
every other transform), so it adds no flicker. Nothing here decodes or shells out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from broll.grading.color import to_float
from broll.grading.transforms import Transform

DEGREE = 2
BLUR = 1.2               # px at fit width: the pairs compare lightly smoothed colours
EDGE_SHARE = 0.75        # keep the flattest 75% of the overlap
NCC_WINDOW = 9           # px; local structure agreement window
MIN_NCC = 0.6            # paired only where local luma structure agrees this well (or is flat)
FLAT_STD = 0.015         # a window this flat in both frames has no structure to disagree on
ERODE = 6
MIN_OVERLAP = 0.2        # share of the reference frame the warped clip frame must cover
MIN_AGREEMENT = 0.7      # luma correlation over the overlap: below this the registration is wrong
AGREEMENT_SLACK = 0.08   # frame pairs this far below the best one are left out
MAX_PAIRS = 30_000
PRIOR_SHARE = 0.15       # total weight of the prior's pseudo-pairs relative to the real pairs
CELLS = 8                # colour cells per channel for "how thin are the pairs here"
RIDGE = 1e-6             # towards the identity map, for numerical stability only
IRLS_STEPS = 6
MIN_PAIRS = 2_000


def _exponents(degree: int) -> np.ndarray:
    return np.array([(i, j, k) for i in range(degree + 1) for j in range(degree + 1) for k in range(degree + 1)
                     if i + j + k <= degree], dtype=np.int64)


def expand(rgb: np.ndarray, degree: int = DEGREE) -> np.ndarray:
    """Monomials of r, g, b up to ``degree`` (the constant term included): (N, terms)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    exps = _exponents(degree)
    out = np.ones((len(rgb), len(exps)))
    for t, (i, j, k) in enumerate(exps):
        if i:
            out[:, t] *= rgb[:, 0] ** i
        if j:
            out[:, t] *= rgb[:, 1] ** j
        if k:
            out[:, t] *= rgb[:, 2] ** k
    return out


@dataclass(frozen=True, eq=False)
class PolynomialMap(Transform):
    """``expand(rgb) @ coefficients`` in encoded RGB: a smooth colour map fitted on pixel pairs."""

    coefficients: np.ndarray     # (terms, 3)
    degree: int = DEGREE
    name: str = "registered"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return expand(np.clip(np.asarray(rgb, dtype=np.float64), 0, 1), self.degree) @ self.coefficients


def _local_ncc(a: np.ndarray, b: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Windowed normalised cross-correlation of two grey images, and the smaller local std."""
    import cv2
    k = (window, window)
    ma, mb = cv2.blur(a, k), cv2.blur(b, k)
    va = np.maximum(cv2.blur(a * a, k) - ma * ma, 0)
    vb = np.maximum(cv2.blur(b * b, k) - mb * mb, 0)
    cov = cv2.blur(a * b, k) - ma * mb
    ncc = cov / np.sqrt(va * vb + 1e-10)
    return ncc, np.sqrt(np.minimum(va, vb))


def plausible(h: np.ndarray, shape: tuple[int, int]) -> bool:
    """A homography a few seconds of camera motion can produce: no flip, zoom within 2x, mild
    perspective. RANSAC on features of one small region (a face) can return wild ones."""
    a = h[:2, :2] / h[2, 2]
    sv = np.linalg.svd(a, compute_uv=False)
    rh, rw = shape
    persp = np.abs(h[2, :2] / h[2, 2]) * np.array([rw, rh])
    return bool(np.linalg.det(a) > 0 and sv.min() > 0.5 and sv.max() < 2.0 and persp.max() < 0.3)


@dataclass(frozen=True, eq=False)
class Warped:
    """One clip frame warped onto its reference image through a homography: made once per
    frame pair and shared by :func:`correspondences` and :func:`broll.grading.scene.registered_pixels`."""

    h: np.ndarray
    ref: np.ndarray          # float32 reference frame
    clip: np.ndarray         # float32 clip frame warped onto it
    inside: np.ndarray       # bool: warped pixels at least ``ERODE`` px inside the clip frame


def warp_pairs(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray],
               pairs: Sequence[tuple[int, int, np.ndarray]]) -> list[Warped]:
    """Warp each (clip frame, reference image, H) of ``pairs`` once."""
    import cv2
    out = []
    for ci, ri, h in pairs:
        ref = to_float(ref_images[ri]).astype(np.float32)
        rh, rw = ref.shape[:2]
        clip = to_float(clip_images[ci]).astype(np.float32)
        warped = cv2.warpPerspective(clip, h, (rw, rh), flags=cv2.INTER_LINEAR)
        inside = cv2.warpPerspective(np.ones(clip.shape[:2], np.uint8), h, (rw, rh), flags=cv2.INTER_NEAREST)
        inside = cv2.erode(inside, np.ones((2 * ERODE + 1, 2 * ERODE + 1), np.uint8)).astype(bool)
        out.append(Warped(h, ref, warped, inside))
    return out


def correspondences(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray],
                    pairs: Sequence[tuple[int, int, np.ndarray]], *, limit: int = MAX_PAIRS,
                    warps: Sequence[Warped] | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """(clip, reference) float RGB rows paired through each confirmed homography, masked where
    the overlap ends, edges are strong, or local structure disagrees (motion, occlusion); and
    what was measured. Frame pairs whose whole overlap agrees clearly worse than the best one's
    (luma correlation) are dropped: the reference is usually nearest one moment of the shot.
    ``warps``: the pairs already warped (:func:`warp_pairs`), so a frame pair is warped once."""
    import cv2
    from broll.grading.pixels import pool_pairs
    luma = np.array([0.2126, 0.7152, 0.0722], np.float32)
    found = []
    for w in (warps if warps is not None else warp_pairs(clip_images, ref_images, pairs)):
        rh, rw = w.ref.shape[:2]
        if not plausible(w.h, (rh, rw)):
            continue
        inside = w.inside
        if inside.sum() < MIN_OVERLAP * rh * rw:
            continue
        wb, rb = cv2.GaussianBlur(w.clip, (0, 0), BLUR), cv2.GaussianBlur(w.ref, (0, 0), BLUR)
        ga, gb = wb @ luma, rb @ luma
        agreement = float(np.corrcoef(ga[inside], gb[inside])[0, 1])
        found.append((agreement, wb, rb, ga, gb, inside))
    if not found:
        return np.zeros((0, 3)), np.zeros((0, 3)), {"frame pairs": 0}
    best = max(f[0] for f in found)
    S, R = [], []
    used = 0
    for agreement, wb, rb, ga, gb, inside in found:
        if agreement < max(MIN_AGREEMENT, best - AGREEMENT_SLACK):
            continue
        ncc, spread = _local_ncc(ga, gb, NCC_WINDOW)
        wide, _ = _local_ncc(ga, gb, 3 * NCC_WINDOW)
        agree = np.where(spread >= FLAT_STD, ncc >= MIN_NCC, wide >= MIN_NCC)
        gx = lambda g: np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))  # noqa: E731
        edges = gx(ga) / max(float(ga[inside].std()), 1e-3) + gx(gb) / max(float(gb[inside].std()), 1e-3)
        keep = inside & agree
        if keep.sum() < 200:
            continue
        keep &= edges <= np.quantile(edges[keep], EDGE_SHARE)
        S.append(wb[keep])
        R.append(rb[keep])
        used += 1
    info = {"frame pairs": used, "luma agreement": round(best, 3)}
    if not S:
        return np.zeros((0, 3)), np.zeros((0, 3)), info
    s, r = pool_pairs(S, R, limit)
    return s, r, info


def _identity_rows(degree: int) -> np.ndarray:
    """Coefficient rows of r, g and b (in that order) for the identity map."""
    exps = [tuple(e) for e in _exponents(degree) if sum(e) == 1]
    return np.array([[1.0 if e == target else 0.0 for target in ((1, 0, 0), (0, 1, 0), (0, 0, 1))] for e in exps])


def _cells(rgb: np.ndarray) -> np.ndarray:
    q = np.clip((rgb * CELLS).astype(int), 0, CELLS - 1)
    return (q[:, 0] * CELLS + q[:, 1]) * CELLS + q[:, 2]


def fit_registered(src: np.ndarray, ref: np.ndarray, prior: Callable[[np.ndarray], np.ndarray],
                   shot_pixels: np.ndarray, *, degree: int = DEGREE) -> tuple[PolynomialMap, dict]:
    """Robust polynomial fit of ``ref ~ poly(src)`` on pairs, with ``prior`` on the shot's pixels
    where pairs are thin. Returns the map and what was measured (pairs kept, prior weight)."""
    n = len(src)
    counts = np.bincount(_cells(src), minlength=CELLS ** 3)
    shot = shot_pixels[np.linspace(0, len(shot_pixels) - 1, min(len(shot_pixels), 6_000)).astype(int)]
    thin = 1.0 / (1.0 + counts[_cells(shot)])             # 1 where no pair shares the colour cell
    w_prior = thin * (PRIOR_SHARE * n / max(len(shot), 1)) * (len(shot) / max(thin.sum(), 1e-9)) \
        if thin.sum() > 0 else thin
    x = np.concatenate([src, shot])
    y = np.concatenate([ref, np.clip(prior(shot), 0, 1)])
    base = np.concatenate([np.ones(n), w_prior])
    phi = expand(x, degree)
    linear = np.array([sum(e) == 1 for e in _exponents(degree)])
    identity = np.zeros((phi.shape[1], 3))
    identity[linear] = _identity_rows(degree)
    w = base.copy()
    coef = identity
    for _ in range(IRLS_STEPS):
        a = phi * w[:, None]
        gram = phi.T @ a + RIDGE * n * np.eye(phi.shape[1])
        coef = identity + np.linalg.solve(gram, a.T @ (y - x))
        res = np.linalg.norm(phi @ coef - y, axis=1)
        scale = 1.4826 * np.median(res[:n]) + 1e-4
        u = res / (4.685 * scale)
        w = base * np.where(u < 1, (1 - u * u) ** 2, 0.0)
    inliers = float(np.mean(w[:n] > 0))
    return PolynomialMap(coefficients=coef, degree=degree), {
        "pairs": n, "inlier share": round(inliers, 2), "prior weight": round(float(w_prior.sum() / n), 3)}
