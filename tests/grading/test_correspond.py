"""Same-scene fits on registered pixel pairs (broll.grading.correspond)."""

from __future__ import annotations

import numpy as np

from broll.grading.color import delta_e00, rgb_to_lab, to_float
from broll.grading.correspond import PolynomialMap, correspondences, expand, fit_registered, plausible
from broll.grading.lut import apply_lut, bake
from broll.grading.match import fit_images, reference_from_images
from broll.grading.scene import same_scene
from broll.grading.transforms import Graded, apply_image
from broll.testing.casts import Cast

from .conftest import photo

CAST = Cast(gains=(1.3, 1.0, 0.7), gamma=1.25, saturation=0.6)


def _moved(truth: np.ndarray) -> np.ndarray:
    """A later moment: the camera turned and pushed in."""
    import cv2
    h, w = truth.shape[:2]
    return cv2.warpAffine(truth, cv2.getRotationMatrix2D((w / 2, h / 2), 4, 1.12), (w, h))[40:-40, 40:-40]


def _err(t, src, truth) -> float:
    return float(delta_e00(rgb_to_lab(apply_image(t, to_float(src))), rgb_to_lab(to_float(truth))).mean())


def test_a_confirmed_same_scene_is_fitted_on_registered_pairs_and_beats_mkl():
    truth = photo("astronaut", 512)
    crop = (slice(60, -60), slice(30, -90))
    src = CAST.apply(truth)[crop]
    fitted = fit_images([src], reference_from_images([_moved(truth)]), strength=1.0)
    assert fitted.scene == "same"
    assert fitted.details["selected"].startswith("registered pairs")
    assert "pairs" in fitted.details["registered pairs"]
    mkl = fit_images([src], reference_from_images([_moved(truth)]), strength=1.0, method="mkl-linear")
    assert _err(fitted.transform, src, truth[crop]) < 0.6 * _err(mkl.transform, src, truth[crop])


def test_pairs_skip_a_subject_that_moved():
    """A red block in the clip that the reference does not show is masked or voted out."""
    truth = photo("chelsea", 512)
    ref = _moved(truth)
    src = CAST.apply(truth)
    src[100:180, 200:300] = (220, 30, 30)
    scene = same_scene([src], [ref])
    assert scene.same
    s, r, tiles, info = correspondences([src], [ref], scene.pairs)
    assert info["frame pairs"] == 1 and len(s) > 2_000 and len(tiles) == len(s)
    fitted, _ = fit_registered(s, r, lambda x: x, to_float(src).reshape(-1, 3))
    keep = np.ones(src.shape[:2], bool)
    keep[100:180, 200:300] = False
    out = apply_image(Graded(fitted, 1.0), to_float(src))[keep]
    assert delta_e00(rgb_to_lab(out), rgb_to_lab(to_float(truth)[keep])).mean() < 1.5


def test_implausible_homographies_are_refused():
    assert plausible(np.eye(3), (200, 300))
    assert not plausible(np.diag([-1.0, 1.0, 1.0]), (200, 300))          # a mirror
    assert not plausible(np.diag([3.0, 3.0, 1.0]), (200, 300))           # 3x zoom in a few seconds
    tilt = np.eye(3)
    tilt[2, 0] = 0.01
    assert not plausible(tilt, (200, 300))                               # strong perspective


def test_the_polynomial_map_is_a_pure_colour_function_that_bakes_into_a_lut():
    rng = np.random.default_rng(0)
    x = rng.random((500, 3))
    target = np.clip(0.9 * x + 0.1 * x ** 2 + [0.02, 0.0, -0.02], 0, 1)
    coef = np.linalg.lstsq(expand(x), target, rcond=None)[0]
    t = PolynomialMap(coefficients=coef)
    direct = np.clip(t(x), 0, 1)
    baked = np.clip(apply_lut(bake(Graded(t, 1.0)), x), 0, 1)
    assert np.abs(direct - baked).max() < 0.02


def test_monomial_rows_are_the_powers_of_each_channel():
    from broll.grading.correspond import _exponents, monomial_rows
    rng = np.random.default_rng(1)
    x = rng.random((300, 3))
    rows = monomial_rows(x, 3)
    for t, (i, j, k) in enumerate(_exponents(3)):
        assert np.allclose(rows[t], x[:, 0] ** i * x[:, 1] ** j * x[:, 2] ** k, rtol=1e-12, atol=0)


def test_the_pair_fit_solves_the_weighted_least_squares_it_states():
    """On clean pairs (no outliers: every IRLS weight stays near 1) and a prior that agrees with
    them, the moment-based normal equations give the plain least-squares polynomial."""
    rng = np.random.default_rng(2)
    x = rng.random((4000, 3))
    truth = lambda v: np.clip(0.1 + 0.8 * v - 0.2 * v ** 2 + 0.15 * v[:, [1, 2, 0]] * v ** 2, 0, 1)  # noqa: E731
    for degree in (2, 3):
        fitted, info = fit_registered(x, truth(x), truth, rng.random((3000, 3)), degree=degree)
        coef = np.linalg.lstsq(expand(x, degree), truth(x), rcond=None)[0]
        grid = rng.random((2000, 3))
        assert info["inlier share"] > 0.99
        assert np.abs(fitted(grid) - expand(grid, degree) @ coef).max() < 2e-3
