"""A colour transform fitted on registered pixel correspondences (same scene confirmed).

When a clip and its reference show the same scene, the homography found by
:mod:`broll.grading.scene` pairs clip pixels with reference pixels. A distribution match
(MKL) only sees the two colour clouds, and the clouds differ by content as well as by cast
(the camera and subjects moved between the two moments); the pairs see the cast alone. So
the full match fits, on the pairs, a smooth low-order polynomial in encoded RGB by robust
least squares, with the distribution match as the prior where pairs are thin:

- pairs come from every confirmed frame pair: the homography registers the camera move and
  a dense optical flow on cast-invariant rank luma follows what moved inside the frame;
  only pixels whose flow is consistent both ways are paired (:mod:`broll.grading.flow`),
  so a subject that moved is paired with itself, and an occlusion with nothing;
- the prior adds pseudo-pairs ``(x, prior(x))`` on the shot's own pixels, weighted by how
  few real pairs share their colour cell, so colours the overlap never shows follow MKL;
- iteratively reweighted least squares (Tukey's biweight on the residual) drops what the
  masks missed (specular glints, flicker, small motion);
- the fit is of the change (``ref - src``), so a tiny ridge pulls towards no change.

The result is one pure function of the pixel colour per shot (baked into the shot's LUT as
every other transform), so it adds no flicker. Nothing here decodes or shells out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from broll.grading.color import to_float
from broll.grading.transforms import Transform

DEGREE = 2
ERODE = 6
MIN_OVERLAP = 0.2        # share of the reference frame the warped clip frame must cover
MAX_PAIRS = 30_000
PRIOR_SHARE = 0.15       # total weight of the prior's pseudo-pairs relative to the real pairs
CELLS = 8                # colour cells per channel for "how thin are the pairs here"
RIDGE = 1e-6             # towards the identity map, for numerical stability only
IRLS_STEPS = 6
MIN_PAIRS = 2_000


# The products below avoid BLAS: they are small enough that OpenBLAS's threads only cost time,
# and on a busy machine (threads waiting for a core) they cost 10-50x the CPU of the product
# itself (measured: the cubic fit 2.8 s of CPU with threads, 0.06 s without, at load ~20 on 2
# cores). Monomials are kept as rows (terms, N), so every product is a pass over contiguous memory.

def _exponents(degree: int) -> np.ndarray:
    return np.array([(i, j, k) for i in range(degree + 1) for j in range(degree + 1) for k in range(degree + 1)
                     if i + j + k <= degree], dtype=np.int64)


def monomial_rows(rgb: np.ndarray, degree: int = DEGREE) -> np.ndarray:
    """Monomials of r, g, b up to ``degree`` as rows, (terms, N) in :func:`_exponents` order: each
    row is one earlier row times one channel (one multiply per term and pixel)."""
    x = np.ascontiguousarray(np.asarray(rgb, dtype=np.float64).T)
    exps = [tuple(e) for e in _exponents(degree)]
    out = np.empty((len(exps), x.shape[1]))
    row = {}
    for t, e in enumerate(exps):
        if sum(e) == 0:
            out[t] = 1.0
        else:
            c = next(i for i in range(3) if e[i])
            np.multiply(out[row[e[:c] + (e[c] - 1,) + e[c + 1:]]], x[c], out=out[t])
        row[e] = t
    return out


def expand(rgb: np.ndarray, degree: int = DEGREE) -> np.ndarray:
    """Monomials of r, g, b up to ``degree`` (the constant term included): (N, terms)."""
    return monomial_rows(rgb, degree).T


def _combine(rows: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """``rows.T @ coefficients`` as (3, N). NumPy's own einsum loop (no ``optimize``, so no
    BLAS, see above) sums the terms in the same order as a row-by-row accumulation, bit for
    bit, in half its CPU (one pass instead of a temporary per term)."""
    return np.einsum("tn,tc->cn", rows, coefficients)


@dataclass(frozen=True, eq=False)
class PolynomialMap(Transform):
    """``expand(rgb) @ coefficients`` in encoded RGB: a smooth colour map fitted on pixel pairs."""

    coefficients: np.ndarray     # (terms, 3)
    degree: int = DEGREE
    name: str = "registered"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        rows = monomial_rows(np.clip(np.asarray(rgb, dtype=np.float64), 0, 1), self.degree)
        return _combine(rows, self.coefficients).T


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
    # what is computed from the reference frame alone, shared by the pairs of one reference image
    ref_side: dict = field(default_factory=dict, repr=False)


def warp_pairs(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray],
               pairs: Sequence[tuple[int, int, np.ndarray]]) -> list[Warped]:
    """Warp each (clip frame, reference image, H) of ``pairs`` once."""
    import cv2
    out = []
    refs: dict = {}                        # reference index -> (float32 frame, its ref_side)
    for ci, ri, h in pairs:
        if ri not in refs:
            refs[ri] = (to_float(ref_images[ri]).astype(np.float32), {})
        ref, ref_side = refs[ri]
        rh, rw = ref.shape[:2]
        clip = to_float(clip_images[ci]).astype(np.float32)
        warped = cv2.warpPerspective(clip, h, (rw, rh), flags=cv2.INTER_LINEAR)
        inside = cv2.warpPerspective(np.ones(clip.shape[:2], np.uint8), h, (rw, rh), flags=cv2.INTER_NEAREST)
        inside = cv2.erode(inside, np.ones((2 * ERODE + 1, 2 * ERODE + 1), np.uint8)).astype(bool)
        out.append(Warped(h, ref, warped, inside, ref_side))
    return out


def correspondences(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray],
                    pairs: Sequence[tuple[int, int, np.ndarray]], *, limit: int = MAX_PAIRS,
                    warps: Sequence[Warped] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(clip, reference) float RGB rows paired through each confirmed homography refined by a
    dense, forward-backward consistent optical flow (:mod:`broll.grading.flow`), the reference
    tile each pair sits in, and what was measured. ``warps``: the pairs already warped
    (:func:`warp_pairs`), so a frame pair is warped once."""
    from broll.grading.flow import flow_pairs
    from broll.grading.pixels import pool_pairs
    S, R, T = [], [], []
    for w in (warps if warps is not None else warp_pairs(clip_images, ref_images, pairs)):
        rh, rw = w.ref.shape[:2]
        if not plausible(w.h, (rh, rw)) or w.inside.sum() < MIN_OVERLAP * rh * rw:
            continue
        s, r, t = flow_pairs(w.ref, w.clip, w.inside, ref_side=w.ref_side)
        if len(s):
            S.append(s)
            R.append(r)
            T.append(t)
    info = {"frame pairs": len(S)}
    if not S:
        return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0, np.int64), info
    s, r, t = pool_pairs(S, R, limit, T)
    return s, r, t, info


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
    # The normal equations' matrix sum(w phi_i phi_j) holds only weighted moments of degree
    # <= 2 * degree (84 of them for the cubic, against 400 products per pixel), so each IRLS
    # step sums the moments once and indexes them into the 20 x 20 matrix.
    exps, moments_exps = _exponents(degree), [tuple(e) for e in _exponents(2 * degree)]
    at = {e: t for t, e in enumerate(moments_exps)}
    moments_rows = monomial_rows(x, 2 * degree)
    phi = moments_rows[[at[tuple(e)] for e in exps]]
    gram_index = np.array([[at[tuple(a + b)] for b in exps] for a in exps])
    change_t = np.ascontiguousarray((y - x).T)            # (3, N): the fit is of the change
    y_t = np.ascontiguousarray(y.T)
    linear = np.array([sum(e) == 1 for e in exps])
    identity = np.zeros((len(exps), 3))
    identity[linear] = _identity_rows(degree)
    w = base.copy()
    coef = identity
    for _ in range(IRLS_STEPS):
        gram = np.einsum("kn,n->k", moments_rows, w)[gram_index] + RIDGE * n * np.eye(len(exps))
        coef = identity + np.linalg.solve(gram, np.einsum("tn,cn->tc", phi, change_t * w))
        diff = _combine(phi, coef) - y_t
        res = np.sqrt(diff[0] * diff[0] + diff[1] * diff[1] + diff[2] * diff[2])
        scale = 1.4826 * np.median(res[:n]) + 1e-4
        u = res / (4.685 * scale)
        w = base * np.where(u < 1, (1 - u * u) ** 2, 0.0)
    inliers = float(np.mean(w[:n] > 0))
    return PolynomialMap(coefficients=coef, degree=degree), {
        "pairs": n, "inlier share": round(inliers, 2), "prior weight": round(float(w_prior.sum() / n), 3)}
