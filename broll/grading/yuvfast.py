"""A cheap stand-in for a shot's LUT that runs on the decoder's own 8-bit YUV planes.

Applying a 3D LUT costs a 1080p build about 15 ms of CPU a frame (the picture goes to 16-bit
planar RGB for FFmpeg's SIMD ``lut3d`` and back), which is as much as x264 veryfast itself.
Three YUV filters cost under 2 ms: ``lutyuv`` (a tone curve on Y and a curve on each chroma
plane), ``hue`` (a rotation of the chroma plane: the cross-talk between Cb and Cr) and
``colorcorrect`` (chroma offsets that vary linearly with luma: what a white-balance shift does
to grey). :func:`fit_chain` fits that chain to a shot's graded transform by least squares on
the shot's own pixels, and :class:`YuvChain` mirrors FFmpeg's 8-bit arithmetic (truncations,
clipping, which planes each filter reads) so the fit's error, measured in CIEDE2000 against
the exact transform, is what the render will show. The build uses the chain only for shots
whose error is within :data:`MAX_MEAN_DE` / :data:`MAX_P95_DE`; others keep the exact LUT.

Pure numpy; the FFmpeg filters are only named here (as a filter string).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

# Gate, in CIEDE2000 to the exact transform over the shot's pixels (4:4:4). What a build delivers
# is 8-bit 4:2:0: there the exact LUT itself lands 0.87 mean from the transform and the stand-in
# 0.93 (benchmarks/grade.py, cast suite), so a stand-in within 1.0 here adds little to what the
# output format already costs; the p95 bound keeps a minority of colours from going far off.
MAX_MEAN_DE = 1.0
MAX_P95_DE = 2.5
Y_KNOTS = (32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224)
C_KNOTS = (64, 80, 96, 112, 120, 128, 136, 144, 160, 176, 192)
MATRICES = {"bt709": (0.2126, 0.0722), "bt601": (0.299, 0.114)}   # (Kr, Kb)
SAMPLE = 20_000
GREY_RAMP = 512


# -- limited-range Y'CbCr codes <-> encoded RGB ----------------------------------------------

def rgb_to_codes(rgb: np.ndarray, matrix: str = "bt709") -> np.ndarray:
    """Encoded RGB in [0, 1] -> float 8-bit codes (Y 16-235, Cb/Cr 16-240)."""
    kr, kb = MATRICES[matrix]
    rgb = np.asarray(rgb, dtype=np.float64)
    y = rgb @ np.array([kr, 1 - kr - kb, kb])
    cb = (rgb[:, 2] - y) / (2 * (1 - kb))
    cr = (rgb[:, 0] - y) / (2 * (1 - kr))
    return np.column_stack([16 + 219 * y, 128 + 224 * cb, 128 + 224 * cr])


def codes_to_rgb(codes: np.ndarray, matrix: str = "bt709") -> np.ndarray:
    kr, kb = MATRICES[matrix]
    codes = np.asarray(codes, dtype=np.float64)
    y = (codes[:, 0] - 16) / 219
    cb = (codes[:, 1] - 128) / 224
    cr = (codes[:, 2] - 128) / 224
    r = y + 2 * (1 - kr) * cr
    b = y + 2 * (1 - kb) * cb
    g = (y - kr * r - kb * b) / (1 - kr - kb)
    return np.clip(np.column_stack([r, g, b]), 0.0, 1.0)


# -- piecewise-linear curves as FFmpeg expressions --------------------------------------------

def _hinges(x: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """Basis 1, x, max(x - k, 0) for each knot: a continuous piecewise-linear curve."""
    x = np.asarray(x, dtype=np.float64)
    return np.column_stack([np.ones_like(x), x] + [np.maximum(x - k, 0.0) for k in knots])


def _curve_expression(coef: np.ndarray, knots: tuple[int, ...]) -> str:
    """The curve in FFmpeg's expression language, +0.5 so lutyuv's truncation rounds.

    ``max(d, 0)`` is written ``(d+abs(d))/2``: no commas, so the string needs no quoting
    inside a filter graph.
    """
    terms = [f"{coef[0] + 0.5:.6f}", f"{coef[1]:+.6f}*val"]
    terms += [f"{c:+.6f}*(val-{k}+abs(val-{k}))/2" for c, k in zip(coef[2:], knots) if abs(c) > 1e-7]
    return "".join(terms)


def _curve_table(coef: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """What lutyuv stores for codes 0-255: the expression, truncated, clipped to 8 bits."""
    codes = np.arange(256, dtype=np.float64)
    values = _hinges(codes, knots) @ coef + 0.5
    return np.clip(np.trunc(values), 0, 255).astype(np.int64)


# -- the chain --------------------------------------------------------------------------------

@dataclass(frozen=True)
class YuvChain:
    y_coef: tuple[float, ...]
    u_coef: tuple[float, ...]
    v_coef: tuple[float, ...]
    hue_degrees: float
    pre_hue_degrees: float   # a first rotation before the curves: with the second, any 2x2 chroma mix
    rl: float            # colorcorrect: Cr offset at black and at white (fractions of full scale)
    rh: float
    bl: float            # ... and Cb
    bh: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "YuvChain":
        return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()})

    def simulate(self, codes: np.ndarray) -> np.ndarray:
        """(N, 3) integer codes in, what FFmpeg's three filters output (integer codes)."""
        codes = np.asarray(codes, dtype=np.int64)
        u, v = _hue(codes[:, 1], codes[:, 2], self.pre_hue_degrees)
        y = _curve_table(np.array(self.y_coef), Y_KNOTS)[codes[:, 0]]
        u = _curve_table(np.array(self.u_coef), C_KNOTS)[u]
        v = _curve_table(np.array(self.v_coef), C_KNOTS)[v]
        u, v = _hue(u, v, self.hue_degrees)
        if not self.has_offsets:
            return np.column_stack([y, u, v]).astype(np.int64)
        # colorcorrect: float offsets that follow the (new) luma, truncated back to 8 bits
        yn = y / 255.0
        u = np.clip(np.trunc(((u / 255.0 - 0.5) + self.bl + (self.bh - self.bl) * yn + 0.5) * 255), 0, 255)
        v = np.clip(np.trunc(((v / 255.0 - 0.5) + self.rl + (self.rh - self.rl) * yn + 0.5) * 255), 0, 255)
        return np.column_stack([y, u, v]).astype(np.int64)

    def ffmpeg_filter(self, enable: str | None = None) -> str:
        """The filter chain, each filter switched by ``enable`` when a clip has several shots."""
        from broll.filtergraph import opt
        on = f":enable={opt(enable)}" if enable else ""
        parts = [f"hue=h={self.pre_hue_degrees:.4f}{on}"] if self.pre_hue_degrees else []
        parts += [f"lutyuv=y={_curve_expression(np.array(self.y_coef), Y_KNOTS)}"
                 f":u={_curve_expression(np.array(self.u_coef), C_KNOTS)}"
                 f":v={_curve_expression(np.array(self.v_coef), C_KNOTS)}{on}"]
        if self.hue_degrees:
            parts.append(f"hue=h={self.hue_degrees:.4f}{on}")
        if self.has_offsets:
            parts.append(f"colorcorrect=rl={self.rl:.6f}:bl={self.bl:.6f}:rh={self.rh:.6f}:bh={self.bh:.6f}{on}")
        return ",".join(parts)

    @property
    def has_offsets(self) -> bool:
        return any(abs(x) > 1e-9 for x in (self.rl - 0.5 / 255, self.rh - 0.5 / 255, self.bl - 0.5 / 255,
                                            self.bh - 0.5 / 255))

    @property
    def cost_ms(self) -> float:
        """Measured CPU per 1080p frame on the 2-core reference machine: lutyuv 1.0, colorcorrect
        1.2, hue 0.4 each (benchmarks/grade.py)."""
        return 1.0 + 1.2 * self.has_offsets + 0.4 * (bool(self.hue_degrees) + bool(self.pre_hue_degrees))


