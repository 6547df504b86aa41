"""A shot's opening is tracked backwards from its later, confident subject (``analyse._seeded``)."""

from __future__ import annotations

import cv2
import numpy as np

from broll.reframe.analyse import SEED_SECONDS, Sample, _seeded, track_frames
from broll.reframe.subject import SubjectEstimate

W, H, FPS = 320, 180, 10


def _disc_x(i: int) -> float:
    return 40 + 6 * i


def _frames(n: int = 24) -> list[tuple[float, int, np.ndarray]]:
    """A red disc crossing a grey, lightly textured picture left to right."""
    rng = np.random.default_rng(3)
    bg = cv2.GaussianBlur(rng.integers(90, 140, (H, W, 3)).astype(np.uint8), (0, 0), 3)
    out = []
    for i in range(n):
        im = bg.copy()
        cv2.circle(im, (int(_disc_x(i)), 100), 14, (40, 40, 210), -1)
        out.append((i / FPS, 0, im))
    return out


def _off(t: float, confidence: float) -> Sample:
    """An estimate on an empty patch at the right (what a still, distinct thing would give)."""
    return Sample(t, SubjectEstimate(0.85, 0.3, 0.03, 0.05, confidence), 0)


def test_opening_taken_up_elsewhere_is_redone_backwards_onto_the_subject():
    frames = _frames()
    samples = track_frames(frames)
    assert all(abs(s.estimate.cx * W - _disc_x(i)) < 15 for i, s in enumerate(samples[3:], 3)), \
        "the forward tracker should follow the disc"
    opening = {i: im for i, (t, _, im) in enumerate(frames) if t <= SEED_SECONDS}
    # the tracker's first box and the opening samples on something else, weakly; the disc from sample 8 on
    bent = [_off(s.time, 0.4) if i < 8 else s for i, s in enumerate(samples)]
    out = _seeded(bent, bent, opening)
    for i in range(8):
        assert abs(out[i].estimate.cx * W - _disc_x(i)) < 15, f"sample {i}: {out[i].estimate.cx * W:.0f} px"
        assert out[i].estimate.confidence >= 0.3
    assert out[8:] == bent[8:]


def test_opening_already_on_the_subject_is_left_alone():
    frames = _frames()
    samples = track_frames(frames)
    opening = {i: im for i, (t, _, im) in enumerate(frames) if t <= SEED_SECONDS}
    # the chosen subject is weak at first but the tracker's first box is on it: nothing to redo
    weak = [Sample(s.time, SubjectEstimate(s.estimate.cx, s.estimate.cy, s.estimate.half_w, s.estimate.half_h,
                                           0.4, s.estimate.extent), 0) if i < 8 else s
            for i, s in enumerate(samples)]
    assert _seeded(weak, samples, opening) == weak


def test_no_confident_subject_in_the_opening_changes_nothing():
    frames = _frames()
    opening = {i: im for i, (t, _, im) in enumerate(frames) if t <= SEED_SECONDS}
    weak = [_off(t, 0.4) for t, _, _ in frames]
    assert _seeded(weak, weak, opening) == weak
