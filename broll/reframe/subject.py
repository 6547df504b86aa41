"""Where is the subject in one frame? Pure numpy/OpenCV on small analysis frames.

OpenCV 5 wheels ship neither Haar cascades nor the contrib saliency module, and no
face-detection model ships in a package we depend on, so the estimate fuses two
model-free cues:

* spectral-residual saliency (Hou & Zhang, CVPR 2007): what stands out from the
  frame's own statistics, e.g. a bright object on a textured background;
* motion energy between consecutive analysis frames, used only when it is local
  (a moving subject), not global (a camera pan lights up everything).

``ESTIMATORS`` is a methods table keyed by readable names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

SALIENCY_WIDTH = 64          # spectral residual works on a tiny image (the paper uses 64 px)
MOTION_NOISE_FLOOR = 0.06    # ~15 grey levels of frame-to-frame change is noise, not motion


@dataclass(frozen=True)
class SubjectEstimate:
    """A subject estimate in normalised frame coordinates (0..1)."""

    cx: float
    cy: float
    half_w: float            # half extent of the salient region, normalised
    half_h: float
    confidence: float        # 0 = nothing stands out, 1 = one clear subject


def _to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.astype(np.float32) / 255.0


def spectral_residual(gray: np.ndarray) -> np.ndarray:
    """Saliency map (same size as ``gray``, 0..1) by the spectral-residual method."""
    h, w = gray.shape
    sw = SALIENCY_WIDTH
    sh = max(8, int(round(h * sw / w)))
    small = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amp = np.log(np.abs(spectrum) + 1e-6)
    phase = np.angle(spectrum)
    residual = log_amp - cv2.blur(log_amp, (3, 3), borderType=cv2.BORDER_REPLICATE)
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), sigmaX=2.5)
    sal = cv2.resize(sal, (w, h), interpolation=cv2.INTER_LINEAR)
    peak = float(sal.max())
    return sal / peak if peak > 0 else sal


def motion_energy(prev_gray: np.ndarray | None, gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Blurred absolute difference (0..1) and how local it is (0 = none or global, 1 = one spot)."""
    if prev_gray is None or prev_gray.shape != gray.shape:
        return np.zeros_like(gray), 0.0
    # compression noise and grain flicker by a few grey levels; real motion changes more
    raw = np.clip(np.abs(gray - prev_gray) - MOTION_NOISE_FLOOR, 0.0, None)
    diff = cv2.GaussianBlur(raw, (0, 0), sigmaX=max(1.0, gray.shape[1] / 80))
    total = float(diff.sum())
    if total < 1e-4 * diff.size:
        return np.zeros_like(gray), 0.0
    flat = np.sort(diff.ravel())[::-1]
    top = flat[: max(1, flat.size // 10)].sum() / total   # share of energy in the busiest 10%
    locality = float(np.clip((top - 0.25) / 0.5, 0.0, 1.0))
    peak = float(flat[0])
    return diff / peak if peak > 0 else diff, locality


def _region(weight: np.ndarray) -> SubjectEstimate:
    """Centroid and extent of the strongest region of a 0..1 weight map."""
    h, w = weight.shape
    floor = np.percentile(weight, 90)
    mass = np.clip(weight - floor, 0, None)
    # keep the single strongest blob so two salient corners do not average to empty middle
    peak_y, peak_x = np.unravel_index(int(np.argmax(weight)), weight.shape)
    mask = (mass > 0).astype(np.uint8)
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    if n > 2 and mask[peak_y, peak_x]:
        mass = np.where(labels == labels[peak_y, peak_x], mass, 0)
    total = float(mass.sum())
    if total <= 0:
        return SubjectEstimate(0.5, 0.5, 0.0, 0.0, 0.0)
    ys, xs = np.mgrid[0:h, 0:w]
    cx = float((mass * xs).sum() / total)
    cy = float((mass * ys).sum() / total)
    sx = float(np.sqrt((mass * (xs - cx) ** 2).sum() / total))
    sy = float(np.sqrt((mass * (ys - cy) ** 2).sum() / total))
    median = float(np.median(weight))
    p99 = float(np.percentile(weight, 99.5))
    confidence = float(np.clip((p99 - median) / (p99 + 1e-6), 0.0, 1.0))
    return SubjectEstimate((cx + 0.5) / w, (cy + 0.5) / h, (2 * sx + 1) / w, (2 * sy + 1) / h, confidence)


def estimate_saliency(image: np.ndarray, prev: np.ndarray | None = None) -> SubjectEstimate:
    return _region(spectral_residual(_to_gray(image)))


def estimate_motion(image: np.ndarray, prev: np.ndarray | None = None) -> SubjectEstimate:
    gray = _to_gray(image)
    mot, locality = motion_energy(None if prev is None else _to_gray(prev), gray)
    est = _region(mot)
    return SubjectEstimate(est.cx, est.cy, est.half_w, est.half_h, est.confidence * locality)


def estimate_fused(image: np.ndarray, prev: np.ndarray | None = None) -> SubjectEstimate:
    """Saliency, plus motion where the motion is local; the default."""
    gray = _to_gray(image)
    sal = spectral_residual(gray)
    mot, locality = motion_energy(None if prev is None else _to_gray(prev), gray)
    return _region(sal + 1.5 * locality * mot)


ESTIMATORS: dict[str, Callable[[np.ndarray, np.ndarray | None], SubjectEstimate]] = {
    "fused": estimate_fused,
    "saliency": estimate_saliency,
    "motion": estimate_motion,
}


def frame_change(prev: np.ndarray | None, image: np.ndarray) -> float:
    """Mean absolute difference of coarse luma histograms+layout (0..1): high at a hard cut."""
    if prev is None:
        return 0.0
    a = cv2.resize(_to_gray(prev), (16, 9), interpolation=cv2.INTER_AREA)
    b = cv2.resize(_to_gray(image), (16, 9), interpolation=cv2.INTER_AREA)
    return float(np.abs(a - b).mean())
