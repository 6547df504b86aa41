"""Follow one subject through a shot: evidence maps in, one box and a confidence per sample out.

Each sample fuses the cues of ``cues`` (independent motion, distinctiveness, detections)
with an appearance model of the subject being followed (a colour histogram, back-projected
like CamShift), gated around where the subject is predicted to be (its last position plus
its own velocity). A candidate elsewhere takes over only after it has been clearly stronger
for ``SWITCH_SECONDS``: the tracker follows a subject rather than re-detecting one per frame.
A face (a person detection) is the exception: found off a box no detection has confirmed, it
takes the tracker at once.

The tracker is a small state machine fed analysis frames in time order; ``reset`` at a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from broll.reframe import cues
from broll.reframe import extent as detail
from broll.reframe.subject import SubjectEstimate

MOTION_WEIGHT = 1.0
DISTINCT_WEIGHT = 0.8
APPEARANCE_WEIGHT = 0.6
DETECTION_WEIGHT = 1.0
SWITCH_SECONDS = 0.6          # a rival must be clearly stronger this long before the tracker jumps to it
SWITCH_RATIO = 1.6            # ... by this factor
LOST_SECONDS = 1.5            # with no evidence this long the track is dropped
DETECT_EVERY = 0.5            # seconds between detector runs (they are the costly cue) ...
DETECT_OPENING = 2.0          # ... but every sample of a shot's first seconds until one finds a person
CENTRE_EDGE = 0.3            # evidence weight at the frame's edges and corners (logos, watermarks) relative to its centre
BLOB_FLOOR = 0.5             # a blob is connected evidence above this share of its peak
EXTENT_FLOOR = 0.2           # the subject's whole body: connected evidence above this share of the peak ...
EXTENT_REACH = 1.5           # ... no further than this many core sizes beyond the core on each side
EXTENT_MASS = (0.04, 0.96)   # ... between these quantiles of its evidence along each axis
HIST_BINS = (12, 8)           # hue x saturation histogram of the subject's appearance


@dataclass
class Blob:
    cx: float
    cy: float
    half_w: float
    half_h: float
    strength: float           # mean evidence inside the blob
    area: float               # share of the frame
    extent: tuple[float, float, float, float] | None = None   # (x0, y0, x1, y1): the body around the core
    region: tuple[float, float, float, float] | None = None   # (x0, y0, x1, y1): detail around it (``extent``)


def _quantiles(mass: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """Positions (pixel edges) below which ``lo`` and ``hi`` of a 1-D mass lie."""
    cum = np.cumsum(mass)
    total = float(cum[-1])
    if total <= 0:
        return 0.0, float(mass.size)
    return float(np.searchsorted(cum, lo * total)), float(np.searchsorted(cum, hi * total) + 1)


def _extent(evidence: np.ndarray, y: int, x: int, core: tuple[int, int, int, int],
            peak: float) -> tuple[float, float, float, float]:
    """The subject's body around its core: weaker evidence connected to it, within reach.

    The core (evidence above half the peak) is often one part of the subject, an eye, a wheel,
    a bright shirt; the body is the connected evidence above ``EXTENT_FLOOR`` of the peak,
    trimmed to the central ``EXTENT_MASS`` of its evidence so a thin bridge to the
    background does not drag it across the frame.
    """
    h, w = evidence.shape
    x0, y0, bw, bh = core
    rx, ry = int(EXTENT_REACH * bw) + 2, int(EXTENT_REACH * bh) + 2
    ax0, ay0, ax1, ay1 = max(0, x0 - rx), max(0, y0 - ry), min(w, x0 + bw + rx), min(h, y0 + bh + ry)
    roi = evidence[ay0:ay1, ax0:ax1]
    mask = (roi >= EXTENT_FLOOR * peak).astype(np.uint8)
    _, labels = cv2.connectedComponents(mask, connectivity=8)
    lab = labels[y - ay0, x - ax0]
    wts = roi * (labels == lab) if lab else roi * 0
    ex0, ex1 = _quantiles(wts.sum(axis=0), *EXTENT_MASS)
    ey0, ey1 = _quantiles(wts.sum(axis=1), *EXTENT_MASS)
    return ax0 + ex0, ay0 + ey0, ax0 + ex1, ay0 + ey1


def _blob_at(evidence: np.ndarray, y: int, x: int) -> Blob | None:
    """The connected region around (y, x) above half the local peak; its weighted centroid and extent."""
    h, w = evidence.shape
    peak = float(evidence[y, x])
    if peak <= 1e-3:
        return None
    mask = (evidence >= BLOB_FLOOR * peak).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    lab = labels[y, x]
    if lab == 0:
        return None
    x0, y0, bw, bh, area = stats[lab]
    region = labels[y0:y0 + bh, x0:x0 + bw] == lab
    wts = evidence[y0:y0 + bh, x0:x0 + bw] * region
    total = float(wts.sum())
    ys, xs = np.mgrid[y0:y0 + bh, x0:x0 + bw]
    cx = float((wts * xs).sum() / total)
    cy = float((wts * ys).sum() / total)
    sx = float(np.sqrt((wts * (xs - cx) ** 2).sum() / total))
    sy = float(np.sqrt((wts * (ys - cy) ** 2).sum() / total))
    # a uniform box of half-width a has sigma a/sqrt(3)
    return Blob(cx + 0.5, cy + 0.5, max(1.0, 1.8 * sx), max(1.0, 1.8 * sy),
                float(evidence[y0:y0 + bh, x0:x0 + bw][region].mean()), float(area) / (h * w),
                _extent(evidence, y, x, (x0, y0, bw, bh), peak))


def _blend_extent(old, new):
    """The new body's centre with a size that changes slowly (like the core's)."""
    if old is None or new is None:
        return new
    cx, cy = (new[0] + new[2]) / 2, (new[1] + new[3]) / 2
    hw = 0.6 * (old[2] - old[0]) / 2 + 0.4 * (new[2] - new[0]) / 2
    hh = 0.6 * (old[3] - old[1]) / 2 + 0.4 * (new[3] - new[1]) / 2
    return cx - hw, cy - hh, cx + hw, cy + hh


def _on(blob: Blob, det: tuple[float, float, float, float, float]) -> bool:
    """Whether the blob's centre lies inside the detection box (x0, y0, x1, y1, score)."""
    return det[0] <= blob.cx <= det[2] and det[1] <= blob.cy <= det[3]


