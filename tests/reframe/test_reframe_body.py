"""The window keeps the subject's whole body, not only the strongest part the tracker locks on."""

from __future__ import annotations

import cv2
import numpy as np

from broll.reframe.analyse import Sample, path_from_samples
from broll.reframe.path import crop_geometry
from broll.reframe.subject import SubjectEstimate
from broll.reframe.tracker import _blob_at


def _evidence_with_a_bright_eye():
    """A 320x180 map: a body (weak evidence, x 100..200) with a small bright spot at its left edge."""
    ev = np.zeros((180, 320), np.float32)
    cv2.rectangle(ev, (100, 50), (200, 130), 0.35, -1)
    cv2.circle(ev, (115, 90), 10, 1.0, -1)
    cv2.rectangle(ev, (200, 88), (319, 91), 0.3, -1)     # a thin bridge to the frame's edge
    return cv2.GaussianBlur(ev, (0, 0), 2)


def test_body_spans_the_weaker_evidence_around_the_core():
    blob = _blob_at(_evidence_with_a_bright_eye(), 90, 115)
    assert blob is not None and blob.extent is not None
    x0, y0, x1, y1 = blob.extent
    # the core is the eye (~20 px); the body reaches across the block, up to 1.5 core sizes ...
    assert blob.half_w < 15
    assert x0 < 105 and x1 > 150, blob.extent
    # ... but no further, and the thin bridge does not drag it to the frame's edge
    assert x1 < 215, blob.extent
    assert 45 <= y0 <= 60 and 120 <= y1 <= 136, blob.extent


def test_no_evidence_no_blob():
    assert _blob_at(np.zeros((90, 160), np.float32), 45, 80) is None


def _samples(cx, half, extent, n=40, conf=0.9):
    est = SubjectEstimate(cx, 0.5, half, 0.05, conf, extent)
    return [Sample(i / 10, est, 0) for i in range(n)]


def test_window_holds_the_body_and_aims_at_its_middle():
    g = crop_geometry(1920, 1080, 1080, 1920)           # window 608 px of 1920
    body = (0.30, 0.3, 0.56, 0.7)                        # 499 px wide, core at its left edge
    path = path_from_samples(_samples(0.32, 0.02, body), [], g)
    left = path.offset_at(2.0)
    # the padded body cannot fit, so the window centres on the body: the whole body is inside
    assert left <= body[0] * 1920 and body[2] * 1920 <= left + g.crop_w
    assert abs(left + g.crop_w / 2 - 0.43 * 1920) < 20
    # with the core only, the window would have sat around the core and cut the body
    core_only = path_from_samples(_samples(0.32, 0.02, None), [], g)
    assert core_only.offset_at(2.0) + g.crop_w < body[2] * 1920


def test_body_padding_is_kept_when_it_fits():
    g = crop_geometry(1920, 1080, 1080, 1920)
    body = (0.60, 0.3, 0.75, 0.7)                        # 288 px: fits with its 30% padding
    path = path_from_samples(_samples(0.62, 0.02, body), [], g)
    left = path.offset_at(2.0)
    pad = 0.3 * 0.15 * 1920
    assert left <= body[0] * 1920 - pad + 1 and body[2] * 1920 + pad - 1 <= left + g.crop_w
    assert path.is_static


def test_a_sure_core_is_held_before_a_body_that_leaks_to_one_side():
    g = crop_geometry(1920, 1080, 1080, 1920)           # window 608 px of 1920
    body = (0.25, 0.3, 0.64, 0.7)                        # 749 px: wider than the window, core at its right end
    core = (0.56 * 1920, 0.64 * 1920)
    path = path_from_samples(_samples(0.60, 0.04, body), [], g)
    left = path.offset_at(2.0)
    # the core is whole, with its margin (twice its half-width) on the side away from the body ...
    assert left <= core[0] - 0.04 * 1920 + 1 and core[1] + 0.04 * 1920 - 1 <= left + g.crop_w
    # ... and the window leans to the body as far as that allows (not centred on the core)
    assert left + g.crop_w <= core[1] + 0.08 * 1920 + 2
    # a weak sample's core is not trusted more than its body: the window keeps the body's middle
    weak = path_from_samples(_samples(0.60, 0.04, body, conf=0.4), [], g)
    middle = (body[0] + body[2]) / 2 * 1920
    assert abs(weak.offset_at(2.0) + g.crop_w / 2 - middle) < 20
    assert weak.offset_at(2.0) + g.crop_w < core[1]
