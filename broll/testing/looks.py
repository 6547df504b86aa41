"""Creative looks as ``.cube`` files, for benchmarking look transfer (test/benchmark only).

Each look is a pure function of encoded RGB in [0, 1], the kind of grade a team keeps as a
LUT: split toning, bleach bypass, warm and cool tints, a filmic S-curve, faded blacks. The
benchmark bakes them with :func:`broll.grading.lut.bake` and reads them back through
:func:`broll.grading.lut.read_cube`, so a look reaches the matcher exactly as a user's would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from broll.grading.color import decode, encode

REC709_LUMA = np.array([0.2126, 0.7152, 0.0722])


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ REC709_LUMA


def _saturate(rgb: np.ndarray, amount: float | np.ndarray) -> np.ndarray:
    y = _luma(rgb)[:, None]
    amount = np.asarray(amount, dtype=np.float64)
    if amount.ndim == 1:
        amount = amount[:, None]
    return y + amount * (rgb - y)


def _s_curve(x: np.ndarray, contrast: float, pivot: float = 0.45) -> np.ndarray:
    """A smooth contrast curve through (0, 0), (pivot, pivot) and (1, 1)."""
    x = np.clip(x, 0, 1)
    lo = pivot * (x / pivot) ** contrast
    hi = 1 - (1 - pivot) * ((1 - x) / (1 - pivot)) ** contrast
    return np.where(x < pivot, lo, hi)


def teal_orange(rgb: np.ndarray) -> np.ndarray:
    y = _luma(rgb)[:, None]
    shadows, highlights = (1 - y) ** 2, y ** 2
    out = rgb + 0.09 * shadows * np.array([-0.9, 0.25, 0.55]) + 0.08 * highlights * np.array([0.7, 0.15, -0.7])
    return _s_curve(np.clip(out, 0, 1), 1.15)


def bleach_bypass(rgb: np.ndarray) -> np.ndarray:
    return _s_curve(np.clip(_saturate(rgb, 0.45), 0, 1), 1.35)


def warm(rgb: np.ndarray) -> np.ndarray:
    return encode(decode(rgb) * np.array([1.12, 1.0, 0.82]))


def cool(rgb: np.ndarray) -> np.ndarray:
    return encode(decode(rgb) * np.array([0.86, 0.98, 1.16]))


def filmic(rgb: np.ndarray) -> np.ndarray:
    out = _s_curve(rgb, 1.3, pivot=0.42)
    y = _luma(out)
    return np.clip(_saturate(out, 1.0 - 0.35 * np.clip((y - 0.6) / 0.4, 0, 1)), 0, 1)


def faded(rgb: np.ndarray) -> np.ndarray:
    out = 0.09 + 0.86 * rgb
    out = out + 0.025 * (1 - _luma(rgb))[:, None] * np.array([0.6, 0.2, -0.5])
    return np.clip(_saturate(out, 0.8), 0, 1)


LOOKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "teal-orange": teal_orange,
    "bleach-bypass": bleach_bypass,
    "warm": warm,
    "cool": cool,
    "filmic": filmic,
    "faded": faded,
}


def write_look(name: str, path: str | os.PathLike) -> Path:
    """Bake look ``name`` into a 33-point ``.cube`` at ``path``."""
    from broll.grading.lut import bake, write_cube
    return write_cube(bake(lambda x: np.clip(LOOKS[name](np.clip(x, 0, 1)), 0, 1), name=name), path)


def write_looks(folder: str | os.PathLike) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {name: write_look(name, folder / f"{name}.cube") for name in LOOKS}
