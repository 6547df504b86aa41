"""Does a clip show the same scene as its reference? Judged on structure, not on colour.

A colour cast moves a*b* histograms apart, and so does motion between the reference moment
and the clip: a histogram gate rejects exactly the same-shot matches that need a full grade
most. What a cast does not change is *structure*: where the corners and edges are. ORB
features are binary comparisons of intensities, so any monotone change of brightness (gain,
gamma, white balance acting on luma) leaves them unchanged; the grey image is also
rank-equalised first. A reference and a clip frame showing the same scene share many
features that agree on one homography (RANSAC), even after the camera and subjects moved;
different scenes share almost none.

Where fast motion or low texture leaves too few consistent features, a dense alignment of
luma (:mod:`broll.grading.dense`) decides instead, and its warps stand in for the homographies.

When the match is confirmed, the homography also tells which part of the clip frame the
reference shows, so the fit can compare like with like (the same content) instead of the
whole shot with one moment of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from broll.grading.color import luma
from broll.grading.pixels import once

FEATURES = 600
RATIO = 0.78              # Lowe's ratio test
RANSAC_PX = 6.0           # reprojection tolerance at fit width (384 px)
MIN_INLIERS = 30          # confirmed same scene at or above this many geometric inliers
MIN_INLIER_SHARE = 0.25   # ... and this share of the ratio-test matches
MAX_PAIRS = 12            # frame pairs tried (clip frames x reference images)


@dataclass
class SceneMatch:
    """The best frame pair found between a clip's shot and its reference(s)."""

    same: bool
    inliers: int = 0
    share: float = 0.0
    clip_index: int = -1            # which clip frame ...
    ref_index: int = -1             # ... matched which reference image
    homography: np.ndarray | None = None   # maps clip-frame pixels to reference pixels
    per_ref: list[int] = field(default_factory=list)   # best inlier count per reference image
    pairs: list[tuple[int, int, np.ndarray]] = field(default_factory=list)  # every confirmed (clip, ref, H), most inliers first
    dense: float | None = None      # ECC luma correlation after alignment, when features were too few

    def describe(self) -> str:
        text = f"{self.inliers} matched features ({100 * self.share:.0f}% consistent; same scene at >= {MIN_INLIERS})"
        if self.dense is not None:
            from broll.grading.dense import DENSE_SAME
            text += (f"; dense alignment: luma correlation {self.dense:.2f} after alignment "
                     f"(same scene at >= {DENSE_SAME:g})" if self.dense >= 0 else
                     "; dense alignment: no plausible alignment")
        return text


def _grey(image: np.ndarray) -> np.ndarray:
    """Rank-equalised 8-bit luma: invariant to any monotone tone change."""
    import cv2
    y = (luma(image) * 255).astype(np.uint8)
    return cv2.equalizeHist(y)


def _features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """ORB keypoint positions (N, 2) and descriptors (None when there are none)."""
    import cv2
    orb = cv2.ORB_create(nfeatures=FEATURES, fastThreshold=10)
    keypoints, descriptors = orb.detectAndCompute(_grey(image), None)
    points = cv2.KeyPoint_convert(keypoints) if keypoints else np.zeros((0, 2), np.float32)
    return points, descriptors


def _match(fa, fb) -> tuple[int, float, np.ndarray | None]:
    import cv2
    (pa, da), (pb, db) = fa, fb
    if da is None or db is None or len(pa) < 8 or len(pb) < 8:
        return 0, 0.0, None
    # the two nearest reference descriptors of each clip descriptor: what BFMatcher.knnMatch
    # computes (it calls batchDistance), as arrays instead of a DMatch object per match
    dist, nearest = cv2.batchDistance(da, db, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2)
    d = dist.astype(np.float64)
    good = np.flatnonzero(d[:, 0] < RATIO * d[:, 1])
    if len(good) < 8:
        return 0, 0.0, None
    h, mask = cv2.findHomography(pa[good], pb[nearest[good, 0]], cv2.RANSAC, RANSAC_PX)
    if h is None or mask is None:
        return 0, 0.0, None
    inliers = int(mask.sum())
    return inliers, inliers / len(good), h


