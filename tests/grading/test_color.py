"""The written-out CIELAB and CIEDE2000 of broll.grading.color agree with colour-science's."""

from __future__ import annotations

import numpy as np

from broll.grading.color import colour, delta_e00, rgb_to_lab


def _samples() -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.concatenate([rng.random((4000, 3)), rng.random((500, 3)) * 0.05,      # the dark, linear part
                           np.eye(3), np.zeros((1, 3)), np.ones((1, 3)),
                           rng.random((500, 3)) * 1.2 - 0.1])                          # out of range: clipped


def test_rgb_to_lab_is_colour_sciences_conversion():
    rgb = _samples()
    c = colour()
    want = c.XYZ_to_Lab(c.sRGB_to_XYZ(np.clip(rgb, 0, 1)))
    assert np.abs(rgb_to_lab(rgb) - want).max() < 1e-9
    image = rgb[:20].reshape(4, 5, 3)
    assert rgb_to_lab(image).shape == (4, 5, 3)
    assert np.abs(rgb_to_lab(image) - want[:20].reshape(4, 5, 3)).max() < 1e-9


def test_ciede2000_is_colour_sciences_on_every_hue_case():
    rng = np.random.default_rng(6)
    a = np.column_stack([rng.random(5000) * 100, rng.normal(0, 40, 5000), rng.normal(0, 40, 5000)])
    b = a + rng.normal(0, 6, a.shape)
    # greys (zero chroma), hues either side of 0/360 degrees, opposite hues, identical colours
    a = np.vstack([a, [[50, 0, 0], [50, 0, 0], [60, 1, -1e-3], [70, -5, -5], [40, 3, 3]]])
    b = np.vstack([b, [[50, 0, 0], [55, 3, 3], [60, 1, 1e-3], [71, 5, 5], [40, 3, 3]]])
    want = np.asarray(colour().delta_E(a, b, method="CIE 2000"))
    assert np.abs(delta_e00(a, b) - want).max() < 1e-9
    # broadcasting one colour against many, as the CLI's report does
    assert np.abs(delta_e00(a, b[:1]) - np.asarray(colour().delta_E(a, b[:1], method="CIE 2000"))).max() < 1e-9
