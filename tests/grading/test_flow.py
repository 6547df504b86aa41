"""Pixel pairs from dense flow on top of the homography (broll.grading.flow)."""

from __future__ import annotations

import numpy as np

from broll.grading.color import to_float
from broll.grading.flow import flow_pairs, held_back, rank_luma
from broll.testing.casts import Cast

from .conftest import photo


def test_rank_luma_is_unchanged_by_a_monotone_tone_change():
    rng = np.random.default_rng(0)
    grey = rng.random((40, 60)).astype(np.float32)
    mask = np.ones(grey.shape, bool)
    mask[:5] = False
    a, b = rank_luma(grey, mask).astype(int), rank_luma(0.2 + 0.7 * grey ** 1.6, mask).astype(int)
    assert np.abs(a - b).max() <= 2 and np.mean(a != b) < 0.2
    assert a[mask].min() == 0 and a[mask].max() == 255


def _with_moved_block(image: np.ndarray, shift: int) -> np.ndarray:
    """The same picture with one block (a subject) moved ``shift`` px to the right."""
    out = image.copy()
    out[80:160, 120 + shift:220 + shift] = image[80:160, 120:220]
    return out


def test_pairs_follow_a_subject_that_moved_and_see_only_the_cast():
    truth = photo("chelsea", 384)
    ref = to_float(truth).astype(np.float32)
    cast = Cast(gains=(1.25, 1.0, 0.75), gamma=1.2, saturation=0.7)
    moved = _with_moved_block(truth, 12)                 # the subject moved between the two moments
    clip = to_float(cast.apply(moved)).astype(np.float32)
    inside = np.ones(ref.shape[:2], bool)
    s, r, tiles = flow_pairs(ref, clip, inside)
    assert len(s) > 0.3 * inside.sum() and len(tiles) == len(s)
    # each pair is a clip colour and the reference colour of the same point: the cast's map,
    # evaluated on the paired reference colour, gives the paired clip colour
    expected = to_float(cast.apply((r * 255).round().astype(np.uint8)[None]))[0]
    assert np.median(np.abs(expected - s).max(axis=1)) < 0.02
    # without the flow (the homography alone, here the identity) the moved block is misregistered
    block = np.zeros(inside.shape, bool)
    block[85:155, 125:215] = True
    assert np.abs(to_float(cast.apply(truth))[block] - clip[block]).max(axis=1).mean() > \
        2 * np.median(np.abs(expected - s).max(axis=1))


def test_an_occluded_region_is_not_paired():
    truth = photo("astronaut", 384)
    ref = to_float(truth).astype(np.float32)
    clip = ref.copy()
    clip[100:170, 150:250] = (0.9, 0.1, 0.1)             # a subject only the clip shows
    s, r, _ = flow_pairs(ref, clip, np.ones(ref.shape[:2], bool))
    red_in_clip = (s[:, 0] > 0.8) & (s[:, 1] < 0.2) & (s[:, 2] < 0.2)
    assert red_in_clip.sum() < 0.1 * 70 * 100


def test_held_back_tiles_form_a_checkerboard():
    ty, tx = np.mgrid[0:6, 0:8]
    tiles = (ty * 10_000 + tx).ravel()
    check = held_back(tiles)
    assert check.sum() == len(tiles) // 2
    grid = check.reshape(6, 8)
    assert not np.any(grid[:, 1:] == grid[:, :-1]) and not np.any(grid[1:] == grid[:-1])