def same_scene(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray],
               ref_features: dict | None = None) -> SceneMatch:
    """Find the clip frame and reference image that share the most consistent structure.

    ``ref_features``: where the reference images' features are kept by index (a reference
    serves every clip of a build, so they are found once)."""
    if not clip_images or not ref_images:
        return SceneMatch(False)
    n_ref = min(len(ref_images), 4)
    refs = [ref_images[int(i)] for i in np.linspace(0, len(ref_images) - 1, n_ref).round()]
    n_clip = max(1, min(len(clip_images), MAX_PAIRS // n_ref))
    picks = [int(i) for i in np.unique(np.linspace(0, len(clip_images) - 1, n_clip).round())]
    ref_at = [int(i) for i in np.linspace(0, len(ref_images) - 1, n_ref).round()]
    ref_feats = [once(ref_features, i, lambda r=r: _features(r)) for i, r in zip(ref_at, refs)]
    best = SceneMatch(False, per_ref=[0] * n_ref)
    pairs: list[tuple[int, int, int, np.ndarray]] = []
    for ci in picks:
        fc = _features(clip_images[ci])
        for ri, fr in enumerate(ref_feats):
            inliers, share, h = _match(fc, fr)
            best.per_ref[ri] = max(best.per_ref[ri], inliers)
            if inliers >= MIN_INLIERS and share >= MIN_INLIER_SHARE:
                pairs.append((inliers, ci, ref_at[ri], h))
            if inliers > best.inliers:
                best = SceneMatch(False, inliers, share, ci, ri, h, best.per_ref)
    best.same = best.inliers >= MIN_INLIERS and best.share >= MIN_INLIER_SHARE
    if best.ref_index >= 0:
        best.ref_index = ref_at[best.ref_index]     # an index into the caller's list
    best.pairs = [(ci, ri, h) for _, ci, ri, h in sorted(pairs, key=lambda p: -p[0])]   # best first
    if not best.same:
        _dense_fallback(best, clip_images, ref_images, ref_at)
    return best


def _dense_fallback(best: SceneMatch, clip_images, ref_images, ref_at: list[int]) -> None:
    """Too few consistent features (fast motion, low texture): judge on a dense luma alignment
    instead (:mod:`broll.grading.dense`); its warps stand in for the feature homographies."""
    from broll.grading.dense import dense_pairs
    nearest = [ref_at[int(np.argmax(best.per_ref))]] if best.per_ref and max(best.per_ref) > 0 else ref_at[-1:]
    score, found = dense_pairs(clip_images, ref_images, nearest)
    best.dense = score
    if found:
        best.same = True
        _, ci, ri, h = found[0]
        best.clip_index, best.ref_index, best.homography = ci, ri, h
        best.pairs = [(c, r, hh) for _, c, r, hh in found]


def _gradient(im: np.ndarray) -> np.ndarray:
    """Gradient magnitude of the channel mean."""
    import cv2
    # im.mean(axis=2) bit for bit, without NumPy's slow reduction over a 3-long axis
    g = (im[..., 0] + im[..., 1] + im[..., 2]) / 3
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def registered_pixels(clip_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray], match: SceneMatch,
                      *, blur: float = 2.0, flat_share: float = 0.5, limit: int = 8_000,
                      warps=None) -> tuple[np.ndarray, np.ndarray]:
    """(clip, reference) float RGB rows of the region both frames show, registered pixel to pixel.

    Each confirmed clip frame is warped onto its reference by the homography; both are
    blurred a little and only the flattest half of the overlap is kept, so residual
    misregistration (parallax, moving subjects) barely matters. Used to *check* a match
    and choose between candidate fits, and as the shared region's two distributions.
    ``warps``: ``match.pairs`` already warped (:func:`broll.grading.correspond.warp_pairs`).
    """
    import cv2
    from broll.grading.correspond import warp_pairs
    from broll.grading.pixels import pool_pairs
    S, R = [], []
    for w in (warps if warps is not None else warp_pairs(clip_images, ref_images, match.pairs)):
        mask = w.inside
        if mask.sum() < 100:
            continue
        wb = cv2.GaussianBlur(w.clip, (0, 0), blur)
        # the reference side once per reference image (frame pairs often share one)
        rb = once(w.ref_side, ("blurred", blur), lambda: cv2.GaussianBlur(w.ref, (0, 0), blur))
        edges = _gradient(wb) + once(w.ref_side, ("mean gradient", blur), lambda: _gradient(rb))
        at = np.flatnonzero(mask & (edges <= np.quantile(edges[mask], flat_share)))
        S.append(wb.reshape(-1, 3)[at])
        R.append(rb.reshape(-1, 3)[at])
    if not S:
        return np.zeros((0, 3)), np.zeros((0, 3))
    s, r = pool_pairs(S, R, limit)
    return s, r
