"""Decode a clip once at analysis size and turn it into a smoothed crop path.

The only I/O here is decoding through ``broll.media.sampled_frames``; estimation, smoothing and
keyframing are pure (``subject``, ``smooth``, ``path``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

import numpy as np
from scipy.ndimage import median_filter

from broll.errors import MediaError
from broll.media.sampled_frames import iter_sampled_frames
from broll.media.probe import probe
from broll.reframe.path import CropGeometry, CropPath, Segment, crop_geometry, segments_from_samples
from broll.reframe.smooth import SmoothingWeights, jerk, smooth_path
from broll.reframe.subject import SubjectEstimate, frame_change

ANALYSIS_WIDTH = 320      # the tracker's corners and residuals need this much; decoding still dominates
ANALYSIS_RATE = 10.0      # subject estimates per second
CUT_THRESHOLD = 0.12      # mean luma change of a 16x9 thumbnail that counts as a hard cut
MIN_CONFIDENCE = 0.15     # below this an estimate does not constrain the window
MEDIAN_SAMPLES = 3        # a running median against one-sample detector hops
MIN_RUN_SECONDS = 0.8     # a subject must hold this long before the window goes to it
FALLBACK_CONFIDENCE = 0.3  # a clip whose subject is found with less than this is contained over a blurred fill
EXTENT_MARGIN = 2.0       # the window keeps this much more than the tracked core inside it ...
BODY_PAD = 0.3            # ... and the body plus this share of its size on each side
HOLD_WEIGHT = 0.3         # pull of the last trusted position on samples without a trusted subject
BODY_CONFIDENCE = 0.3     # the body is read off weak evidence: only a sample this confident has one
CORE_CONFIDENCE = 0.5     # a core this sure is held whole (with its margin) before the body around it
SEED_SECONDS = 2.0        # a shot's opening is tracked backwards from its subject when that is found this early ...
SEED_CONFIDENCE = 0.6     # ... as SEED_RUN samples in a row at this confidence on one object ...
SEED_RUN = 3              # ... and the tracker's first box was on something else


@dataclass(frozen=True)
class Sample:
    time: float
    estimate: SubjectEstimate
    shot: int
    person: bool = False      # on a track that a face (a person detection) confirms, at this sample or another


def analysis_frames(path: str | os.PathLike, *, start: float | None = None, end: float | None = None,
                    rate: float = ANALYSIS_RATE) -> Iterator[tuple[float, int, np.ndarray]]:
    """The tracker's pictures: ``(time from start, shot, ANALYSIS_WIDTH BGR picture)`` at ~``rate``
    per second, a shot's first frame always among them (so a cut is the first sample of its shot).

    Every frame is decoded and its luma thumbnail feeds the cut detector; only every n-th is
    made into a colour picture, and the final frame too, so the path does not coast past the
    last estimate.
    """
    info = probe(path)
    if info.kind not in ("video", "image"):
        raise MediaError(f"{path}: has no picture to reframe")
    every = max(1, int(round(float(info.fps or 25) / rate)))
    origin = start or 0.0
    prev_thumb = None
    shot = 0
    since = every
    last = None
    sampled_last = False
    for fr in iter_sampled_frames(path, width=ANALYSIS_WIDTH, start=start, end=end):
        t = fr.time - origin
        if prev_thumb is not None and frame_change(prev_thumb, fr.thumb) > CUT_THRESHOLD:
            shot += 1
            since = every
        sampled_last = since >= every
        if sampled_last:
            yield t, shot, fr.bgr()       # only the sampled frames are converted and scaled
            since = 0
        since += 1
        prev_thumb = fr.thumb
        last = (t, fr, shot)
    if last is not None and not sampled_last:
        yield last[0], last[2], last[1].bgr()


def track_subject(path: str | os.PathLike, *, start: float | None = None, end: float | None = None,
                  rate: float = ANALYSIS_RATE, select: bool = True) -> tuple[list[Sample], list[float]]:
    """Subject estimates at ~``rate`` per second, and the times of hard cuts (seconds from ``start``).

    The tracker starts afresh in each shot. With ``select``, the subject of each shot is then
    chosen over the whole shot among the tracker's box and other strong regions
    (``select.choose``), which can look ahead; without, the tracker's box is the answer.
    """
    samples = track_frames(analysis_frames(path, start=start, end=end, rate=rate), select=select)
    if not samples:
        raise MediaError(f"{path}: no frames could be decoded for reframing")
    cuts = [b.time for a, b in zip(samples, samples[1:]) if b.shot != a.shot]
    return samples, cuts


def track_frames(frames: Iterable[tuple[float, int, np.ndarray]], *, select: bool = True) -> list[Sample]:
    """``track_subject`` over pictures already decoded (``analysis_frames``), in time order: a grid
    over the tracker's settings can re-run it on cached pictures without decoding again."""
    import cv2

    from broll.reframe.tracker import SubjectTracker, candidates
    tracker = SubjectTracker()
    samples: list[Sample] = []
    offered: list[list] = []
    opening: dict[int, np.ndarray] = {}       # sample index -> picture, for each shot's first SEED_SECONDS
    tracks: list[int] = []                    # the tracker's track id at each sample ...
    confirmed: set[int] = set()               # ... and the ids a person detection confirmed
    shot_start = 0.0
    for t, shot, image in frames:
        if samples and shot != samples[-1].shot:
            tracker.reset()           # motion and appearance across a cut mean nothing
        if not samples or shot != samples[-1].shot:
            shot_start = t
        if t - shot_start <= SEED_SECONDS + 1e-6:
            opening[len(samples)] = image
        est = tracker.update(image, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), t)
        samples.append(Sample(t, est, shot))
        tracks.append(tracker.track_id)
        if tracker.confirmed:
            confirmed.add(tracker.track_id)
        offered.append(candidates(tracker, est) if select else [])
    # a track a person confirms anywhere is the person's throughout (the choice over the shot
    # can look ahead: a face found late outweighs what the shot opened on)
    samples = [Sample(s.time, s.estimate, s.shot, True) if k in confirmed and s.estimate.confidence > 0 else s
               for s, k in zip(samples, tracks)]
    tracked = samples
    if select and samples:
        samples = _selected(samples, offered)
    if samples:
        samples = _seeded(samples, tracked, opening)
    return samples


