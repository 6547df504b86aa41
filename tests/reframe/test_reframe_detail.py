"""The window leans towards the rest of the subject: the detailed region around the tracked part."""

from __future__ import annotations

import cv2
import numpy as np

from broll.reframe.analyse import Sample, path_from_samples
from broll.reframe.extent import detail_map, region
from broll.reframe.path import crop_geometry
from broll.reframe.subject import SubjectEstimate


def _sharp_head_on_soft_background(seed: int = 3) -> np.ndarray:
    """320x180 grey: a soft gradient background, a finely textured 'head' (x 80..200) in focus."""
    rng = np.random.default_rng(seed)
    grey = np.tile(np.linspace(90, 160, 320, dtype=np.float32), (180, 1))
    grey += cv2.GaussianBlur(rng.normal(0, 20, (180, 320)).astype(np.float32), (0, 0), 8)
    head = rng.integers(40, 220, (100, 120)).astype(np.float32)
    grey[40:140, 80:200] = cv2.GaussianBlur(head, (0, 0), 0.7)
    return np.clip(grey, 0, 255).astype(np.uint8)


def test_region_spans_the_detail_connected_to_the_core():
    grey = _sharp_head_on_soft_background()
    box = region(detail_map(grey), (90, 80, 110, 100))     # the tracked part: the head's left edge
    assert box is not None
    x0, y0, x1, y1 = box
    assert 70 <= x0 <= 92 and 188 <= x1 <= 212, box
    assert 30 <= y0 <= 52 and 128 <= y1 <= 150, box


def test_no_region_where_the_core_does_not_stand_out():
    grey = _sharp_head_on_soft_background()
    # the core on the soft background: its detail is the frame's typical level
    assert region(detail_map(grey), (250, 20, 270, 40)) is None
    # detail everywhere (a busy texture in focus): the map singles nothing out
    busy = np.random.default_rng(1).integers(0, 255, (180, 320)).astype(np.uint8)
    assert region(detail_map(busy), (150, 80, 170, 100)) is None


def _samples(cx, half, extent, reg, n=40, conf=0.9):
    est = SubjectEstimate(cx, 0.5, half, 0.05, conf, extent, reg)
    return [Sample(i / 10, est, 0) for i in range(n)]


def test_window_leans_towards_the_region_but_keeps_the_body():
    g = crop_geometry(1920, 1080, 1080, 1920)            # window 608 px of 1920
    body = (0.20, 0.4, 0.28, 0.6)                         # the tracked part and its body, 154 px
    plain = path_from_samples(_samples(0.24, 0.02, body, None), [], g)
    leaning = path_from_samples(_samples(0.24, 0.02, body, (0.20, 0.3, 0.45, 0.7)), [], g)
    a, b = plain.offset_at(2.0), leaning.offset_at(2.0)
    assert b > a + 50                                     # towards the rest of the head, on the right
    # the region (480 px) fits the window beside the body's pad, so all of it is held
    assert b <= 0.20 * 1920 + 0.5 and 0.45 * 1920 - 0.5 <= b + g.crop_w
    # a region far wider than the window pulls only as far as the padded body stays inside
    far = path_from_samples(_samples(0.24, 0.02, body, (0.20, 0.3, 0.95, 0.7)), [], g).offset_at(2.0)
    assert far <= 0.20 * 1920 and 0.28 * 1920 <= far + g.crop_w
    assert not leaning.widened and far > b


def test_a_still_subject_with_a_region_holds_still():
    g = crop_geometry(1920, 1080, 1080, 1920)
    path = path_from_samples(_samples(0.24, 0.02, (0.20, 0.4, 0.28, 0.6), (0.20, 0.3, 0.50, 0.7)), [], g)
    offsets = [path.offset_at(i / 10) for i in range(40)]
    assert max(offsets) - min(offsets) < 0.5
