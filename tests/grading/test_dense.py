"""Same scene by dense alignment when features are too few (broll.grading.dense)."""

from __future__ import annotations

import numpy as np

from broll.grading.color import delta_e00, rgb_to_lab, to_float
from broll.grading.dense import DENSE_SAME, align
from broll.grading.match import fit_images, reference_from_images
from broll.grading.scene import MIN_INLIERS, same_scene
from broll.grading.transforms import apply_image
from broll.testing.casts import Cast

CAST = Cast(gains=(1.3, 1.0, 0.7), gamma=1.25, saturation=0.6)


def _smooth_scene(seed: int, size: tuple[int, int] = (256, 448)) -> np.ndarray:
    """Large soft colour blobs: structure a dense alignment sees, but almost no corners for ORB."""
    import cv2
    rng = np.random.default_rng(seed)
    field = rng.random((size[0] // 16, size[1] // 16, 3)).astype(np.float32)
    big = cv2.resize(field, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    big = cv2.GaussianBlur(big, (0, 0), 10)
    big = (big - big.min()) / (big.max() - big.min())
    out = (np.clip(0.1 + 0.8 * big, 0, 1) * 255).round().astype(np.uint8)
    return cv2.GaussianBlur(out, (0, 0), 20)


def _shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    h, w = image.shape[:2]
    return image[16 + dy:h - 16 + dy, 16 + dx:w - 16 + dx]


def test_a_featureless_same_shot_is_confirmed_by_dense_alignment_and_fully_matched():
    scene = _smooth_scene(1)
    truth = _shifted(scene, 0, 0)
    ref = _shifted(scene, 9, 5)                 # a later moment: the camera drifted
    src = CAST.apply(truth)
    match = same_scene([src], [ref])
    assert match.inliers < MIN_INLIERS          # features alone would call it other content
    assert match.same and match.dense is not None and match.dense >= DENSE_SAME
    assert "dense alignment" in match.describe()
    fitted = fit_images([src], reference_from_images([ref]), strength=1.0)
    assert fitted.scene == "same" and "content-differs" not in fitted.safeguards
    before = delta_e00(rgb_to_lab(to_float(src)), rgb_to_lab(to_float(truth))).mean()
    after = delta_e00(rgb_to_lab(apply_image(fitted.transform, to_float(src))), rgb_to_lab(to_float(truth))).mean()
    assert before > 6 and after < 0.35 * before


def test_other_content_is_not_confirmed_by_dense_alignment():
    src = CAST.apply(_shifted(_smooth_scene(2), 0, 0))
    ref = _shifted(_smooth_scene(3), 0, 0)
    match = same_scene([src], [ref])
    assert not match.same and match.dense is not None and match.dense < DENSE_SAME
    fitted = fit_images([src], reference_from_images([ref]))
    assert fitted.scene == "different"


def test_alignment_refuses_another_aspect_ratio():
    a = _smooth_scene(4)
    assert align(a, a[:, :200])[1] is None
    cc, h = align(a, a)
    assert cc > 0.99 and np.allclose(h, np.eye(3), atol=0.05)