def _anchor(samples: list[Sample], idx: np.ndarray) -> int:
    """Index of the first sample of a shot (``idx``) from which its subject is followed with
    confidence: the first sample of a track a person detection confirms, else ``SEED_RUN``
    samples in a row at ``SEED_CONFIDENCE`` or more, on one object; within the shot's first
    ``SEED_SECONDS``; -1 if there is none."""
    t0 = samples[idx[0]].time
    people = [int(i) for i in idx if samples[i].person]
    if people and samples[people[0]].time - t0 <= SEED_SECONDS + 1e-6:
        return people[0]
    for j in range(idx.size - SEED_RUN + 1):
        if samples[idx[j]].time - t0 > SEED_SECONDS:
            break
        run = [samples[i].estimate for i in idx[j:j + SEED_RUN]]
        if all(e.confidence >= SEED_CONFIDENCE for e in run) and \
                all(_same_object(a, b) for a, b in zip(run, run[1:])):
            return int(idx[j])
    return -1


def _seeded(samples: list[Sample], tracked: list[Sample], opening: dict[int, np.ndarray]) -> list[Sample]:
    """Each shot's opening samples, before its subject is followed with confidence, tracked
    backwards from that subject.

    A shot's first box is taken before any motion can be seen (there is no previous picture),
    so a still, distinct thing can hold the tracker until a moving rival has been stronger
    for ``SWITCH_SECONDS``. Offline, the shot's later, confident subject is known: a tracker
    seeded with it at that sample and fed the opening pictures in reverse (time mirrored,
    so motion is seen from the shot's first picture on) says where it was before. It never
    switches to a rival: the subject is known. Only shots whose tracker took up something else
    first are redone (a seeded body read off the later, larger subject is otherwise no better
    than the forward one, and at a cut it can be worse), and only their opening: a
    shot's first ``SEED_SECONDS`` at most, so the pass costs little.
    """
    import cv2

    from broll.reframe.tracker import SubjectTracker
    out = list(samples)
    shots = np.array([s.shot for s in samples])
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        k = _anchor(samples, idx)
        if k <= idx[0] or k not in opening:
            continue
        tracker = SubjectTracker(switch_seconds=float("inf"), take_people=False)
        tk = samples[k].time
        image = opening[k]
        tracker.seed(image, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), tk, samples[k].estimate)
        back = {}
        for i in range(k - 1, int(idx[0]) - 1, -1):
            image = opening[i]
            back[i] = tracker.update(image, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 2 * tk - samples[i].time)
        first = tracked[idx[0]].estimate
        if first.confidence > 0 and _same_object(back[int(idx[0])], first):
            continue              # the tracker took up this subject from the start: nothing to correct
        for i, est in back.items():
            out[i] = Sample(samples[i].time, est, samples[i].shot, samples[k].person)
    return out


