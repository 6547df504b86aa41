"""Fitting on synthetic casts of real photographs: accuracy, safeguards, strength, paired mode."""

from __future__ import annotations

import numpy as np
import pytest

from broll.errors import UnknownNameError
from broll.testing.casts import STANDARD_CASTS, Cast
from broll.grading.color import delta_e00, rgb_to_lab, to_float
from broll.grading.fit import GRADE_METHODS, fit_paired, fit_shot, get_method, is_paired
from broll.grading.match import fit_images, reference_from_images
from broll.grading.metrics import jitter
from broll.grading.pixels import pool
from broll.grading.transforms import Graded, apply_image

from .conftest import PHOTOS, photo


def de_to_truth(out: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return delta_e00(rgb_to_lab(out), rgb_to_lab(to_float(truth)))


def fit(src, ref, **kw):
    """One shot from its frame(s) against a reference still, as `broll grade` fits it."""
    frames = src if isinstance(src, list) else [src]
    return fit_images(frames, reference_from_images(ref if isinstance(ref, list) else [ref]), **kw)


def graded(fitted, image):
    return apply_image(fitted.transform, to_float(image))


def test_same_framing_meets_the_accuracy_target():
    """S1: cast photo matched to its own un-cast original, full strength."""
    means, p95s, plain = [], [], []
    for name in PHOTOS:
        truth = photo(name)
        for cast in STANDARD_CASTS:
            src = cast.apply(truth)
            err = de_to_truth(graded(fit(src, truth, strength=1.0), src), truth)
            means.append(err.mean())
            p95s.append(np.percentile(err, 95))
            plain.append(de_to_truth(to_float(src), truth).mean())
    assert np.mean(plain) > 4.0                      # the casts are real
    assert np.mean(means) <= 1.0
    assert np.mean(p95s) <= 2.2


def test_mkl_beats_reinhard_and_plain_mkl_on_same_framing():
    truth = photo("coffee")
    src = STANDARD_CASTS[0].apply(truth)
    errs = {m: de_to_truth(graded(fit(src, truth, method=m, strength=1.0), src), truth).mean()
            for m in ("mkl", "mkl-linear", "reinhard")}
    assert errs["mkl"] < errs["mkl-linear"] < errs["reinhard"]


def test_different_content_never_much_worse_than_doing_nothing():
    """S2: source = right 65% of the cast photo, reference = left 65% of the original."""
    worse, pairs = 0, 0
    for name in PHOTOS:
        truth = photo(name)
        w = truth.shape[1]
        k = int(w * 0.65)
        for cast in STANDARD_CASTS:
            c = cast.apply(truth)
            for src, tru, ref in ((c[:, w - k:], truth[:, w - k:], truth[:, :k]), (c[:, :k], truth[:, :k], truth[:, w - k:])):
                before = de_to_truth(to_float(src), tru).mean()
                after = de_to_truth(graded(fit(src, ref, strength=1.0), src), tru).mean()
                worse += after > before + 0.5
                pairs += 1
    assert worse <= 0.1 * pairs


def test_one_unrelated_still_leaves_the_clip_unchanged():
    """Do no harm: one still of other content does not say which colours are its look."""
    src = STANDARD_CASTS[1].apply(photo("astronaut"))
    fitted = fit(src, photo("coffee"))
    assert fitted.method == "identity" and fitted.scene == "different" and fitted.change == 0.0
    assert {"content-differs", "look-not-identifiable"} <= set(fitted.safeguards)
    assert "matched features" in fitted.details["content-differs"]
    assert "look book" in fitted.details["look-not-identifiable"]
    assert np.abs(graded(fitted, src) - to_float(src)).max() <= 1.5 / 255


def _tinted(image: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    """``image`` with every pixel's a*b* shifted: a strong split-free look (a colour wash)."""
    from broll.grading.color import lab_to_rgb
    lab = rgb_to_lab(to_float(image).reshape(-1, 3))
    lab[:, 1:] += ab
    return (np.clip(lab_to_rgb(lab), 0, 1).reshape(image.shape) * 255).round().astype(np.uint8)


def _book_fit(src: np.ndarray, stills: list[np.ndarray]):
    from broll.grading.match import fit_images, reference_from_images
    return fit_images([src], reference_from_images(stills), paired=False)


def test_a_look_book_transfers_a_shared_tint_beyond_what_content_explains():
    stills = [_tinted(photo(n), (14.0, -22.0)) for n in ("coffee", "chelsea", "rocket")]
    src = photo("astronaut")
    fitted = _book_fit(src, stills)
    assert fitted.method == "look" and fitted.components["confidence"] == 1.0
    shift = rgb_to_lab(to_float(graded(fitted, src)).reshape(-1, 3)).mean(axis=0) - \
        rgb_to_lab(to_float(src).reshape(-1, 3)).mean(axis=0)
    assert shift[1] > 2                            # towards the book's magenta wash
    assert fitted.components["tint midtones"] > 2
    assert abs(shift[0]) < 2.5                     # the stills' tone is natural: lightness barely moves


def test_a_look_book_of_plain_stills_moves_the_clip_little():
    """Uncast stills of other scenes are mostly content, not a look: only a small move."""
    stills = [photo(n) for n in ("coffee", "chelsea", "rocket")]
    src = photo("astronaut")
    fitted = _book_fit(src, stills)
    # a look book is the look asked for: these three photographs are warmer and brighter than
    # the average real clip (coffee, a ginger cat, a sunlit rocket), and that much is taken,
    # weighted down by what content explains and never beyond the default change cap
    from broll.grading.fit import MAX_CHANGE
    assert fitted.change <= MAX_CHANGE + 0.1


def test_same_scene_is_confirmed_under_a_strong_cast_and_motion():
    """A later, shifted and zoomed moment of the same picture, under a strong cast: full match, uncapped."""
    import cv2
    truth = photo("astronaut", 512)
    h, w = truth.shape[:2]
    moved = cv2.warpAffine(truth, cv2.getRotationMatrix2D((w / 2, h / 2), 4, 1.12), (w, h))[40:-40, 40:-40]
    cast = Cast(gains=(1.3, 1.0, 0.7), gamma=1.25, saturation=0.6)
    src = cast.apply(truth)[60:-60, 30:-90]
    fitted = fit(src, moved, strength=1.0, max_change=2.0)
    assert fitted.scene == "same" and fitted.method == "mkl"
    assert "content-differs" not in fitted.safeguards and "change-capped" not in fitted.safeguards
    assert fitted.change > 2.0          # the cap does not limit a confirmed match
    before = de_to_truth(to_float(src), truth[60:-60, 30:-90]).mean()
    after = de_to_truth(graded(fitted, src), truth[60:-60, 30:-90]).mean()
    assert before > 6 and after < 0.3 * before


def test_a_reference_reused_across_clips_gives_the_same_fits():
    """What is derived from the reference alone is kept with it (a build grades many clips to
    one reference): the second and third clips fitted to it get exactly what a fresh reference gives."""
    import cv2
    truth = photo("astronaut", 384)
    h, w = truth.shape[:2]
    moved = cv2.warpAffine(truth, cv2.getRotationMatrix2D((w / 2, h / 2), 3, 1.08), (w, h))[30:-30, 30:-30]
    shared = reference_from_images([moved])
    probe = np.random.default_rng(3).uniform(0, 1, (2000, 3))
    for cast in STANDARD_CASTS[:3]:
        src = cast.apply(truth)[40:-40, 20:-60]
        kept = fit(src, shared.images[0])          # a fresh reference each time
        again = fit_images([src], shared)
        assert again.scene == kept.scene == "same"
        assert again.details["selected"] == kept.details["selected"]
        assert np.array_equal(again.transform(probe), kept.transform(probe))
    assert shared.features and {"mean", "cov", "gate sample palette"} <= set(shared.pool.derived)


def test_near_grey_clip_is_only_balanced():
    grey = Cast(saturation=0.03).apply(photo("chelsea"))
    fitted = fit(grey, photo("coffee"))
    assert fitted.method == "balance"
    assert "near-grey" in fitted.safeguards
    out_lab = rgb_to_lab(graded(fitted, grey).reshape(-1, 3))
    # a full map would stretch noise into strong colour; balance keeps it near grey
    assert np.percentile(np.hypot(out_lab[:, 1], out_lab[:, 2]), 95) < 15


def test_change_cap_limits_the_mean_change():
    src = photo("coffee")
    dark_teal = Cast(gains=(0.5, 1.1, 1.4), exposure=0.5, saturation=1.6).apply(src)
    fitted = fit(src, dark_teal, method="balance", strength=1.0, max_change=3.0)
    assert "max_change 3" in fitted.details["change-capped"]
    assert "change-capped" in fitted.safeguards
    assert fitted.strength < 1.0
    assert fitted.change <= 3.1


def test_strength_blends_linearly_and_zero_is_identity():
    truth = photo("chelsea")
    src = STANDARD_CASTS[2].apply(truth)
    full = fit(src, truth, strength=1.0)
    rgb = np.random.default_rng(1).uniform(0.2, 0.9, (500, 3))
    half = Graded(full.transform.core, 0.5)(rgb)
    assert np.allclose(half, rgb + 0.5 * (np.clip(full.transform.core(rgb), 0, 1) - rgb), atol=1e-9)
    none = fit(src, truth, strength=0.0)
    assert np.allclose(none.transform(rgb), rgb)


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(UnknownNameError) as exc:
        get_method("mlk")
    assert "mkl" in str(exc.value) and "balance" in str(exc.value)
    assert {"mkl", "reinhard", "balance"} <= set(GRADE_METHODS)


def test_letterbox_bars_are_ignored_and_stay_black():
    img = STANDARD_CASTS[0].apply(photo("coffee"))
    boxed = np.zeros((img.shape[0] + 60, img.shape[1], 3), np.uint8)
    boxed[30:-30] = img
    p_boxed, p_plain = pool([boxed]), pool([img])
    assert p_boxed.box.has_bars and (p_boxed.box.top, p_boxed.box.bottom) == (30, 30 + img.shape[0])
    assert np.allclose(p_boxed.rgb.mean(axis=0), p_plain.rgb.mean(axis=0), atol=1e-3)
    ref = photo("coffee")
    fitted = fit([boxed], ref, strength=1.0)
    assert fitted.method == "mkl"
    out = graded(fitted, boxed)
    assert out[:30].max() < 1e-6 and out[-30:].max() < 1e-6   # bars are not lifted


def test_paired_mode_detects_the_reference_frame_and_is_near_oracle():
    truth = photo("astronaut")
    src = STANDARD_CASTS[0].apply(truth)
    assert is_paired(src, truth)
    assert not is_paired(src, photo("astronaut")[:, ::-1])
    t = fit_paired(src, truth)
    fitted = fit(src, truth, strength=1.0, first=src)
    assert np.allclose(fitted.transform.core(to_float(src).reshape(-1, 3)[:50]), t(to_float(src).reshape(-1, 3)[:50]))
    assert fitted.paired and fitted.method == "paired"
    assert de_to_truth(graded(fitted, src), truth).mean() < 0.6


def test_one_transform_per_shot_has_no_jitter_but_per_frame_fits_do():
    truth = photo("chelsea", 384)
    cast = STANDARD_CASTS[1].apply(truth)
    frames = [cast[:, i * 8: i * 8 + 256] for i in range(8)]
    frames[3] = frames[3].copy()
    frames[3][40:80, 40:80] = (230, 20, 20)   # a blinking red light
    shot = fit(frames, truth).transform
    per_frame = [fit(f, truth).transform for f in frames]
    assert jitter([shot] * len(frames)) == 0.0
    assert jitter(per_frame) > 0.05


def test_ciede2000_matches_sharma_pair_1():
    d = delta_e00(np.array([50.0, 2.6772, -79.7751]), np.array([50.0, 0.0, -82.7485]))
    assert abs(float(d) - 2.0425) < 1e-4


def test_a_grade_never_leaves_the_palette_further_from_the_reference():
    """The no-gain safeguard: whatever the method picks, the reported palette distance never grows."""
    rng = np.random.default_rng(3)
    for name in PHOTOS:
        truth = photo(name)
        for cast in STANDARD_CASTS:
            src = cast.apply(truth)
            for method in ("mkl", "reinhard", "balance"):
                ref = truth[:, ::-1] if rng.random() < 0.5 else truth[::2, ::2]
                fitted = fit(src, ref, method=method, strength=1.0)
                assert fitted.de_after <= fitted.de_before + 0.1, (name, method, fitted.safeguards)


def test_no_gain_steps_down_a_grade_that_would_move_away():
    class Worse:
        """A transform that pushes everything towards magenta."""
        def __call__(self, rgb):
            out = np.array(rgb, dtype=np.float64)
            out[..., 1] *= 0.6
            return out

    src = photo("coffee")
    fitted = fit_shot(pool([src]), pool([src]), core=Worse(), strength=1.0)
    assert "no-gain" in fitted.safeguards
    assert fitted.strength == 0.0 and fitted.de_after == fitted.de_before and fitted.change == 0.0


def _log_encoded(image: np.ndarray, encoding: str) -> np.ndarray:
    """The photo as a log camera records it: scene-linear light through a log curve, washed out."""
    from broll.grading.color import colour, decode
    lin = decode(to_float(image))
    luma = lin @ np.array([0.2126, 0.7152, 0.0722])
    wide = luma[..., None] + 0.65 * (lin - luma[..., None])   # a wide gamut reads desaturated in Rec.709
    encode = {"slog3": colour().models.log_encoding_SLog3, "vlog": colour().models.log_encoding_VLog,
              "logc3": colour().models.log_encoding_ARRILogC3}[encoding]
    return np.clip(np.round(encode(wide) * 255), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("encoding", ["slog3", "vlog", "logc3"])
def test_untagged_log_footage_is_only_balanced(encoding):
    flat = _log_encoded(photo("astronaut"), encoding)
    fitted = fit(flat, photo("coffee"))
    assert "looks-like-log" in fitted.safeguards and fitted.method == "balance"


@pytest.mark.parametrize("name", PHOTOS)
def test_ordinary_and_hazy_pictures_do_not_look_like_log(name):
    img = photo(name)
    hazy = np.clip(np.round((0.55 * to_float(img) + 0.45 * 0.75) * 255), 0, 255).astype(np.uint8)
    for picture in (img, hazy, STANDARD_CASTS[1].apply(img)):
        assert "looks-like-log" not in fit(picture, img).safeguards


def test_a_confirmed_match_corrects_the_shadows_and_keeps_pure_black():
    """A same-scene match is measured evidence down to the shadows: a dark pixel gets the whole
    correction (the wide black ramp left a strong cast's shadows uncorrected), pure black none."""
    from broll.grading.transforms import BLACK_RAMP, MATCHED_BLACK_RAMP
    truth = photo("coffee")
    src = Cast(gains=(1.1, 1.0, 0.85), gamma=1.3).apply(truth)
    fitted = fit(src, truth, strength=1.0)
    assert fitted.scene == "same" and fitted.transform.black == MATCHED_BLACK_RAMP
    dark = np.array([[0.04, 0.035, 0.03], [0.06, 0.05, 0.05]])
    assert np.allclose(fitted.transform(dark), np.clip(fitted.transform.core(dark), 0, 1), atol=1e-9)
    assert fitted.transform(np.zeros((1, 3))).max() == 0.0
    other = fit(src, photo("rocket"))
    assert other.scene == "different" and other.transform.black == BLACK_RAMP
