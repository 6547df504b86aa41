"""The look-transfer estimator on synthetic looks (pure: L*a*b* pixel sets in, a transform out)."""

import numpy as np
import pytest

from broll.grading import look_transfer as lt
from broll.grading.color import rgb_to_lab
from broll.testing.looks import LOOKS


def _scene(seed: int, n: int = 6000, greys: float = 0.5) -> np.ndarray:
    """A synthetic 'natural' scene: a few coloured objects on near-neutral surfaces (``greys``
    of the pixels), full tonal range."""
    rng = np.random.default_rng(seed)
    grey = rng.uniform(0.04, 0.96, n)[:, None] * np.ones(3) + rng.normal(0, 0.01, (n, 3))
    hues = rng.uniform(0.2, 0.8, (4, 3))
    objects = hues[rng.integers(0, 4, n)] * rng.uniform(0.3, 1.1, n)[:, None]
    mix = rng.random(n) < greys
    return np.clip(np.where(mix[:, None], grey, objects), 0, 1)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(np.clip(rgb, 0, 1))


def test_one_still_transfers_nothing():
    src = _scene(1)
    t, comp = lt.estimate_look(_lab(src), [_lab(LOOKS["warm"](_scene(2)))])
    assert comp["confidence"] == 0.0 and not lt.transferred(comp)
    assert np.allclose(t(src), np.clip(src, 0, 1), atol=2e-3)


def _strong_warm(rgb: np.ndarray) -> np.ndarray:
    """The benchmark's warm look twice: warmer than real footage's usual slightly warm neutrals."""
    return LOOKS["warm"](LOOKS["warm"](rgb))


def test_a_look_book_of_a_warm_look_warms_the_clip_in_every_band():
    src = _scene(1)
    book = [_lab(_strong_warm(_scene(s))) for s in (2, 3, 4)]
    t, comp = lt.estimate_look(_lab(src), book)
    assert comp["stills"] == 3 and comp["confidence"] == 1.0 and lt.transferred(comp)
    before, after = lt.neutral_tint(_lab(src)), lt.neutral_tint(_lab(t(src)))
    assert np.all((after - before)[1:5, 1] > 0.5)                 # b* of the greys rises: warmer
    truth = lt.neutral_tint(_lab(_strong_warm(src)))
    # part of the way, not past the look itself
    assert (after - before)[1:5, 1].mean() < (truth - before)[1:5, 1].mean()


def test_a_look_book_of_a_cool_look_cools_and_a_desaturating_one_desaturates():
    src = _scene(5)
    _, warm = lt.estimate_look(_lab(src), [_lab(LOOKS["warm"](_scene(s))) for s in (6, 7, 8)])
    t, cool = lt.estimate_look(_lab(src), [_lab(LOOKS["cool"](_scene(s))) for s in (6, 7, 8)])
    assert lt.neutral_tint(_lab(t(src)))[2, 1] < lt.neutral_tint(_lab(src))[2, 1]
    _, bleach = lt.estimate_look(_lab(src), [_lab(LOOKS["bleach-bypass"](_scene(s))) for s in (6, 7, 8)])
    assert bleach["saturation"] < 1.0


def test_faded_blacks_lift_the_clip_blacks_from_three_stills():
    src = _scene(9)
    t, comp = lt.estimate_look(_lab(src), [_lab(LOOKS["faded"](_scene(s))) for s in (10, 11, 12)])
    assert comp["tone"] > 0.5
    dark = np.full((1, 3), 0.06)
    # (by 0.9 L* here: real footage's blacks spread 9 L* from clip to clip, so three stills earn a third of the lift)
    assert _lab(t(dark))[0, 0] > _lab(dark)[0, 0] + 0.5


def test_more_stills_weigh_the_evidence_more():
    """The posterior share grows with the stills: content noise averages out as 1/n."""
    still = lt.look_stats(_lab(_strong_warm(_scene(2))))
    shift = [np.abs(lt.tint_look([still] * n))[1:5, 1].mean() for n in (1, 3, 8)]
    departure = np.abs(still.tint - lt.NATURAL_TINT)[1:5, 1].mean()
    assert shift[0] < shift[1] < shift[2] < departure


def test_stills_with_real_greys_say_more_about_the_tint_than_stills_without():
    """A band whose least chromatic pixels cluster tightly (real greys) reads white balance; one
    whose 'greys' are only the dullest coloured surfaces reads content, and is trusted less."""
    with_greys = [lt.look_stats(_lab(_strong_warm(_scene(s)))) for s in (2, 3, 4)]
    without = [lt.look_stats(_lab(_strong_warm(_scene(s, greys=0.0)))) for s in (2, 3, 4)]
    assert np.median([r.tint_spread for r in with_greys]) < np.median([r.tint_spread for r in without])
    share = lambda refs: np.abs(lt.tint_look(refs)).sum() / np.abs(  # noqa: E731
        np.median([r.tint for r in refs], axis=0) - lt.NATURAL_TINT).sum()
    assert share(with_greys) > share(without)


@pytest.mark.parametrize("look", ["warm", "cool", "teal-orange"])
def test_a_look_book_moves_a_clip_towards_the_same_clip_with_the_look(look):
    from broll.grading.color import delta_e00
    src = _scene(13)
    t, _ = lt.estimate_look(_lab(src), [_lab(LOOKS[look](_scene(s))) for s in (14, 15, 16)])
    truth = _lab(LOOKS[look](src))
    assert delta_e00(_lab(t(src)), truth).mean() < delta_e00(_lab(src), truth).mean()


def test_one_unusual_still_in_a_book_is_not_taken_for_the_look():
    """The stills' statistics are combined by their (weighted) median: one sunset-warm still among
    neutral ones moves the estimate far less than its share of a mean would."""
    src = _scene(17)
    plain = [_lab(_scene(s)) for s in (18, 19, 20)]
    odd = plain[:2] + [_lab(_strong_warm(_strong_warm(_scene(20))))]
    t_plain, _ = lt.estimate_look(_lab(src), plain)
    t_odd, _ = lt.estimate_look(_lab(src), odd)
    moved = np.abs(t_odd.tint_out - t_plain.tint_out)[:, 1].max()
    # what a mean over the three stills would move it by, at the smallest posterior share the book earns
    precision = 1 / lt.tint_content_var(np.array([lt.look_stats(x).tint_spread for x in odd]))
    smallest_share = np.min(lt.LOOK_TINT_SD ** 2 / (lt.LOOK_TINT_SD ** 2 + 1 / precision.sum(axis=0)))
    mean_share = np.abs(lt.neutral_tint(odd[2]) - lt.neutral_tint(plain[2]))[:, 1].max() / 3 * smallest_share
    assert moved < 0.5 * mean_share
