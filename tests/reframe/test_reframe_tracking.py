"""The crop window follows the subject: inside in >= 95% of frames, low jerk, steady when static."""

from __future__ import annotations

import numpy as np
import pytest

from broll.reframe import subject_path
from broll.reframe.smooth import jerk

from disc_clips import MOTIONS, RADIUS

VERTICAL = (1080, 1920)


def _evaluate(path, motion: str):
    _, centre_x, duration, _ = MOTIONS[motion]
    frames = int(duration * 30)
    offsets = np.array([path.offset_at(i / 30) for i in range(frames)])
    w = path.geometry.crop_w
    inside = [off <= centre_x(i / 30) - RADIUS and centre_x(i / 30) + RADIUS <= off + w
              for i, off in enumerate(offsets)]
    return float(np.mean(inside)), offsets


@pytest.mark.parametrize("motion", ["linear", "sine", "pause"])
def test_subject_stays_inside_the_vertical_crop(discs, motion):
    path = subject_path(discs.make(motion), VERTICAL)
    assert path.geometry.axis == "x" and path.geometry.crop_w == 102
    inside, offsets = _evaluate(path, motion)
    assert inside >= 0.95, f"{motion}: subject inside only {inside:.1%} of frames"
    # the smoothed path is far less jolty than the raw per-frame estimates, and gentle in absolute terms
    assert path.stats["path_jerk"] < path.stats["raw_jerk"] / 2
    assert jerk(offsets) < 1.0       # source pixels per frame^3
    assert path.offset_at(0) != path.offset_at(MOTIONS[motion][2] - 0.1), "the window never moved"


def test_static_shot_holds_still(discs):
    path = subject_path(discs.make("static"), VERTICAL)
    assert path.is_static
    inside, offsets = _evaluate(path, "static")
    assert inside == 1.0 and np.ptp(offsets) < 0.5
    assert path.expression().isdigit()


def test_square_and_portrait_crops(discs):
    clip = discs.make("linear")
    for size, crop_w in (((1080, 1080), 180), ((1080, 1350), 144)):
        path = subject_path(clip, size)
        assert path.geometry.crop_w == crop_w
        inside, _ = _evaluate(path, "linear")
        assert inside >= 0.95


def test_cut_jumps_instead_of_gliding(discs):
    path = subject_path(discs.two_shots(), VERTICAL)
    assert len(path.cuts) == 1 and abs(path.cuts[0] - 1.0) < 0.05
    w = path.geometry.crop_w
    before, after = path.offset_at(0.95), path.offset_at(1.0)
    assert before <= 60 - RADIUS and 60 + RADIUS <= before + w
    assert after <= 260 - RADIUS and 260 + RADIUS <= after + w


def test_same_aspect_needs_no_path(discs):
    path = subject_path(discs.make("linear"), (640, 360))
    assert path.geometry.axis == "" and path.segments == ()