def _centre_prior(shape: tuple[int, int]) -> np.ndarray:
    """1 in the middle of the frame, CENTRE_EDGE at its edges: framers rarely put a subject on the border."""
    h, w = shape
    ys = 1 - np.abs(np.linspace(-1, 1, h, dtype=np.float32)) ** 2
    xs = 1 - np.abs(np.linspace(-1, 1, w, dtype=np.float32)) ** 2
    return CENTRE_EDGE + (1 - CENTRE_EDGE) * np.sqrt(np.outer(ys, xs))


def _strongest(evidence: np.ndarray) -> Blob | None:
    y, x = np.unravel_index(int(np.argmax(evidence)), evidence.shape)
    return _blob_at(evidence, int(y), int(x))


class SubjectTracker:
    """Feed ``update(bgr, grey, t)`` in time order; ``reset()`` at a cut."""

    def __init__(self, *, use_detectors: bool = True, switch_seconds: float = SWITCH_SECONDS,
                 take_people: bool = True):
        self.use_detectors = use_detectors and bool(cues.detectors_available())
        self.switch_seconds = switch_seconds
        self.take_people = take_people  # a person detected off a box no person confirms takes the tracker
        self.track_id = 0              # a new id each time the tracker takes up another subject
        self.reset()

    def reset(self) -> None:
        self.prev_grey: np.ndarray | None = None
        self.box: Blob | None = None
        self.velocity = np.zeros(2)
        self.last_t: float | None = None
        self.hist: np.ndarray | None = None
        self.rival_time = 0.0          # seconds a rival has been clearly stronger (decays when not)
        self.last_seen: float | None = None
        self.last_detect: float = -1e9
        self.detected: list = []
        self.camera: cues.CameraMotion | None = None
        self.last_base: np.ndarray | None = None      # the last sample's evidence, for ``candidates``
        self.last_motion: np.ndarray | None = None
        self.shot_start: float | None = None
        self.found_person = False      # a detector run of this shot found a face (or person)
        self.fresh: list = []          # this sample's own detections (empty where the detector did not run)
        self.person = False            # the box followed is one a person detection has confirmed
        self.confirmed = False         # ... at this sample
        self.track_id += 1

    def seed(self, bgr: np.ndarray, grey: np.ndarray, t: float, est: SubjectEstimate) -> None:
        """Start following ``est`` (seen in this picture at ``t``) as if the tracker had found it here:
        its box, body, colour model and this picture as the previous one for motion."""
        self.reset()
        h, w = grey.shape
        ext = None if est.extent is None else (est.extent[0] * w, est.extent[1] * h, est.extent[2] * w, est.extent[3] * h)
        reg = None if est.region is None else (est.region[0] * w, est.region[1] * h, est.region[2] * w, est.region[3] * h)
        self.box = Blob(est.cx * w, est.cy * h, max(1.0, est.half_w * w), max(1.0, est.half_h * h), 0.0,
                        4 * est.half_w * est.half_h, ext, reg)
        hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
        frame_hist = cv2.calcHist([hsv], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256])
        frame_hist /= max(1.0, float(frame_hist.sum()))
        self._learn(hsv, frame_hist, self.box, rate=1.0)
        self.prev_grey, self.last_t, self.last_seen = grey, t, t

    # -- evidence -------------------------------------------------------------------------
    def _appearance(self, hsv: np.ndarray) -> np.ndarray:
        if self.hist is None:
            return np.zeros(hsv.shape[:2], np.float32)
        back = cv2.calcBackProject([hsv], [0, 1], self.hist, [0, 180, 0, 256], 1).astype(np.float32) / 255.0
        return cv2.GaussianBlur(back, (0, 0), sigmaX=max(1.0, hsv.shape[1] / 160))

    def _learn(self, hsv: np.ndarray, frame_hist: np.ndarray, blob: Blob, rate: float) -> None:
        """Update the subject's colour model: its histogram over the frame's (a likelihood ratio)."""
        h, w = hsv.shape[:2]
        x0, x1 = int(max(0, blob.cx - 0.7 * blob.half_w)), int(min(w, blob.cx + 0.7 * blob.half_w + 1))
        y0, y1 = int(max(0, blob.cy - 0.7 * blob.half_h)), int(min(h, blob.cy + 0.7 * blob.half_h + 1))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        inner = cv2.calcHist([hsv[y0:y1, x0:x1]], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256])
        inner /= max(1.0, float(inner.sum()))
        ratio = inner / (frame_hist + 1e-3)
        ratio = np.clip(ratio / max(1e-6, float(ratio.max())), 0, 1) * 255
        # colours as common in the frame as in the subject say nothing about it
        ratio[inner < 2 * frame_hist] = 0
        self.hist = ratio.astype(np.float32) if self.hist is None else \
            ((1 - rate) * self.hist + rate * ratio).astype(np.float32)

    def evidence(self, bgr: np.ndarray, grey: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        """The fused evidence map (motion, distinctiveness, detections; no appearance) and how much
        the motion cue could be trusted (0..1)."""
        distinct = cues.distinctiveness(bgr)
        motion = np.zeros_like(distinct)
        motion_trust = 0.0
        if self.prev_grey is not None and self.prev_grey.shape == grey.shape:
            cam = cues.camera_motion(self.prev_grey, grey)
            self.camera = cam
            if cam.reliable:
                motion = cues.independent_motion(self.prev_grey, grey, cam)
                # residual everywhere means the model failed (parallax, a cut, a wobble): not a subject
                spread = float((motion > 0.3).mean())
                motion_trust = float(np.clip(1.0 - (spread - 0.08) / 0.25, 0.0, 1.0))
        total = MOTION_WEIGHT * motion_trust * motion + DISTINCT_WEIGHT * distinct
        self.last_motion = motion_trust * motion
        self.fresh = []
        if self.use_detectors:
            if self.shot_start is None:
                self.shot_start = t
            # a detector misses a person in many single frames (a hand on the face, a turned head,
            # blur); a shot's subject is chosen in its opening, so look there at every sample
            dense = self.take_people and not self.found_person and t - self.shot_start <= DETECT_OPENING + 1e-6
            if dense or t - self.last_detect >= DETECT_EVERY - 1e-6:
                self.detected = self.fresh = cues.detections(grey)
                self.last_detect = t
                self.found_person |= bool(self.fresh)
            if self.detected:
                total = total + DETECTION_WEIGHT * cues.detection_map(grey.shape, self.detected)
        return total * _centre_prior(grey.shape), motion_trust

    # -- tracking -------------------------------------------------------------------------
    def update(self, bgr: np.ndarray, grey: np.ndarray, t: float) -> SubjectEstimate:
        h, w = grey.shape
        base, _ = self.evidence(bgr, grey, t)
        self.last_base = base
        dt = 0.0 if self.last_t is None else t - self.last_t
        hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
        frame_hist = cv2.calcHist([hsv], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256])
        frame_hist /= max(1.0, float(frame_hist.sum()))
        # appearance locates the subject being followed; it never argues for it against a rival
        ev = base + APPEARANCE_WEIGHT * self._appearance(hsv)
        best = _strongest(base)
        chosen = best
        if self.box is not None and best is not None:
            px, py = self.box.cx + self.velocity[0] * dt, self.box.cy + self.velocity[1] * dt
            sigma = max(self.box.half_w, self.box.half_h, 0.08 * w) * 1.5
            yy, xx = np.ogrid[0:h, 0:w]
            gate = np.exp(-(((xx - px) ** 2 + (yy - py) ** 2) / (2 * sigma ** 2))).astype(np.float32)
            near = _strongest(ev * gate)
            if near is not None:
                near = _blob_at(ev, int(min(h - 1, max(0, near.cy))), int(min(w - 1, max(0, near.cx)))) or near
            far = abs(best.cx - px) > 2 * sigma or abs(best.cy - py) > 2 * sigma
            near_base = _blob_at(base, int(min(h - 1, max(0, near.cy))), int(min(w - 1, max(0, near.cx)))) \
                if near is not None else None
            near_strength = near_base.strength if near_base is not None else 0.0
            if far and best.strength > SWITCH_RATIO * near_strength:
                self.rival_time += dt
            else:
                self.rival_time = max(0.0, self.rival_time - dt / 2)
            if self.rival_time >= self.switch_seconds or near is None:
                chosen, self.hist, self.velocity, self.rival_time = best, None, np.zeros(2), 0.0
            else:
                chosen = near
        new_track = self.box is None or chosen is best
        person = self._person_off(chosen, base) if self.take_people and not self.person else None
        if person is not None:
            # a face (a person) outranks a still, distinct thing that no detection confirms: the
            # tracker takes the person up at once rather than after SWITCH_SECONDS of rivalry
            chosen, self.box, self.hist, self.velocity, self.rival_time = person, None, None, np.zeros(2), 0.0
            new_track = True
        confidence = self._confidence(base if new_track else ev, chosen)
        if chosen is not None and confidence > 0.05:
            if new_track:
                self.track_id += 1
                self.person = False
            self.confirmed = any(_on(chosen, d) for d in self.fresh)
            self.person |= self.confirmed
            if self.box is not None and dt > 0:
                v = np.array([(chosen.cx - self.box.cx) / dt, (chosen.cy - self.box.cy) / dt])
                self.velocity = 0.6 * self.velocity + 0.4 * v
            if self.box is not None and chosen is not self.box:
                # sizes change slowly; positions follow the evidence
                chosen = Blob(chosen.cx, chosen.cy, 0.6 * self.box.half_w + 0.4 * chosen.half_w,
                              0.6 * self.box.half_h + 0.4 * chosen.half_h, chosen.strength, chosen.area,
                              _blend_extent(self.box.extent, chosen.extent))
            # where the rest of the subject lies: the detailed region around the core
            found = detail.region(detail.detail_map(grey), (chosen.cx - chosen.half_w, chosen.cy - chosen.half_h,
                                                            chosen.cx + chosen.half_w, chosen.cy + chosen.half_h))
            chosen.region = None if found is None else \
                _blend_extent(self.box.region if self.box is not None else None, found)
            self.box = chosen
            self.last_seen = t
            self._learn(hsv, frame_hist, chosen, rate=0.3 if self.hist is not None else 1.0)
        else:
            self.confirmed = False
            if self.last_seen is not None and t - self.last_seen > LOST_SECONDS:
                self.box, self.hist, self.velocity = None, None, np.zeros(2)
        self.prev_grey = grey
        self.last_t = t
        if self.box is None:
            return SubjectEstimate(0.5, 0.5, 0.0, 0.0, 0.0)
        b = self.box
        ext = None if b.extent is None else (b.extent[0] / w, b.extent[1] / h, b.extent[2] / w, b.extent[3] / h)
        reg = None if b.region is None else (b.region[0] / w, b.region[1] / h, b.region[2] / w, b.region[3] / h)
        return SubjectEstimate(b.cx / w, b.cy / h, b.half_w / w, b.half_h / h,
                               confidence if chosen is not None else 0.0, ext, reg)

    def _person_off(self, chosen: Blob | None, base: np.ndarray) -> Blob | None:
        """The region of this sample's strongest person detection when the box followed is not on
        one (None when there is none, or the box is on a person already)."""
        if not self.fresh or (chosen is not None and any(_on(chosen, d) for d in self.fresh)):
            return None
        x0, y0, x1, y1, _ = max(self.fresh, key=lambda d: d[4])
        h, w = base.shape
        return _blob_at(base, int(np.clip((y0 + y1) / 2, 0, h - 1)), int(np.clip((x0 + x1) / 2, 0, w - 1)))

    @staticmethod
    def _confidence(ev: np.ndarray, blob: Blob | None, typical: float | None = None) -> float:
        """How clearly one compact region stands out: its strength over the frame's typical
        evidence (its 75th percentile, passed in when several regions of one map are scored)."""
        if blob is None:
            return 0.0
        if typical is None:
            typical = float(np.percentile(ev, 75))
        lift = (blob.strength - typical) / 0.6
        compact = 1.0 - (blob.area - 0.15) / 0.3 if blob.area > 0.15 else 1.0
        return float(np.clip(lift, 0, 1) * np.clip(compact, 0, 1))


