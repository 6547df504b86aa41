"""Same content under a cast, judged on colour when structure is unsure (broll.grading.cast_check)."""

from __future__ import annotations

import math

import numpy as np

from broll.grading.cast_check import CAST_SAME, cast_of_same_content, mapped_histogram_distance
from broll.grading.color import to_float
from broll.grading.fit import fit_shot
from broll.grading.scene import SceneMatch
from broll.testing.casts import Cast

CAST = Cast(gains=(1.25, 1.0, 0.75), gamma=1.2, saturation=0.7)


def _scene(seed: int, size: tuple[int, int] = (96, 160)) -> np.ndarray:
    """A few flat, differently coloured regions with soft edges (a room, a street)."""
    import cv2
    rng = np.random.default_rng(seed)
    labels = cv2.resize(rng.integers(0, 5, (6, 10)).astype(np.uint8), (size[1], size[0]),
                        interpolation=cv2.INTER_NEAREST)
    palette = rng.uniform(0.1, 0.9, (5, 3))
    image = palette[labels] + rng.normal(0, 0.02, (*size, 3))
    return (np.clip(cv2.GaussianBlur(image, (0, 0), 1.5), 0, 1) * 255).round().astype(np.uint8)


def _pixels(image: np.ndarray) -> np.ndarray:
    return to_float(image).reshape(-1, 3)


def test_a_cast_of_the_same_content_lands_on_the_reference_and_other_content_does_not():
    ref = _scene(1)
    same = mapped_histogram_distance(_pixels(CAST.apply(ref)), _pixels(ref))
    other = mapped_histogram_distance(_pixels(CAST.apply(_scene(2))), _pixels(ref))
    assert same <= CAST_SAME < other


def test_colour_alone_never_decides_without_a_plausible_alignment():
    ref = _scene(1)
    for dense in (None, -1.0):
        same, distance = cast_of_same_content(_pixels(CAST.apply(ref)), _pixels(ref), dense)
        assert not same and math.isnan(distance)


def test_an_unsure_scene_with_matching_colours_gets_the_full_match_and_says_why():
    ref = _scene(3)
    src = _pixels(CAST.apply(ref))
    unsure = SceneMatch(False, inliers=4, share=0.4, dense=0.55)
    fitted = fit_shot(src, _pixels(ref), strength=1.0, scene=unsure)
    assert fitted.scene == "same" and "content-differs" not in fitted.safeguards
    assert "full match" in fitted.details["same content by colour"]
    other = fit_shot(_pixels(CAST.apply(_scene(4))), _pixels(ref), strength=1.0, scene=unsure)
    assert other.scene == "different" and "not confirmed" in other.details["same content by colour"]


def _moment(layout: int, size: tuple[int, int] = (96, 160)) -> np.ndarray:
    """One moment of a shot: the same five things (one palette), arranged by ``layout`` (moved)."""
    import cv2
    rng = np.random.default_rng(layout)
    labels = cv2.resize(rng.integers(0, 5, (6, 10)).astype(np.uint8), (size[1], size[0]),
                        interpolation=cv2.INTER_NEAREST)
    palette = np.random.default_rng(1).uniform(0.1, 0.9, (5, 3))
    image = palette[labels] + rng.normal(0, 0.02, (*size, 3))
    return (np.clip(cv2.GaussianBlur(image, (0, 0), 1.5), 0, 1) * 255).round().astype(np.uint8)


def test_an_uncast_clip_confirmed_by_colour_alone_moves_no_further_than_max_change():
    # an uncast clip graded to a later moment of itself: the things are the same but their
    # proportions changed, so the colour check confirms it and a full match pulls the clip
    # onto the other moment's proportions (2.6 dE00 of pure harm here, 8.9-9.8 on real footage)
    from broll.grading.color import delta_e00, rgb_to_lab
    src, ref = _pixels(_moment(1)), _pixels(_moment(33))
    unsure = SceneMatch(False, inliers=4, share=0.4, dense=0.55)
    fitted = fit_shot(src, ref, strength=1.0, scene=unsure, max_change=1.0)
    assert fitted.scene == "same" and "full match" in fitted.details["same content by colour"]
    harm = float(np.mean(delta_e00(rgb_to_lab(np.clip(fitted.transform(src), 0, 1)), rgb_to_lab(src))))
    assert "change-capped" in fitted.safeguards and "colour only" in fitted.details["change-capped"]
    assert harm <= 1.05 and fitted.change <= 1.05
    # a match confirmed by structure keeps the full strength (the cap is for colour-only evidence)
    confirmed = fit_shot(src, ref, strength=1.0, scene=SceneMatch(True, inliers=80, share=0.9, dense=0.95),
                         max_change=1.0)
    assert confirmed.strength == 1.0 and "change-capped" not in confirmed.safeguards
