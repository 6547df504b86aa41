"""Look transfer from stills of *other content*: move only what content cannot explain.

A still of another scene does not say which of its colours are the look and which are its
content. A *look book* (several stills of varied content) does, partly: what the stills share
beyond what uncast footage shows on average is the look. Three statistics are measured per
still and combined by their median over the stills (one unusual still does not become the look):

- the tint of its near-neutral pixels per lightness band (white balance, split toning),
- its overall saturation (log median chroma of mid-lightness pixels),
- its tone (L* quantiles; from 3 stills on).

The tint is combined by a weighted median instead: a still whose band has real greys (its
least chromatic pixels cluster tightly) says more about white balance than one whose "greys"
are the dullest of its coloured surfaces (:func:`tint_look`).

For each, the difference from what uncast real footage shows on average is weighted by the
share a look (rather than content) can explain at ``n`` stills, a posterior weight
``look_var / (look_var + content_var / n)``, and *added* to the clip's own statistic: the
clip keeps its content, and the look's part moves it. One still of other content transfers
nothing: measured on real footage it left clips further from the look than no correction
(its content spread is larger than any of the looks' own shifts). The result is one pure
colour function (:class:`ToneTint`), baked into the shot's LUT like every other grade;
the statistics are a few medians and quantiles of the already pooled pixels (cheap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from broll.grading.transforms import ToneTint

L_KNOTS = np.array([5.0, 25.0, 45.0, 65.0, 85.0, 100.0])   # L* positions of the tint curve
L_HALF_WIDTH = 12.0        # L* half-width of each knot's band
NEUTRAL_SHARE = 0.25       # the least chromatic quarter of a band is its "neutrals"
MIN_BAND_PIXELS = 150
UNMEASURED_SPREAD = 20.0   # a*b* spread assumed for a band with too few pixels (its tint is a neighbour's)
BAND_NAMES = {0: "shadows", 2: "midtones", 4: "highlights"}
TONE_QUANTILES = np.array([0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98])

SATURATION_RANGE = (0.5, 1.6)
MIN_STILLS = 2               # fewer stills of other content than this: nothing is transferred
MIN_TONE_STILLS = 3          # the tone curve is only taken from a look book of this many stills


@dataclass(frozen=True)
class LookStats:
    """What one still (or a clip's pool) says about its look."""

    tint: np.ndarray        # (K, 2) a*, b* of the near-neutral pixels at each L_KNOTS band
    tint_spread: np.ndarray  # (K,) how loosely those pixels cluster (a*b*): large = no real greys
    log_saturation: float   # log median chroma of mid-lightness pixels
    tone: np.ndarray        # (Q,) L* at TONE_QUANTILES


def neutral_bands(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a*, b* of the near-neutral pixels at each of ``L_KNOTS`` (K, 2), and how tightly those
    pixels cluster about it (K,: median a*b* distance from their median).

    The least chromatic quarter of each lightness band stands for its greys; a band with too
    few pixels takes its nearest measured neighbour's tint and ``UNMEASURED_SPREAD``. The
    spread says whether the band has real greys (a tight cluster: walls, sky, asphalt) or only
    the least colourful of its coloured surfaces (a loose one: foliage, skin), whose "tint" is
    content, not white balance.
    """
    L, ab = lab[:, 0], lab[:, 1:]
    chroma = np.hypot(ab[:, 0], ab[:, 1])
    tint = np.full((len(L_KNOTS), 2), np.nan)
    spread = np.full(len(L_KNOTS), UNMEASURED_SPREAD)
    for k, knot in enumerate(L_KNOTS):
        sel = np.abs(L - knot) < L_HALF_WIDTH
        if sel.sum() < MIN_BAND_PIXELS:
            continue
        low = chroma[sel] <= np.quantile(chroma[sel], NEUTRAL_SHARE)
        greys = ab[sel][low]
        tint[k] = np.median(greys, axis=0)
        spread[k] = float(np.median(np.hypot(*(greys - tint[k]).T)))
    valid = np.flatnonzero(~np.isnan(tint[:, 0]))
    if len(valid) == 0:
        return np.zeros((len(L_KNOTS), 2)), spread
    for c in (0, 1):
        tint[:, c] = np.interp(L_KNOTS, L_KNOTS[valid], tint[valid, c])
    return tint, spread


def neutral_tint(lab: np.ndarray) -> np.ndarray:
    """a*, b* of the near-neutral pixels at each of ``L_KNOTS`` (K, 2): white balance per band."""
    return neutral_bands(lab)[0]


def colourfulness(lab: np.ndarray) -> float:
    """Median chroma of the mid-lightness pixels: 'overall saturation'."""
    mid = (lab[:, 0] > 20) & (lab[:, 0] < 90)
    c = np.hypot(lab[mid, 1], lab[mid, 2]) if mid.sum() > MIN_BAND_PIXELS else np.hypot(lab[:, 1], lab[:, 2])
    return float(np.median(c)) if len(c) else 0.0


def look_stats(lab: np.ndarray) -> LookStats:
    """The look statistics of one pixel set (L*a*b* rows): cheap, a few quantiles and medians."""
    return LookStats(*neutral_bands(lab), float(np.log(max(colourfulness(lab), 1e-3))),
                     np.quantile(lab[:, 0], TONE_QUANTILES) if len(lab) else np.zeros(len(TONE_QUANTILES)))


def confidence(stills: int) -> float:
    """1 for a look book of ``MIN_STILLS`` or more stills, 0 below: one still of other content
    moved clips further from the look than no correction (measured, see docs/grading.md)."""
    return 1.0 if stills >= MIN_STILLS else 0.0


# What uncast real footage shows on its own (tuning half of the real footage: all 33 clips, one
# still each, the clip's later moment, pooled as a look book's still is): the mean of each
# statistic and its spread from clip to clip. (Until session 12: 12 clips' shot pools, whose
# means sat 1-4 a*b* and up to 8 L* off these and whose spreads were too small.)
NATURAL_TINT = np.array([[0.6, -0.9], [0.0, 0.7], [-0.9, 4.8], [0.7, 3.8], [0.1, 3.5], [-0.8, 2.8]])
# How far one still's neutral tint strays from NATURAL_TINT (variance per a*b* axis) grows with
# how loosely its neutrals cluster (``tint_spread``, s): variance = v0 + c s^2 per band, fitted by
# least squares on the same 33 tuning stills (correlation of the deviation with s: 0.6 in the
# shadows and the upper highlights, 0.1-0.4 in between). A still whose band has real greys
# says more about the look there than one whose "greys" are foliage. (Until session 13: one
# spread per band and axis for every still, 4.6-14.3 a*b*.)
CONTENT_TINT_VAR = np.array([[1.0, 2.4], [82.0, 0.0], [119.0, 0.22], [78.0, 0.05], [21.0, 0.74], [14.0, 1.3]])
NATURAL_LOG_SATURATION, CONTENT_SATURATION_SD = 2.74, 0.83
NATURAL_TONE = np.array([10.8, 20.0, 31.5, 47.5, 61.3, 73.8, 84.6])
CONTENT_TONE_SD = np.array([9.3, 14.6, 18.6, 21.2, 19.5, 15.6, 14.3])
# The prior spread of the look itself (the benchmark's six looks move tints 1-10 a*b*,
# saturation x0.45-1, tone 2-10 L*). Chosen on the tuning half among 4/0.3/4, 6/0.4/6,
# 10/0.7/10 and 20/1.5/20 (look book of 3: 0.89, 0.89, 0.95, 1.07 x uncorrected): a wider
# prior trusts content as look and harms more clips.
LOOK_TINT_SD, LOOK_SATURATION_SD, LOOK_TONE_SD = 4.0, 0.3, 4.0


def _weight(look_sd, content_sd, n: int) -> np.ndarray:
    """The share of (reference statistic - natural mean) that is look, not content: the
    posterior weight of a look of spread ``look_sd`` seen through ``n`` stills' content noise."""
    look_var = np.square(look_sd)
    return look_var / (look_var + np.square(content_sd) / n)


def tint_content_var(spread: np.ndarray) -> np.ndarray:
    """Variance (per a*b* axis) of a still's neutral tint about NATURAL_TINT that content alone
    explains, per band, given how loosely its neutrals cluster (``spread``, (..., K))."""
    return CONTENT_TINT_VAR[:, 0] + CONTENT_TINT_VAR[:, 1] * np.square(spread)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Median over axis 0 of ``values`` (S, K, 2) with per-still, per-band ``weights`` (S, K):
    robust like a median (one odd still is outvoted), yet a still with real greys counts more."""
    order = np.argsort(values, axis=0)
    w = np.broadcast_to(weights[..., None], values.shape)
    cum = np.cumsum(np.take_along_axis(w, order, axis=0), axis=0)
    pick = np.argmax(cum >= cum[-1:] / 2, axis=0)                     # first still past half the weight
    return np.take_along_axis(np.take_along_axis(values, order, axis=0), pick[None], axis=0)[0]


def tint_look(refs: list[LookStats]) -> np.ndarray:
    """The look's tint shift per band (K, 2) that the stills identify: their precision-weighted
    median departure from NATURAL_TINT, times the posterior share a look of spread
    ``LOOK_TINT_SD`` has against the stills' pooled content variance."""
    precision = 1.0 / tint_content_var(np.array([r.tint_spread for r in refs]))     # (S, K)
    departure = np.array([r.tint for r in refs]) - NATURAL_TINT                     # (S, K, 2)
    look_var = LOOK_TINT_SD ** 2
    share = look_var / (look_var + 1.0 / precision.sum(axis=0))                     # (K,)
    return _weighted_median(departure, precision) * share[:, None]


def estimate_look(src_lab: np.ndarray, ref_labs: list[np.ndarray]) -> tuple[ToneTint, dict]:
    """The identifiable part of the look of ``ref_labs`` (one L*a*b* set per still), as a
    transform for the clip whose pixels are ``src_lab``, and what was transferred.

    Each statistic of the stills, their median over the stills (content averages out, and one
    unusual still is outvoted), is compared with
    what uncast real footage shows on average; the difference, weighted by how much of it a
    look rather than content can explain at ``n`` stills, is the look, and it is *added* to
    the clip's own statistic (the clip keeps its content). With fewer than ``MIN_STILLS``
    stills nothing is transferred.
    """
    n = len(ref_labs)
    src = look_stats(src_lab)
    conf = confidence(n)
    refs = [look_stats(r) for r in ref_labs] or [src]
    # the median over the stills, not the mean: one unusual still (a sunset, a neon street) would
    # otherwise pass its content off as the look (tuning half: 0.958x -> 0.949x uncorrected)
    # the tint: each still weighted by how much real grey its bands show (tuning half, look book of
    # 3, no safeguards: 0.943x -> 0.918x uncorrected); the median keeps one odd still from winning
    tint_shift = conf * tint_look(refs)
    sat_look = (np.median([r.log_saturation for r in refs]) - NATURAL_LOG_SATURATION) * \
        float(_weight(LOOK_SATURATION_SD, CONTENT_SATURATION_SD, n))
    scale = float(np.clip(np.exp(conf * sat_look), *SATURATION_RANGE)) if np.exp(src.log_saturation) > 1.0 else 1.0
    ref_tone = np.median([r.tone for r in refs], axis=0)
    tone_look = (ref_tone - NATURAL_TONE) * _weight(LOOK_TONE_SD, CONTENT_TONE_SD, n) * conf
    tone_x = tone_y = None
    if n >= MIN_TONE_STILLS and np.any(np.abs(tone_look) > 0.5):
        # the look's tone curve: natural quantiles -> natural + look shift, applied to the clip
        xs = np.concatenate([[0.0], NATURAL_TONE, [100.0]])
        ys = np.maximum.accumulate(np.clip(np.concatenate([[0.0], NATURAL_TONE + tone_look, [100.0]]), 0.0, 100.0))
        tone_x, tone_y = xs, ys
    shift = np.hypot(tint_shift[:, 0], tint_shift[:, 1])
    components = {f"tint {name}": round(float(shift[k]), 2) for k, name in BAND_NAMES.items()}
    components["saturation"] = round(scale, 3)
    components["tone"] = round(float(np.max(np.abs(tone_look))), 2) if tone_x is not None else 0.0
    components.update({"confidence": round(conf, 2), "stills": n})
    transform = ToneTint(l_knots=L_KNOTS, tint_in=src.tint, tint_out=src.tint + tint_shift, chroma_scale=scale,
                         tone_x=tone_x, tone_y=tone_y)
    return transform, components


def transferred(components: dict) -> bool:
    """Whether anything at all was moved."""
    return any(components.get(f"tint {n}", 0) > 0 for n in BAND_NAMES.values()) or \
        abs(components.get("saturation", 1.0) - 1.0) > 1e-6 or components.get("tone", 0) > 0