def _same_object(a, b) -> bool:
    """Whether estimate ``b``'s centre lies on ``a``'s body (or near its core without one)."""
    x0, x1 = a.span("x")
    y0, y1 = a.span("y")
    mx, my = max(a.half_w, 0.02), max(a.half_h, 0.02)
    return min(x0, a.cx - 1.5 * mx) <= b.cx <= max(x1, a.cx + 1.5 * mx) and \
        min(y0, a.cy - 1.5 * my) <= b.cy <= max(y1, a.cy + 1.5 * my)


def _selected(samples: list[Sample], offered: list[list]) -> list[Sample]:
    """Each shot's samples with the candidate the whole-shot choice picked (pure).

    Where the choice is on the tracker's own subject, the tracker's estimate stands (its size
    and body are smoothed over time); elsewhere the chosen region replaces it.
    """
    from broll.reframe.select import choose
    out = list(samples)
    shots = np.array([s.shot for s in samples])
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        # the tracker's box on a track a person confirms (at this sample or a later one) counts more
        offers = [[replace(c, person=True) if c.tracked and samples[i].person else c for c in offered[i]]
                  for i in idx]
        picks = choose([samples[i].time for i in idx], offers)
        for i, k in zip(idx, picks):
            if k < 0:
                continue
            own = samples[i].estimate
            chosen = offered[i][k].estimate
            if own.confidence > 0 and _same_object(own, chosen):
                continue
            out[i] = Sample(samples[i].time, chosen, samples[i].shot)
    return out


def _axis_values(est: SubjectEstimate, axis: str) -> tuple[float, float]:
    return (est.cy, est.half_h) if axis == "y" else (est.cx, est.half_w)


def _body(est: SubjectEstimate, axis: str) -> tuple[float, float]:
    """(low, high) the window should hold: a margin around the core and, for a confident
    sample, the body plus a pad (a body read off a weak sample leaks into the background)."""
    c, half = _axis_values(est, axis)
    lo, hi = c - EXTENT_MARGIN * half, c + EXTENT_MARGIN * half
    if est.extent is not None and est.confidence >= BODY_CONFIDENCE:
        b0, b1 = est.span(axis)
        pad = BODY_PAD * (b1 - b0)
        lo, hi = min(lo, b0 - pad), max(hi, b1 + pad)
    return lo, hi


def _region_mid(est: SubjectEstimate, axis: str) -> float:
    """The middle of the estimate's detailed region along ``axis`` (``extent``), NaN without one."""
    if est.region is None:
        return float("nan")
    r0, r1 = (est.region[1], est.region[3]) if axis == "y" else (est.region[0], est.region[2])
    return (r0 + r1) / 2