CANDIDATES = 4               # regions offered per sample besides the tracker's own box


def _estimate(blob: Blob, shape: tuple[int, int], confidence: float) -> SubjectEstimate:
    h, w = shape
    ext = None if blob.extent is None else (blob.extent[0] / w, blob.extent[1] / h,
                                            blob.extent[2] / w, blob.extent[3] / h)
    return SubjectEstimate(blob.cx / w, blob.cy / h, blob.half_w / w, blob.half_h / h, confidence, ext)


def candidates(tracker: SubjectTracker, tracked: SubjectEstimate, n: int = CANDIDATES) -> list:
    """The tracker's own box and the ``n`` strongest other regions of its last evidence map,
    as ``select.Candidate``: the offline subject choice weighs them over the whole shot."""
    from broll.reframe.select import Candidate
    base, motion = tracker.last_base, tracker.last_motion
    if base is None:
        return []
    if motion is None or motion.shape != base.shape:
        motion = np.zeros_like(base)
    # at half the analysis size: candidates need only where and how strong (a quarter of the cost)
    size = (max(1, base.shape[1] // 2), max(1, base.shape[0] // 2))
    base = cv2.resize(base, size, interpolation=cv2.INTER_AREA)
    motion = cv2.resize(motion, size, interpolation=cv2.INTER_AREA)
    h, w = base.shape
    typical = float(np.percentile(base, 75))

    def core_mean(m: np.ndarray, cx: float, cy: float, hw: float, hh: float) -> float:
        x0, x1 = int(max(0, cx - hw)), int(min(w, cx + hw + 1))
        y0, y1 = int(max(0, cy - hh)), int(min(h, cy + hh + 1))
        return float(m[y0:y1, x0:x1].mean()) if x1 > x0 and y1 > y0 else 0.0

    out = []
    if tracked.confidence > 0:
        cx, cy, hw, hh = tracked.cx * w, tracked.cy * h, max(1.0, tracked.half_w * w), max(1.0, tracked.half_h * h)
        out.append(Candidate(tracked, core_mean(base, cx, cy, hw, hh), core_mean(motion, cx, cy, hw, hh), True))
    ev = base.copy()
    for _ in range(n):
        blob = _strongest(ev)
        if blob is None or blob.strength <= 1e-3:
            break
        conf = SubjectTracker._confidence(base, blob, typical)
        out.append(Candidate(_estimate(blob, (h, w), conf), core_mean(base, blob.cx, blob.cy, blob.half_w, blob.half_h),
                             core_mean(motion, blob.cx, blob.cy, blob.half_w, blob.half_h)))
        # the next candidate is somewhere else
        x0, x1 = int(max(0, blob.cx - 2 * blob.half_w)), int(blob.cx + 2 * blob.half_w + 1)
        y0, y1 = int(max(0, blob.cy - 2 * blob.half_h)), int(blob.cy + 2 * blob.half_h + 1)
        ev[y0:y1, x0:x1] = 0
    return out