def _hue(u: np.ndarray, v: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """FFmpeg's hue filter: a 16.16 fixed-point rotation of (Cb, Cr) about 128, rounded, clipped."""
    if not degrees:
        return u, v
    c = int(round(np.cos(np.radians(degrees)) * 65536))
    s = int(round(np.sin(np.radians(degrees)) * 65536))
    du, dv = u - 128, v - 128
    return (np.clip((c * du - s * dv + 32768 + (128 << 16)) >> 16, 0, 255),
            np.clip((s * du + c * dv + 32768 + (128 << 16)) >> 16, 0, 255))


@dataclass(frozen=True)
class FastFit:
    chain: YuvChain
    matrix: str
    mean_de: float       # CIEDE2000 to the exact transform on the shot's pixels
    p95_de: float

    @property
    def usable(self) -> bool:
        return self.mean_de <= MAX_MEAN_DE and self.p95_de <= MAX_P95_DE

    def summary(self) -> dict:
        return {"chain": self.chain.to_dict(), "matrix": self.matrix, "mean_de": round(self.mean_de, 3),
                "p95_de": round(self.p95_de, 3), "usable": self.usable}


def _lstsq(x: np.ndarray, t: np.ndarray, count: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Least squares over rows that each stand for ``count`` equal samples, with a whisper of
    ridge so empty knot spans stay flat instead of wild."""
    reg = ridge * np.eye(x.shape[1])
    reg[0, 0] = reg[1, 1] = 0.0
    root = np.sqrt(count)
    z = x * root[:, None]
    # z.T @ z of one array is BLAS's syrk, 0.5 ms here; a general x.T @ (count x) product
    # measured 8 ms of CPU on the busy machine (its threads wait for a core)
    return np.linalg.solve(z.T @ z + reg * count.sum(), z.T @ (t * root))


def _rotate(du: np.ndarray, dv: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return c * du - s * dv, s * du + c * dv


def _round_angle(degrees: float) -> float:
    """Wrapped to (-180, 180], to 0.01 degree; under a quarter degree is not worth a filter."""
    degrees = float((degrees + 180.0) % 360.0 - 180.0)
    return 0.0 if abs(degrees) < 0.25 else round(degrees, 2)


def fit_chain(transform: Callable[[np.ndarray], np.ndarray], rgb: np.ndarray, matrix: str = "bt709",
              seed: int = 0) -> FastFit:
    """Fit the YUV chain to ``transform`` on the shot's pixels (``rgb``: (N, 3) encoded RGB).

    Four forms are fitted (each in ~10 ms): with or without the two hue rotations (any 2x2
    chroma mix) and with or without colorcorrect's luma-linear offsets. Every extra 8-bit stage
    adds rounding noise and CPU, so the cheapest form within 0.1 dE00 of the best usable one
    wins; if none is usable, the most faithful is returned (and the build keeps the exact LUT).
    """
    target = _Target.of(transform, rgb, matrix, seed)      # shared by the four forms: fitted once
    shared: dict = {}                                         # ... and so are the parts they have in common
    fits = [_fit_chain(transform, rgb, matrix, seed, rotate=rot, offsets=off, target=target, shared=shared)
            for rot in (False, True) for off in (False, True)]
    usable = [f for f in fits if f.usable]
    if not usable:
        return min(fits, key=lambda f: f.mean_de)
    best = min(f.mean_de for f in usable)
    return min((f for f in usable if f.mean_de <= best + 0.1), key=lambda f: (f.chain.cost_ms, f.mean_de))


@dataclass(frozen=True, eq=False)
class _Target:
    """What every chain form is fitted to: the sampled decoder codes and the transform's output.

    Everything the fit and its check compute for a sample is a function of its code triple,
    and the sample of an 8-bit shot repeats triples (20.5k samples hold 3-12k distinct ones on
    the 1080p clips of ``benchmarks/grade.py --fit-time``): each distinct triple is kept once,
    with how often it occurs, and weighted by that count, which is the same fit and the same
    mean and 95th percentile as over every sample (to rounding).
    """

    src: np.ndarray          # (M, 3) int64 distinct Y'CbCr codes
    count: np.ndarray        # (M,) float: how many samples have each
    want: np.ndarray         # (M, 3) float codes the transform asks for
    want_lab: np.ndarray     # ... as L*a*b*, for the fidelity check

    @classmethod
    def of(cls, transform: Callable[[np.ndarray], np.ndarray], rgb: np.ndarray, matrix: str, seed: int) -> "_Target":
        from broll.grading.color import rgb_to_lab
        rgb = np.asarray(rgb, dtype=np.float64)
        if len(rgb) > SAMPLE:
            rgb = rgb[np.random.default_rng(seed).choice(len(rgb), SAMPLE, replace=False)]
        # a grey ramp from black to white too: the pool leaves out near-black and clipped pixels,
        # and the stand-in must keep black black and white white like the LUT does
        ramp = np.repeat(np.linspace(0.0, 1.0, GREY_RAMP)[:, None], 3, axis=1)
        rgb = np.vstack([rgb, ramp])
        codes = np.clip(np.round(rgb_to_codes(rgb, matrix)), 0, 255).astype(np.int64)   # what the decoder holds
        _, first, count = np.unique((codes[:, 0] << 16) | (codes[:, 1] << 8) | codes[:, 2],
                                    return_index=True, return_counts=True)
        src = codes[first]
        want_rgb = np.clip(transform(codes_to_rgb(src, matrix)), 0.0, 1.0)
        return cls(src, count.astype(np.float64), rgb_to_codes(want_rgb, matrix), rgb_to_lab(want_rgb))


def _fit_chain(transform: Callable[[np.ndarray], np.ndarray], rgb: np.ndarray, matrix: str, seed: int,
               *, rotate: bool, offsets: bool = True, target: _Target | None = None,
               shared: dict | None = None) -> FastFit:
    """One chain form. ``shared``: what the forms of one :func:`fit_chain` compute alike (the
    luma curve, the chroma mix of each luma-offset choice, the chroma hinges of each
    pre-rotation), computed by the first form that needs it."""
    from broll.grading.color import delta_e00, rgb_to_lab

    target = target if target is not None else _Target.of(transform, rgb, matrix, seed)
    src, want, count = target.src, target.want, target.count
    shared = {} if shared is None else shared

    def once(key, make):
        if key not in shared:
            shared[key] = make()
        return shared[key]

    def luma_curve():
        coef = _lstsq(_hinges(src[:, 0], Y_KNOTS), want[:, 0], count)
        out = _curve_table(coef, Y_KNOTS)[src[:, 0]].astype(np.float64)
        return coef, out, float((out * count).sum() / count.sum())
    y_coef, y_out, y_mid = once("luma", luma_curve)
    luma = (y_out - y_mid)[:, None] if offsets else np.zeros((len(y_out), 1))

    def chroma_mix():
        # The best 2x2 chroma mix (with a luma term) by plain least squares, split by SVD into
        # rotation * per-axis scale * rotation: two hue filters around the per-plane curves.
        base = np.column_stack([src[:, 1] - 128, src[:, 2] - 128, luma[:, 0], np.ones(len(src))])
        root = np.sqrt(count)[:, None]                          # weighted least squares: rows times sqrt(count)
        mix = np.linalg.lstsq(base * root, (want[:, 1:] - 128) * root, rcond=None)[0][:2].T   # target = mix @ chroma
        u_, _, vt = np.linalg.svd(mix)
        if np.linalg.det(u_) < 0:
            u_[:, 1] *= -1
            vt[1] *= -1
        return mix, u_, vt
    mix, u_, vt = once(("mix", offsets), chroma_mix)
    pre = _round_angle(np.degrees(np.arctan2(vt[1, 0], vt[0, 0])))
    post = _round_angle(np.degrees(np.arctan2(u_[1, 0], u_[0, 0])))
    if not rotate or np.linalg.det(vt) < 0 or np.linalg.det(mix) <= 0:
        pre = post = 0.0          # a reflection: no rotation pair expresses it; curves only

    def chroma_hinges():
        ru, rv = _hue(src[:, 1], src[:, 2], pre)
        return _hinges(ru, C_KNOTS), _hinges(rv, C_KNOTS)
    hu, hv = once(("hinges", pre), chroma_hinges)
    tu, tv = _rotate(want[:, 1] - 128, want[:, 2] - 128, -post)
    cu = _lstsq(np.hstack([hu, luma]), tu, count)
    cv = _lstsq(np.hstack([hv, luma]), tv, count)
    # curves carry each axis's own shape (+128 back to codes); the luma terms go to colorcorrect
    u_coef, v_coef = cu[:-1].copy(), cv[:-1].copy()
    u_coef[0] += 128
    v_coef[0] += 128
    ku, kv = (float(k) for k in _rotate(np.array(cu[-1]), np.array(cv[-1]), post))   # codes per luma code
    # offset(Y) = k * (Y - y_mid) codes = 255 * (lo + (hi - lo) * Y / 255)
    # (+ half a code: colorcorrect truncates, so this makes it round)
    bl, bh = (-ku * y_mid + 0.5) / 255, (ku * (255 - y_mid) + 0.5) / 255
    rl, rh = (-kv * y_mid + 0.5) / 255, (kv * (255 - y_mid) + 0.5) / 255
    chain = YuvChain(tuple(float(c) for c in y_coef), tuple(float(c) for c in u_coef),
                     tuple(float(c) for c in v_coef), post, pre, rl=rl, rh=rh, bl=bl, bh=bh)
    got_rgb = codes_to_rgb(chain.simulate(src), matrix)
    de = delta_e00(rgb_to_lab(got_rgb), target.want_lab)
    return FastFit(chain, matrix, float((de * count).sum() / count.sum()),
                   float(np.percentile(np.repeat(de, count.astype(np.int64)), 95)))


def matrix_for(color_space: str) -> str | None:
    """The Y'CbCr matrix FFmpeg and PyAV use for a clip's tag; None where the fast path won't go."""
    if color_space in ("bt709",):
        return "bt709"
    if color_space in ("", "unknown", "smpte170m", "bt470bg", "unspecified"):
        return "bt601"           # untagged: swscale's default, which the decoder also used for the fit
    return None
