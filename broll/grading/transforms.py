"""Global colour transforms as small frozen objects: ``t(rgb) -> rgb`` on (N, 3) encoded RGB in [0, 1].

Every transform is fitted once per shot and then baked into a 3D LUT, so it must be a pure
function of the pixel colour (no spatial or temporal terms): that is what guarantees a
grade adds no flicker. Nothing here fits anything; :mod:`broll.grading.fit` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from broll.grading.color import colour, decode, encode, lab_to_rgb, rgb_to_lab


class Transform:
    name = "transform"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Identity(Transform):
    name = "identity"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return np.asarray(rgb, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Affine(Transform):
    """``(x - mean_src) @ matrix + mean_ref``: MKL and per-channel scalings are of this form."""

    matrix: np.ndarray
    mean_src: np.ndarray
    mean_ref: np.ndarray
    name: str = "affine"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        # not ``@``: a (N, 3) x (3, 3) product starts OpenBLAS's threads, which cost many times
        # the product's own CPU on a busy machine (the fit calls this on 150k pixels)
        x = np.asarray(rgb, dtype=np.float64)
        rows = x.reshape(-1, x.shape[-1])
        # one output channel at a time over whole columns: a third of the CPU of broadcasting a
        # 3-long inner axis, the same sums in the same order
        d = [rows[:, i] - self.mean_src[i] for i in range(rows.shape[1])]
        out = np.empty((len(rows), len(self.mean_ref)))
        for j in range(out.shape[1]):
            acc = d[0] * self.matrix[0, j]
            for i in range(1, len(d)):
                acc += d[i] * self.matrix[i, j]
            acc += self.mean_ref[j]
            out[:, j] = acc
        return out.reshape(x.shape[:-1] + (out.shape[1],))


@dataclass(frozen=True, eq=False)
class Curves(Transform):
    """Per-channel monotone piecewise-linear curves through (x_knots[:, c], y_knots[:, c]).

    Beyond the outer knots the curve continues with slope 1, so the extremes are shifted,
    never stretched (no clipping is invented there).
    """

    x_knots: np.ndarray
    y_knots: np.ndarray
    name: str = "curves"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        rgb = np.asarray(rgb, dtype=np.float64)
        out = np.empty_like(rgb)
        for c in range(3):
            xk, yk, x = self.x_knots[:, c], self.y_knots[:, c], rgb[:, c]
            y = np.interp(x, xk, yk)
            lo, hi = x < xk[0], x > xk[-1]
            y[lo] = yk[0] + (x[lo] - xk[0])
            y[hi] = yk[-1] + (x[hi] - xk[-1])
            out[:, c] = y
        return out


@dataclass(frozen=True, eq=False)
class LinearGains(Transform):
    """White balance and exposure: per-channel gains applied in linear light (von Kries on RGB)."""

    gains: np.ndarray
    name: str = "gains"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return encode(decode(rgb) * self.gains)


@dataclass(frozen=True, eq=False)
class InLab(Transform):
    """An affine map applied in CIELAB (Reinhard et al. 2001, with CIELAB for lalphabeta)."""

    inner: Affine
    name: str = "lab"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return lab_to_rgb(self.inner(rgb_to_lab(rgb)))


@dataclass(frozen=True, eq=False)
class PolynomialCorrection(Transform):
    """A colour-correction matrix over polynomial terms (Cheung et al. 2004) from paired samples."""

    matrix: np.ndarray
    terms: int
    name: str = "paired"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return colour().apply_matrix_colour_correction(np.asarray(rgb, dtype=np.float64), self.matrix,
                                                       method="Cheung 2004", terms=self.terms)


@dataclass(frozen=True, eq=False)
class Chain(Transform):
    steps: tuple[Transform, ...]
    name: str = "chain"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        out = np.asarray(rgb, dtype=np.float64)
        for step in self.steps:
            out = step(out)
        return out


BLACK_RAMP = (0.02, 0.08)        # encoded max-channel range over which a grade fades in from black
# A confirmed match (same scene, or paired) has measured evidence down to the shadows: only
# pure black (bars, fades) is held. The wide ramp kept a strong cast's dark pixels uncorrected:
# on suite (a)'s tuning half it cost 0.09 dE00 on average, 2.0 on one dark clip (docs/grading.md).
MATCHED_BLACK_RAMP = (0.0, 0.02)


def black_weight(rgb: np.ndarray, lo: float = BLACK_RAMP[0], hi: float = BLACK_RAMP[1]) -> np.ndarray:
    """0 at black rising smoothly to 1: pure black (letterbox bars, fades) stays black."""
    m = np.clip((np.max(rgb, axis=-1) - lo) / (hi - lo), 0.0, 1.0)
    return m * m * (3 - 2 * m)


@dataclass(frozen=True, eq=False)
class Graded(Transform):
    """What is baked: ``src + s * w(src) * (T(src) - src)``, clipped to [0, 1].

    ``s`` is the user's strength (possibly lowered by the change cap); ``w`` protects black.
    """

    core: Transform
    strength: float
    name: str = "graded"
    black: tuple[float, float] = BLACK_RAMP     # MATCHED_BLACK_RAMP for a confirmed match

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        rgb = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0)
        if self.strength == 0:
            return rgb
        moved = np.clip(self.core(rgb), 0.0, 1.0)
        w = self.strength * black_weight(rgb, *self.black)[:, None]
        return np.clip(rgb + w * (moved - rgb), 0.0, 1.0)


def apply_image(t: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    """Apply a transform to an HxWx3 float image."""
    shape = image.shape
    return t(np.asarray(image, dtype=np.float64).reshape(-1, 3)).reshape(shape)


@dataclass(frozen=True, eq=False)
class ToneTint(Transform):
    """Split toning, white balance and saturation in CIELAB: what a look still can identify.

    ``a* b*`` of a pixel lose the clip's own tint at its lightness (``tint_in``, linear in L*
    between ``l_knots``), are scaled by ``chroma_scale`` about that neutral and gain
    ``tint_out``. Lightness is left alone unless a tone curve is given (``tone_x`` ->
    ``tone_y`` on L*): one reference of other content says nothing reliable about tone (a
    darker scene would darken a bright one); a look book's pooled stills can.
    """

    l_knots: np.ndarray        # (K,) L* positions
    tint_in: np.ndarray        # (K, 2) a*, b* of the clip's neutrals at each knot
    tint_out: np.ndarray       # (K, 2) where those neutrals go
    chroma_scale: float = 1.0
    tone_x: np.ndarray | None = None   # optional L* curve (a look book's tone): knots in ...
    tone_y: np.ndarray | None = None   # ... and out, increasing; None leaves lightness alone
    name: str = "tone-tint"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        lab = rgb_to_lab(np.clip(np.asarray(rgb, dtype=np.float64), 0, 1))
        L = lab[:, 0]
        out = lab.copy()
        if self.tone_x is not None:
            out[:, 0] = np.interp(L, self.tone_x, self.tone_y)
        for c in (0, 1):
            t_in = np.interp(L, self.l_knots, self.tint_in[:, c])
            t_out = np.interp(L, self.l_knots, self.tint_out[:, c])
            out[:, c + 1] = self.chroma_scale * (lab[:, c + 1] - t_in) + t_out
        return np.clip(lab_to_rgb(out), 0, 1)


@dataclass(frozen=True, eq=False)
class TableLUT(Transform):
    """A look the team already owns, from a ``.cube`` (colour-science LUT3D), applied as FFmpeg does."""

    lut: object
    name: str = "look"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        from broll.grading.lut import apply_lut
        return np.clip(apply_lut(self.lut, np.clip(np.asarray(rgb, dtype=np.float64), 0, 1)), 0, 1)
