"""Per-frame evidence of where the subject is, each as a 0..1 map on the analysis frame.

* ``camera_motion``: the camera's own motion between two analysis frames, a 2x3 affine fitted
  with RANSAC to corners tracked by pyramidal Lucas-Kanade (forward-backward checked). Zooms,
  pans, rolls and push-ins move everything; the model explains the background.
* ``independent_motion``: what that model does not explain: the current frame against the
  previous one warped by the camera model, compared with a 3x3 min/max envelope so that a
  sub-pixel misfit on a busy texture is not mistaken for motion.
* ``distinctiveness``: how rare each pixel's colour and local contrast are in the frame's own
  joint histogram (a saturated object on a grey scene, a flat object on a busy one).
* ``detections``: faces (OpenCV's bundled Haar cascade, or dlib's built-in detector when the
  optional ``dlib`` is installed, ``dlib_faces``) and people (OpenCV's HOG people detector),
  when the installed OpenCV carries them.

Pure numpy/OpenCV on small frames; nothing here decodes or keeps state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

MAX_CORNERS = 200
FB_ERROR_PX = 1.0             # forward-backward disagreement beyond which a track is dropped
RANSAC_PX = 1.0               # reprojection error of a background inlier (analysis pixels)
MOTION_FLOOR = 10.0           # grey levels of residual that count as noise (compression, resampling)
MOTION_FULL = 40.0            # grey levels of residual that count as certain motion
CHROMA_FULL = 30.0            # a*b* distance from the frame's median chroma that counts as a different hue
RARITY_BITS = 6.0             # self-information above the frame median that counts as fully distinct


@dataclass(frozen=True)
class CameraMotion:
    matrix: np.ndarray        # 2x3 affine, previous frame -> current frame
    inliers: float            # share of tracked corners the model explains (0..1)
    tracked: int              # corners that survived the forward-backward check

    @property
    def reliable(self) -> bool:
        return self.tracked >= 12 and self.inliers >= 0.3


IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def camera_motion(prev: np.ndarray, cur: np.ndarray) -> CameraMotion:
    """Affine camera model between two grey uint8 frames (RANSAC over LK-tracked corners)."""
    pts = cv2.goodFeaturesToTrack(prev, maxCorners=MAX_CORNERS, qualityLevel=0.01,
                                  minDistance=max(4, prev.shape[1] // 60), blockSize=7)
    if pts is None or len(pts) < 8:
        return CameraMotion(IDENTITY.copy(), 0.0, 0)
    lk = dict(winSize=(15, 15), maxLevel=3,
              criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, **lk)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, nxt, None, **lk)
    ok = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm((back - pts).reshape(-1, 2), axis=1) < FB_ERROR_PX)
    p0, p1 = pts.reshape(-1, 2)[ok], nxt.reshape(-1, 2)[ok]
    if len(p0) < 8:
        return CameraMotion(IDENTITY.copy(), 0.0, int(len(p0)))
    m, inl = cv2.estimateAffine2D(p0, p1, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX,
                                  maxIters=500, confidence=0.99)
    if m is None:
        return CameraMotion(IDENTITY.copy(), 0.0, int(len(p0)))
    return CameraMotion(m, float(inl.mean()), int(len(p0)))


def independent_motion(prev: np.ndarray, cur: np.ndarray, motion: CameraMotion) -> np.ndarray:
    """0..1 map of change the camera model does not explain (0 where the warp has no data)."""
    h, w = cur.shape
    a = cv2.GaussianBlur(prev, (3, 3), 0)
    b = cv2.GaussianBlur(cur, (3, 3), 0)
    warped = cv2.warpAffine(a, motion.matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpAffine(np.full((h, w), 255, np.uint8), motion.matrix, (w, h), flags=cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    kernel = np.ones((3, 3), np.uint8)
    hi = cv2.dilate(warped, kernel).astype(np.int16)
    lo = cv2.erode(warped, kernel).astype(np.int16)
    bb = b.astype(np.int16)
    resid = np.maximum(np.maximum(bb - hi, lo - bb), 0).astype(np.float32)
    resid[cv2.erode(valid, np.ones((5, 5), np.uint8)) == 0] = 0
    resid = np.clip((resid - MOTION_FLOOR) / (MOTION_FULL - MOTION_FLOOR), 0, 1)
    # the residual lives on the mover's edges; spread it over the body
    return cv2.GaussianBlur(resid, (0, 0), sigmaX=max(1.5, w / 100))


# chroma bins are narrow around neutral grey, so a tinted grey scene does not read as colourful
_AB_BINS = np.digitize(np.arange(256), (96, 112, 122, 128, 134, 144, 160)).astype(np.int32)


def _median_u8(channel: np.ndarray) -> float:
    counts = np.bincount(channel.ravel(), minlength=256)
    return float(np.searchsorted(np.cumsum(counts), channel.size / 2))


def distinctiveness(bgr: np.ndarray) -> np.ndarray:
    """0..1 map of how rare each pixel's colour and local contrast are in this frame.

    A joint histogram over (lightness 4, a* 8, b* 8, local contrast 3) bins; a pixel's rarity is
    its bin's self-information above the frame's median, ``RARITY_BITS`` (a 64x rarer look) = 1.
    """
    small = cv2.GaussianBlur(bgr, (3, 3), 0)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)
    grey = lab[..., 0].astype(np.float32)
    mean = cv2.blur(grey, (7, 7))
    std = np.sqrt(np.maximum(cv2.blur(grey * grey, (7, 7)) - mean * mean, 0))
    contrast = (std >= 8.0).astype(np.int32) + (std >= 30.0)
    a = _AB_BINS[lab[..., 1]]
    b = _AB_BINS[lab[..., 2]]
    light = (lab[..., 0] >> 6).astype(np.int32)
    key = ((light * 8 + a) * 8 + b) * 3 + contrast
    counts = np.bincount(key.ravel(), minlength=4 * 8 * 8 * 3).astype(np.float64)
    bits = -np.log2(np.maximum(counts, 1) / key.size)
    # the frame's median self-information, read off the bins (no per-pixel sort)
    order = np.argsort(bits)
    median_bits = bits[order][np.searchsorted(np.cumsum(counts[order]), key.size / 2)]
    rare = np.clip((bits[key] - median_bits) / RARITY_BITS, 0, 1).astype(np.float32)
    # a rare hue outranks a rare tone: weight by the distance from the frame's typical chroma
    typical = [_median_u8(lab[..., 1]), _median_u8(lab[..., 2])]
    ab = lab[..., 1:].astype(np.float32)
    chroma = np.sqrt((ab[..., 0] - typical[0]) ** 2 + (ab[..., 1] - typical[1]) ** 2)
    rare *= 0.5 + 0.5 * np.clip(chroma / CHROMA_FULL, 0, 1)
    # edges between common tones are rare too, but thin: an opening keeps only bodies
    k = max(3, bgr.shape[1] // 64) | 1
    rare = cv2.morphologyEx(rare, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    # and a subject has a body: specks smaller than ~4% of the width fade out
    return cv2.GaussianBlur(rare, (0, 0), sigmaX=max(1.0, bgr.shape[1] / 60))


@lru_cache(maxsize=1)
def _face_cascade():
    data = getattr(cv2, "data", None)
    folder = getattr(data, "haarcascades", "") if data is not None else ""
    path = os.path.join(folder, "haarcascade_frontalface_default.xml") if folder else ""
    if not path or not os.path.exists(path):
        return None
    cascade = cv2.CascadeClassifier(path)
    return None if cascade.empty() else cascade


@lru_cache(maxsize=1)
def _people_hog():
    if not hasattr(cv2, "HOGDescriptor"):
        return None
    try:
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    except cv2.error:
        return None
    return hog


def detectors_available() -> tuple[str, ...]:
    """Names of the bundled detectors this install carries ("faces", "people")."""
    from broll.reframe import dlib_faces
    face = _face_cascade() or dlib_faces.detector()
    return tuple(n for n, d in (("faces", face), ("people", _people_hog())) if d is not None)


def detections(grey: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """Faces and people in a grey uint8 frame: (x0, y0, x1, y1, score 0..1) in its pixels."""
    out: list[tuple[float, float, float, float, float]] = []
    h, w = grey.shape
    cascade = _face_cascade()
    if cascade is not None:
        faces = cascade.detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5,
                                         minSize=(max(12, w // 30), max(12, w // 30)))
        for x, y, fw, fh in (faces if len(faces) else []):
            # a face stands for a head and shoulders: widen it a little
            out.append((x - 0.3 * fw, y - 0.2 * fh, x + 1.3 * fw, y + 1.6 * fh, 0.9))
    else:
        from broll.reframe import dlib_faces
        for x0, y0, x1, y1, s in dlib_faces.faces(grey):
            fw, fh = x1 - x0, y1 - y0
            out.append((x0 - 0.15 * fw, y0 - 0.2 * fh, x1 + 0.15 * fw, y1 + 0.6 * fh, s))
    hog = _people_hog()
    if hog is not None and h >= 128:
        rects, weights = hog.detectMultiScale(grey, winStride=(8, 8), padding=(8, 8), scale=1.1)
        for (x, y, rw, rh), wt in zip(rects if len(rects) else [], np.ravel(weights) if len(rects) else []):
            score = float(np.clip((float(wt) - 0.3) / 1.0, 0, 1))
            if score > 0:
                out.append((x + 0.15 * rw, y + 0.05 * rh, x + 0.85 * rw, y + 0.95 * rh, score))
    return out


def detection_map(shape: tuple[int, int], boxes) -> np.ndarray:
    """Detections painted as soft boxes of their score."""
    h, w = shape
    out = np.zeros((h, w), np.float32)
    for x0, y0, x1, y1, s in boxes:
        xa, ya, xb, yb = (int(np.clip(v, 0, lim)) for v, lim in ((x0, w), (y0, h), (x1, w), (y1, h)))
        if xb > xa and yb > ya:
            out[ya:yb, xa:xb] = np.maximum(out[ya:yb, xa:xb], s)
    return cv2.GaussianBlur(out, (0, 0), sigmaX=max(1.0, w / 120)) if boxes else out