def _persistent(centre: np.ndarray, shots: np.ndarray, times: np.ndarray, *, jump: float,
                min_run: float) -> np.ndarray:
    """1 for samples in a run the detector held for ``min_run`` seconds, else 0.

    A run ends where the estimate leaps by more than ``jump`` between samples: a real
    subject does not teleport within a shot, a detector flipping between two things does.
    A shot that is one run is always kept.
    """
    keep = np.ones_like(centre)
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        breaks = np.flatnonzero(np.abs(np.diff(centre[idx])) > jump) + 1
        if breaks.size == 0:
            continue
        step = float(np.median(np.diff(times[idx]))) if idx.size > 1 else 0.1
        for run in np.split(idx, breaks):
            if times[run[-1]] - times[run[0]] + step < min_run:
                keep[run] = 0.0
    return keep


def path_from_samples(samples: list[Sample], cuts: list[float], geometry: CropGeometry,
                      weights: SmoothingWeights = SmoothingWeights(), *, widen: bool = True) -> CropPath:
    """Smooth each shot's subject track into window offsets, then keyframe it (pure).

    With ``widen``, the window grows past the target's aspect while a trusted subject is wider
    than it (``broll.reframe.widen``); without, the path is a plain crop throughout.
    """
    g = geometry
    if not g.axis or g.travel <= 0:
        return CropPath(g, (Segment(0.0, 0.0, 0.0, 0.0),), tuple(cuts), "subject", {"static": True})
    win = g.window / g.span                  # window size as a fraction of the moving axis
    half = win / 2
    times = np.array([s.time for s in samples])
    centre = np.array([_axis_values(s.estimate, g.axis)[0] for s in samples])
    # the body around the tracked core, relative to the core's centre: the window keeps it whole
    # (with a pad) and aims at its middle; without one, a margin around the core
    body = np.array([_body(s.estimate, g.axis) for s in samples]).reshape(-1, 2) - centre[:, None]
    core_half = np.array([_axis_values(s.estimate, g.axis)[1] for s in samples])
    conf = np.array([s.estimate.confidence for s in samples])
    sure = conf >= CORE_CONFIDENCE          # the sample's own confidence, before the steadiness checks
    shots = np.array([s.shot for s in samples])
    # a detector that hops between two things is not to be followed: a running median per shot
    # removes short hops, and samples that disagree with it lose their say
    steady = np.empty_like(centre)
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        steady[idx] = median_filter(centre[idx], size=min(MEDIAN_SAMPLES, idx.size), mode="nearest")
    conf = conf * np.exp(-((centre - steady) / half) ** 2 * 4)
    centre = np.where(np.abs(centre - steady) < half / 2, centre, steady)   # the median clips peaks
    conf = conf * _persistent(centre, shots, times, jump=half, min_run=MIN_RUN_SECONDS)
    trusted = conf >= MIN_CONFIDENCE
    body_lo, body_hi = centre + body[:, 0], centre + body[:, 1]
    body_mid = (body_lo + body_hi) / 2
    reach = np.minimum((body_hi - body_lo) / 2, half * 0.9)       # a body wider than the window: keep its middle
    lo = np.where(trusted, body_mid + reach - half, 0.0)
    hi = np.where(trusted, body_mid - reach + half, 1.0)
    # a sure core is held first (with its margin, as much of it as fits 0.9 of the window), the body
    # only as far as that allows: a body that leaks to one side into the background (a table, the
    # pitch) and no longer fits must not push the window off the part the tracker is sure of
    core_reach = np.minimum(EXTENT_MARGIN * core_half, half * 0.9)
    core_lo, core_hi = centre + core_reach - half, centre - core_reach + half
    both_lo, both_hi = np.maximum(lo, core_lo), np.minimum(hi, core_hi)
    clash = both_lo > both_hi
    sure &= trusted
    lo = np.where(sure, np.where(clash, core_lo, both_lo), lo)
    hi = np.where(sure, np.where(clash, core_hi, both_hi), hi)
    centre = body_mid                                             # aim at the body's middle, not the core's
    # lean towards the rest of the subject (the detailed region around the tracked part), as far
    # as keeping the body whole allows
    lean = np.array([_region_mid(s.estimate, g.axis) for s in samples])
    leaning = trusted & np.isfinite(lean)
    centre = np.where(leaning, np.clip(np.nan_to_num(lean), lo, hi), centre)
    weight = np.where(trusted, conf, 0.0)
    if HOLD_WEIGHT > 0:
        # where nothing is trusted the window holds where the subject was last (or next) seen,
        # rather than coasting on at the last speed until it hits the frame's edge
        for shot in np.unique(shots):
            idx = np.flatnonzero(shots == shot)
            good = idx[trusted[idx]]
            if good.size == 0:
                continue
            for i in idx[~trusted[idx]]:
                j = good[np.argmin(np.abs(times[good] - times[i]))]
                centre[i] = centre[j]
                weight[i] = HOLD_WEIGHT
    smoothed = np.empty_like(centre)
    starts: list[int] = []
    for shot in np.unique(shots):
        idx = np.flatnonzero(shots == shot)
        starts.append(int(idx[0]))
        target = centre[idx] if weight[idx].sum() > 0 else np.full(idx.size, 0.5)
        smoothed[idx] = smooth_path(target, weight[idx], lo[idx], hi[idx], limits=(half, 1 - half),
                                    weights=weights)
    # a subject wider than the window: the window widens (scaled into the output over a blurred
    # fill) smoothly and only while needed, rather than cutting the subject
    from broll.reframe.widen import body_to_hold, held_confidence, widened_sizes
    raw = np.array([s.estimate.confidence for s in samples])
    held = held_confidence(raw, np.array([_axis_values(s.estimate, g.axis)[0] for s in samples]), shots,
                           half, MIN_CONFIDENCE)
    spans = np.array([body_to_hold(s.estimate, g.axis, c) for s, c in zip(samples, held)]).reshape(-1, 2)
    sizes = widened_sizes(smoothed, spans, trusted, shots, win) if widen else np.full_like(smoothed, win)
    smoothed = np.clip(smoothed, sizes / 2, 1 - sizes / 2)
    offsets = (smoothed - sizes / 2) * g.span
    segments = segments_from_samples(times, offsets, starts, tolerance=0.5)
    wide = sizes > win + 0.5 / g.span
    size_segments = segments_from_samples(times, sizes * g.span, starts, tolerance=0.5) if wide.any() else ()
    raw_offsets = (np.clip(centre, half, 1 - half) - half) * g.span
    stats = {"samples": len(samples), "shots": len(starts), "keyframes": len(segments) + 1,
             "raw_jerk": jerk(raw_offsets), "path_jerk": jerk(offsets),
             "mean_confidence": float(conf.mean()),
             "widened": round(float(wide.mean()), 3), "widest": round(float(sizes.max() / win), 3)}
    # the clip's confidence: how much of it the tracker followed one subject with conviction
    stats["confidence"] = round(float(np.mean(np.clip(conf / 0.6, 0, 1))), 3)
    stats["strategy"] = "subject" if stats["confidence"] >= FALLBACK_CONFIDENCE else "blur"
    return CropPath(g, segments, tuple(cuts), "subject", stats,
                    size_segments if stats["strategy"] == "subject" else ())


def subject_path(path: str | os.PathLike, target_size: tuple[int, int], *, start: float | None = None, end: float | None = None,
                 weights: SmoothingWeights = SmoothingWeights()) -> CropPath:
    """The crop path that follows the subject of ``path`` for a ``target_size`` output."""
    info = probe(path)
    geometry = crop_geometry(info.width, info.height, *target_size)
    if not geometry.axis:
        return CropPath(geometry, (), (), "subject")
    samples, cuts = track_subject(path, start=start, end=end)
    return path_from_samples(samples, cuts, geometry, weights)


def center_path(src_size: tuple[int, int], target_size: tuple[int, int]) -> CropPath:
    g = crop_geometry(*src_size, *target_size)
    mid = g.travel / 2
    return CropPath(g, (Segment(0.0, 0.0, mid, mid),), (), "center")
