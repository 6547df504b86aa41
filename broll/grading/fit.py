"""Fit one colour transform per shot from robust pixel pools, with do-no-harm safeguards.

``GRADE_METHODS`` maps a readable name to a fitter ``(src, ref) -> Transform`` working on
(N, 3) encoded RGB pools (see :mod:`broll.grading.pixels`):

- ``mkl`` (default): the Monge-Kantorovitch linear map of Pitie & Kokaram (2007),
  ``T = S_s^-1/2 (S_s^1/2 S_r S_s^1/2)^1/2 S_s^-1/2``, in encoded RGB, followed by a smoothed
  per-channel quantile curve fitted on the residual (tone and gamma differences that a linear
  map cannot express).
- ``mkl-linear``: the closed-form map alone.
- ``reinhard``: Reinhard et al. (2001) mean/std matching per channel, in CIELAB.
- ``balance``: white balance and exposure only: von Kries gains in linear light from a
  grey-pixel white estimate of each side.

Which of them may run depends on what the clip and the reference share
(:mod:`broll.grading.scene` judges it on structure, which a colour cast does not move):

- **same scene** (``scene.same``): the full match, never capped: the cast is all there is
  between the two. With ``mkl``, the linear map, the map plus curves, the map fitted on the
  region both frames show and, when the homography and a consistent optical flow pair enough
  pixels, robust quadratic and cubic polynomials fitted on the pairs of half the reference's
  tiles (:mod:`broll.grading.correspond`, MKL as their prior) are tried; the one that lands
  the other tiles' pairs closest to the reference is kept (``selected``).
- **different content**: a single still does not say which of its colours are the look and
  which are its content, so only what is identifiable is transferred
  (:mod:`broll.grading.look_transfer`): the tint of near-neutral pixels per lightness band
  (white balance, split toning) and overall saturation, relative to the clip's own, beyond
  what unrelated scenes differ by; with a look book also the tone curve. ``content-differs``
  names this case.

Safeguards (reported by name in ``ShotFit.safeguards``, with the measured value behind each in
``ShotFit.details``):

- ``near-grey``: the clip has almost no chroma, so a full map would amplify noise: balance.
- ``content-differs``: neither matching features, nor a dense luma alignment, nor the colour
  distributions after a cast map (:mod:`broll.grading.cast_check`, asked only when the dense
  alignment is plausible but weak) confirm the same scene: identifiable components only (see above).
- ``change-capped``: the mean change of a *different-content* grade, or of a match confirmed
  by colour alone (no pixel registered: the colour check cannot tell a cast from content that
  changed between two moments), would exceed ``max_change`` dE00 (a user setting, 5 by
  default): strength is lowered to meet it. A match confirmed by structure is never capped.
- ``no-gain``: the grade would leave the clip further from the reference than it started
  (registered flat pixels for the same scene, neutral tint for different content): strength
  is stepped down.
- ``no-usable-pixels``: nothing but black or blown-out pixels: identity.
- ``looks-like-log``: untagged footage with log's signature (lifted blacks, compressed
  highlights, weak chroma): a Rec.709 match would be wrong, so only balance; the user is told
  to apply the camera's log-to-Rec.709 LUT first. (Log-*tagged* footage is refused outright.)

Paired mode (:func:`fit_paired`) is for image-to-video clips whose first frame is the
reference: correspondences are known, so ``colour.colour_correction`` (Cheung 2004, 10
polynomial terms) reaches near-oracle accuracy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from broll.errors import InputError, lookup
from broll.grading import correspond
from broll.grading.color import REC709_LUMA, colour, decode, delta_e00, encode, luma, rgb_to_lab, to_float
from broll.grading.metrics import distance_to_palette, mean_change, palette_distance, tonal_palette
from broll.grading.look_transfer import MIN_STILLS, estimate_look, neutral_tint, transferred
from broll.grading.pixels import PixelPool, once, robust_mask
from broll.grading.transforms import (BLACK_RAMP, MATCHED_BLACK_RAMP, Affine, Chain, Curves, Graded, Identity, InLab,
                                      LinearGains, PolynomialCorrection, Transform)

DEFAULT_METHOD = "mkl"
DEFAULT_STRENGTH = 0.8
MAX_CHANGE = 5.0          # dE00, mean over the shot's pixels; caps different-content and colour-only grades
NEAR_GREY_CHROMA = 6.0    # p95 of C* below this: a near-grey clip
NO_GAIN_TOLERANCE = 0.1   # dE00: a grade may not leave the palette further from the reference than this
MIN_PIXELS = 500
CURVE_KNOTS = 17
GATE_SAMPLE = 40_000      # pixels used for safeguard measurements
# Log signature, measured on S-Log3, V-Log and LogC3 encodings of the cast-suite photographs
# (1st/99th luma percentiles 0.09-0.19 / 0.49-0.60, p95 chroma 11-23) against the same photos
# as shot (p99 >= 0.70) and fogged (p99 >= 0.72):
LOG_BLACK_FLOOR = 0.08    # 1st percentile of luma at or above this: no true black
LOG_WHITE_CEILING = 0.65  # 99th percentile at or below this: no true white
LOG_MAX_CHROMA = 25.0     # p95 of C* at or below this: washed-out colour


# -- the methods -------------------------------------------------------------------------

def _sqrtm(s: np.ndarray, inverse: bool = False) -> np.ndarray:
    w, v = np.linalg.eigh(s)
    w = np.clip(w, 1e-10, None)
    return (v * (w ** (-0.5 if inverse else 0.5))) @ v.T


def mkl_map(src: np.ndarray, ref: np.ndarray, memo: dict | None = None) -> Affine:
    """Pitie & Kokaram (2007): the linear map between two Gaussians with least displacement.
    ``memo``: where ``ref``'s mean and covariance are kept (a reference pool's ``derived``)."""
    mu_s = src.mean(axis=0)
    mu_r = once(memo, "mean", lambda: ref.mean(axis=0))
    eps = 1e-8 * np.eye(src.shape[1])
    cov_s = np.cov(src.T) + eps
    cov_r = once(memo, "cov", lambda: np.cov(ref.T) + eps)
    half = _sqrtm(cov_s)
    inv_half = _sqrtm(cov_s, inverse=True)
    t = inv_half @ _sqrtm(half @ cov_r @ half) @ inv_half
    return Affine(matrix=t, mean_src=mu_s, mean_ref=mu_r, name="mkl")


def quantile_curves(src: np.ndarray, ref: np.ndarray, knots: int = CURVE_KNOTS, memo: dict | None = None) -> Curves:
    """Per-channel monotone curves mapping src quantiles to ref quantiles (smoothed by few knots)."""
    q = np.linspace(0.01, 0.99, knots)
    xs = np.quantile(src, q, axis=0)
    ys = once(memo, f"quantiles {knots}", lambda: np.quantile(ref, q, axis=0))
    xs = np.maximum.accumulate(xs, axis=0) + np.arange(knots)[:, None] * 1e-7  # strictly increasing
    ys = np.maximum.accumulate(ys, axis=0)
    return Curves(x_knots=xs, y_knots=ys)


def fit_mkl(src: np.ndarray, ref: np.ndarray, memo: dict | None = None) -> Transform:
    linear = mkl_map(src, ref, memo)
    return Chain((linear, quantile_curves(np.clip(linear(src), 0, 1), ref, memo=memo)), name="mkl")


def fit_mkl_linear(src: np.ndarray, ref: np.ndarray) -> Transform:
    return mkl_map(src, ref)


def fit_reinhard(src: np.ndarray, ref: np.ndarray) -> Transform:
    ls, lr = rgb_to_lab(src), rgb_to_lab(ref)
    scale = lr.std(axis=0) / np.maximum(ls.std(axis=0), 1e-6)
    return InLab(Affine(matrix=np.diag(scale), mean_src=ls.mean(axis=0), mean_ref=lr.mean(axis=0)), name="reinhard")


def grey_white(rgb: np.ndarray, *, iterations: int = 4, max_chroma: float = 8.0) -> np.ndarray:
    """Linear-light RGB of the scene white, estimated from pixels that are near-neutral once
    the current estimate is divided out (iterated grey-world restricted to grey pixels)."""
    lin = decode(rgb)
    white = lin.mean(axis=0)
    for _ in range(iterations):
        balanced = np.clip(lin / white * white.mean(), 0, 1)
        lab = rgb_to_lab(encode(balanced))
        chroma = np.hypot(lab[:, 1], lab[:, 2])
        grey = (chroma < max_chroma) & (lab[:, 0] > 15) & (lab[:, 0] < 95)
        if grey.sum() < 100:
            break
        white = lin[grey].mean(axis=0)
    return white


def fit_balance(src: np.ndarray, ref: np.ndarray) -> Transform:
    ws, wr = grey_white(src), grey_white(ref)
    gains = (wr / wr.mean()) / (ws / ws.mean())
    exposure = float(np.clip(decode(ref).mean() / max(decode(src).mean(), 1e-6), 0.7, 1.4))
    return LinearGains(gains=gains * exposure, name="balance")


GRADE_METHODS: dict[str, Callable[[np.ndarray, np.ndarray], Transform]] = {
    "mkl": fit_mkl,
    "mkl-linear": fit_mkl_linear,
    "reinhard": fit_reinhard,
    "balance": fit_balance,
}


def get_method(name: str) -> Callable[[np.ndarray, np.ndarray], Transform]:
    return lookup(GRADE_METHODS, "grade method", name)


# -- identifiable components of a look (different content): broll.grading.look_transfer --

def tint_distance(lab_a: np.ndarray, tint_b: np.ndarray) -> float:
    """Mean a*b* distance between the neutral tints of a pixel set and a target tint curve."""
    return float(np.mean(np.hypot(*(neutral_tint(lab_a) - tint_b).T)))


# -- one shot ----------------------------------------------------------------------------

@dataclass
class ShotFit:
    """A fitted shot: the transform to bake and what was measured on the way."""

    transform: Transform          # Graded(core, strength): exactly what goes into the LUT
    method: str                   # method actually used (after any fallback): mkl, look, balance...
    strength: float               # strength actually used (after any cap)
    safeguards: list[str] = field(default_factory=list)
    de_before: float = 0.0        # palette CIEDE2000 to the reference, before
    de_after: float = 0.0         # ... and after
    change: float = 0.0           # mean CIEDE2000 between clip and graded clip
    overlap: float | None = None  # (kept for old cached results) a*b* histogram overlap
    paired: bool = False
    scene: str = ""               # "same" / "different" / "" (not judged), with the evidence in details
    details: dict = field(default_factory=dict)      # safeguard or decision -> the measured value behind it
    components: dict = field(default_factory=dict)   # what was transferred, and by how much

    def summary(self) -> dict:
        return {"method": self.method, "strength": round(self.strength, 3), "safeguards": list(self.safeguards),
                "de_before": round(self.de_before, 3), "de_after": round(self.de_after, 3),
                "change": round(self.change, 3),
                "overlap": None if self.overlap is None else round(self.overlap, 3), "paired": self.paired,
                "scene": self.scene, "details": dict(self.details), "components": dict(self.components)}


def _subsample(rgb: np.ndarray, n: int = GATE_SAMPLE) -> np.ndarray:
    if len(rgb) <= n:
        return rgb
    return rgb[np.linspace(0, len(rgb) - 1, n).astype(int)]


def _cap_strength(core: Transform, src: np.ndarray, src_lab: np.ndarray, strength: float,
                  cap: float) -> tuple[float, float]:
    """Lower strength until the mean change is at most ``cap``; returns (strength, change)."""
    change = mean_change(src_lab, rgb_to_lab(Graded(core, strength)(src)))
    for _ in range(3):
        if change <= cap + 0.05 or strength <= 0:
            break
        strength = strength * cap / change
        change = mean_change(src_lab, rgb_to_lab(Graded(core, strength)(src)))
    return strength, change


def looks_like_log(rgb: np.ndarray, lab: np.ndarray) -> bool:
    """Untagged log footage: lifted blacks, compressed highlights and weak chroma, all at once."""
    y = rgb @ REC709_LUMA
    lo, hi = np.percentile(y, [1, 99])
    chroma95 = float(np.percentile(np.hypot(lab[:, 1], lab[:, 2]), 95))
    return bool(lo >= LOG_BLACK_FLOOR and hi <= LOG_WHITE_CEILING and chroma95 <= LOG_MAX_CHROMA)


def _paired_error(t: Transform, pairs: tuple[np.ndarray, np.ndarray], ref_lab: np.ndarray | None = None) -> float:
    """Median CIEDE2000 between transformed registered clip pixels and their reference pixels
    (``ref_lab``: the reference pixels' L*a*b*, when the caller judges many transforms on them)."""
    s, r = pairs
    return float(np.median(delta_e00(rgb_to_lab(np.clip(t(s), 0, 1)), rgb_to_lab(r) if ref_lab is None else ref_lab)))


def _judge_on(pairs: tuple[np.ndarray, np.ndarray]) -> Callable[[Transform], float]:
    """:func:`_paired_error` on fixed pairs, their reference side converted to L*a*b* once, and
    each transform judged once (the MKL candidates are judged to pick the pair fits' prior,
    then again beside those fits)."""
    ref_lab: list[np.ndarray] = []          # converted on the first call (a judge may go unused)
    seen: dict[int, tuple[Transform, float]] = {}

    def judge(t: Transform) -> float:
        if not ref_lab:
            ref_lab.append(rgb_to_lab(pairs[1]))
        if id(t) not in seen:               # the transform is kept with its error: its id stays its own
            seen[id(t)] = (t, _paired_error(t, pairs, ref_lab[0]))
        return seen[id(t)][1]
    return judge


# the fits on registered pixel pairs, by the degree of their polynomial in encoded RGB (10 and 20
# terms per channel); judged with the MKL candidates on held-back tiles
PAIR_FITS = {"registered pairs": 2, "registered pairs, cubic": 3}


def _check_half(pairs: tuple[np.ndarray, ...]) -> np.ndarray:
    """The pairs a fit on the others is judged on: whole tiles of the reference frame held
    back (a checkerboard, :func:`broll.grading.flow.held_back`), so the check is on pixels
    apart from those the fit saw; every other pair when the tiles are too few to split."""
    from broll.grading.flow import held_back
    n = len(pairs[0])
    if len(pairs) > 2:
        check = held_back(pairs[2])
        if min(check.sum(), n - check.sum()) >= MIN_PIXELS:
            return check
    return np.arange(n) % 2 == 1


def _full_match(method: str, src_rgb: np.ndarray, ref_rgb: np.ndarray,
                registered: tuple[np.ndarray, np.ndarray] | None, details: dict,
                pairs: tuple[np.ndarray, ...] | None = None, ref_memo: dict | None = None) -> Transform:
    """The full map for a confirmed same scene; with mkl, the candidate that best fits the
    registered pixels (a direct check of the match on what both frames show).

    ``pairs``: registered clip/reference pixel pairs (:mod:`broll.grading.correspond`), with
    the reference tile of each as a third array; when there are enough, robust quadratic and
    cubic polynomials fitted on the pairs of half the tiles (MKL as the prior where they are
    thin) join the candidates, all judged on the other tiles' pairs; the winner among them is
    refitted on all. ``ref_memo``: the reference pool's kept statistics (``PixelPool.derived``).
    """
    core = fit_mkl(src_rgb, ref_rgb, ref_memo) if method == "mkl" else GRADE_METHODS[method](src_rgb, ref_rgb)
    if method != "mkl" or registered is None or len(registered[0]) < MIN_PIXELS:
        return core
    # mkl's first step is the linear map of the same pools: not fitted twice
    linear = core.steps[0] if isinstance(core, Chain) and isinstance(core.steps[0], Affine) else \
        fit_mkl_linear(src_rgb, ref_rgb)
    candidates = {"mkl": core, "mkl-linear": linear}
    overlap_src, overlap_ref = registered
    candidates["mkl on the shared region"] = fit_mkl(overlap_src, overlap_ref)
    check = registered
    judge = _judge_on(check)
    if pairs is not None and len(pairs[0]) >= correspond.MIN_PAIRS:
        check_half = _check_half(pairs)
        fit_half = ~check_half
        check = (pairs[0][check_half], pairs[1][check_half])
        judge = _judge_on(check)
        prior = min(candidates.values(), key=judge)
        for name, degree in PAIR_FITS.items():
            candidates[name], _ = correspond.fit_registered(pairs[0][fit_half], pairs[1][fit_half], prior, src_rgb,
                                                            degree=degree)
    errors = {name: judge(t) for name, t in candidates.items()}
    best = min(errors, key=errors.get)
    details["selected"] = f"{best} ({errors[best]:.2f} median dE00 on registered pixels; " + \
        ", ".join(f"{k} {v:.2f}" for k, v in errors.items() if k != best) + ")"
    if best in PAIR_FITS:
        refit, info = correspond.fit_registered(pairs[0], pairs[1], prior, src_rgb, degree=PAIR_FITS[best])
        details["registered pairs"] = ", ".join(f"{k} {v}" for k, v in info.items())
        return refit
    return candidates[best]


def _same_by_colour(src_rgb: np.ndarray, ref_rgb: np.ndarray, scene, details: dict) -> bool:
    """Structure was not sure (a plausible but weak dense alignment): the colour distributions
    may still say it is the same content under a cast (:mod:`broll.grading.cast_check`)."""
    from broll.grading.cast_check import CAST_SAME, cast_of_same_content
    same, distance = cast_of_same_content(src_rgb, ref_rgb, scene.dense)
    if distance == distance:        # measured (not NaN)
        details["same content by colour"] = (
            f"L*a*b* histogram distance {distance:.3f} after a cast map (same content at <= {CAST_SAME:g}, "
            f"with a dense alignment of {scene.dense:.2f}): " + ("full match" if same else "not confirmed"))
    return same


def fit_shot(src: PixelPool | np.ndarray, ref: PixelPool | np.ndarray, *, method: str = DEFAULT_METHOD,
             strength: float = DEFAULT_STRENGTH, max_change: float = MAX_CHANGE,
             core: Transform | None = None, scene=None,
             registered: tuple[np.ndarray, np.ndarray] | None = None,
             ref_parts: list[np.ndarray] | None = None,
             pairs: tuple[np.ndarray, ...] | None = None) -> ShotFit:
    """Fit ``method`` from the shot's pool to the reference's pool, applying the safeguards.

    ``core`` skips fitting and gating (paired mode passes its transform here). ``scene`` is the
    :class:`~broll.grading.scene.SceneMatch` of the shot against the reference (None: not
    judged, treated as different content); ``registered`` the (clip, reference) pixels of the
    region both show, when the scene is the same; ``pairs`` the registered pixel pairs a
    same-scene fit may be fitted on, optionally with each pair's reference tile as a third
    array (:func:`broll.grading.correspond.correspondences`);
    ``ref_parts`` the reference's pixels per still (a look book), for the different-content path.
    """
    get_method(method)               # an unknown name lists the valid ones
    if not 0.0 <= strength <= 1.0:
        raise InputError(f"strength {strength} is out of range", "use a value from 0 (no change) to 1 (full match)")
    if max_change is None or max_change <= 0:
        raise InputError(f"max_change {max_change} must be a positive number of dE00",
                         "use e.g. 5 (the default); larger lets a different-content grade move further")
    src_rgb = src.rgb if isinstance(src, PixelPool) else np.asarray(src, dtype=np.float64)
    ref_rgb = ref.rgb if isinstance(ref, PixelPool) else np.asarray(ref, dtype=np.float64)
    if len(src_rgb) < MIN_PIXELS or len(ref_rgb) < MIN_PIXELS:
        return ShotFit(Graded(Identity(), 0.0), "identity", 0.0, ["no-usable-pixels"],
                       details={"no-usable-pixels": f"{len(src_rgb)} / {len(ref_rgb)} usable pixels (< {MIN_PIXELS})"})
    ref_memo = ref.derived if isinstance(ref, PixelPool) else None
    s_sub = _subsample(src_rgb)
    r_sub = once(ref_memo, "gate sample", lambda: _subsample(ref_rgb))
    s_lab, r_lab = rgb_to_lab(s_sub), once(ref_memo, "gate sample lab", lambda: rgb_to_lab(r_sub))
    safeguards: list[str] = []
    details: dict[str, str] = {}
    components: dict = {}
    used = method
    paired = core is not None
    same = paired or bool(scene is not None and scene.same)
    by_colour = False           # same content by colour alone: no pixel of the clip is paired with the reference
    if not same and scene is not None and method != "balance":
        same = by_colour = _same_by_colour(src_rgb, ref_rgb, scene, details)
    scene_label = "same" if same else ("different" if scene is not None else "")
    if scene is not None:
        details["scene"] = scene.describe()
    look_target = None
    if core is None:
        chroma95 = float(np.percentile(np.hypot(s_lab[:, 1], s_lab[:, 2]), 95))
        if method != "balance" and chroma95 < NEAR_GREY_CHROMA:
            safeguards.append("near-grey")
            details["near-grey"] = f"95th-percentile chroma {chroma95:.1f} (< {NEAR_GREY_CHROMA})"
            used = "balance"
        elif method != "balance" and looks_like_log(s_sub, s_lab):
            safeguards.append("looks-like-log")
            y = s_sub @ REC709_LUMA
            lo, hi = np.percentile(y, [1, 99])
            details["looks-like-log"] = f"luma 1st/99th percentile {lo:.2f}/{hi:.2f}, chroma p95 {chroma95:.1f}"
            used = "balance"
        if used == "balance":
            core = fit_balance(src_rgb, ref_rgb)
        elif same:
            core = _full_match(method, src_rgb, ref_rgb, registered, details, pairs, ref_memo)
        else:
            safeguards.append("content-differs")
            details["content-differs"] = scene.describe() if scene is not None else "scene not judged"
            parts = [rgb_to_lab(_subsample(p, GATE_SAMPLE // 2)) for p in (ref_parts or [r_sub]) if len(p) >= MIN_PIXELS]
            core, components = estimate_look(s_lab, parts or [r_lab])
            if not transferred(components):
                # nothing the stills say survives what content alone explains
                safeguards.append("look-not-identifiable")
                details["look-not-identifiable"] = (
                    f"{len(parts)} still of other content (a look book needs >= {MIN_STILLS}): left unchanged; "
                    "pass more stills of the look or --look FILE.cube" if len(parts) < MIN_STILLS else
                    f"{len(parts)} stills of other content: nothing beyond what content explains; left unchanged")
                unchanged = palette_distance(s_lab, r_lab)
                return ShotFit(Graded(Identity(), 0.0), "identity", 0.0, safeguards,
                               de_before=unchanged, de_after=unchanged,
                               change=0.0, scene=scene_label, details=details,
                               components={"transferred": "nothing", "stills": len(parts)})
            look_target = core.tint_out
            used = "look"
    capped_strength, change = strength, None
    # A match confirmed by colour alone is capped like different content: the colour check
    # cannot tell a cast from content that changed between the two moments (an uncast clip
    # graded to a later frame of itself was moved 8.9-9.8 dE00 in suite (a)), and with no
    # registered pixels the no-gain check below has only the palette, which a full map
    # always brings closer to the reference.
    if not same or by_colour:
        capped_strength, change = _cap_strength(core, s_sub, s_lab, strength, max_change)
        if capped_strength < strength - 1e-6:
            safeguards.append("change-capped")
            uncapped = mean_change(s_lab, rgb_to_lab(Graded(core, strength)(s_sub)))
            details["change-capped"] = f"{uncapped:.2f} dE00 of change wanted, max_change {max_change:g}" + (
                " (same content by colour only)" if by_colour else "")
    black = MATCHED_BLACK_RAMP if same else BLACK_RAMP
    graded = Graded(core, capped_strength, black=black)
    r_palette = once(ref_memo, "gate sample palette", lambda: tonal_palette(r_lab))   # the reference side of every palette distance below
    to_reference = functools.partial(distance_to_palette, palette=r_palette)
    de_before = to_reference(s_lab)
    graded_lab = rgb_to_lab(graded(s_sub))        # for the palette after and for the change
    de_after = to_reference(graded_lab)
    # Do no harm, as measured where a measure exists: step the strength down until the clip is
    # no further from the reference than it started, or leave the shot untouched.
    if same and registered is not None and len(registered[0]) >= MIN_PIXELS and not paired:
        judge = _judge_on(registered)
        what = "median dE00 on registered pixels"
    elif look_target is not None:
        # judged on the tint alone: a tone curve moves pixels between the bands the tint is read in
        from dataclasses import replace as _replace
        tint_only = _replace(core, tone_x=None, tone_y=None)
        judge = lambda g: tint_distance(rgb_to_lab(Graded(tint_only, g.strength)(s_sub)), look_target)  # noqa: E731
        what = "neutral-tint distance"
    else:
        judge = lambda g: to_reference(rgb_to_lab(g(s_sub)))  # noqa: E731
        what = "palette dE00"
    if capped_strength > 0:
        before, after = judge(Graded(core, 0.0)), judge(graded)
        if after > before + NO_GAIN_TOLERANCE:
            safeguards.append("no-gain")
            details["no-gain"] = f"{what} {before:.2f} before, {after:.2f} after"
            for factor in (0.75, 0.5, 0.25, 0.0):
                graded = Graded(core, capped_strength * factor, black=black)
                if factor == 0 or judge(graded) <= before + NO_GAIN_TOLERANCE:
                    break
            capped_strength = graded.strength
            graded_lab = rgb_to_lab(graded(s_sub)) if capped_strength else s_lab
            de_after = to_reference(graded_lab) if capped_strength else de_before
            change = None
    if change is None:
        change = mean_change(s_lab, graded_lab) if capped_strength else 0.0
    return ShotFit(transform=graded, method=used if not paired else "paired", strength=capped_strength,
                   safeguards=safeguards, de_before=de_before, de_after=de_after, change=change,
                   paired=paired, scene=scene_label, details=details, components=components)


# -- paired mode (image-to-video) --------------------------------------------------------

PAIRED_CORRELATION = 0.93
PAIRED_TERMS = 10


def _resized(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def is_paired(first_frame: np.ndarray, reference: np.ndarray) -> bool:
    """Whether a clip's first frame shows the reference image (same framing, any colour cast).

    Pearson correlation of luma at a common size is insensitive to gains, offsets and mild
    gamma, and low for a different picture.
    """
    h, w = first_frame.shape[:2]
    rh, rw = reference.shape[:2]
    if abs(w / h - rw / rh) > 0.02 * (w / h):
        return False
    a = luma(first_frame)
    b = luma(_resized(reference, (w, h)))
    if a.std() < 1e-3 or b.std() < 1e-3:
        return False
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1]) >= PAIRED_CORRELATION


def fit_paired(first_frame: np.ndarray, reference: np.ndarray) -> Transform:
    """Colour correction from pixel-to-pixel pairs between frame 0 and the reference."""
    h, w = first_frame.shape[:2]
    src = to_float(first_frame).reshape(-1, 3)
    ref = to_float(_resized(reference, (w, h))).reshape(-1, 3)
    keep = robust_mask(src) & robust_mask(ref)
    src, ref = src[keep], ref[keep]
    if len(src) > 60_000:
        idx = np.linspace(0, len(src) - 1, 60_000).astype(int)
        src, ref = src[idx], ref[idx]
    matrix = colour().matrix_colour_correction(src, ref, method="Cheung 2004", terms=PAIRED_TERMS)
    return PolynomialCorrection(matrix=np.asarray(matrix), terms=PAIRED_TERMS)
