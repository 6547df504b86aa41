"""Bake a transform into a 3D LUT, read/write ``.cube`` (colour-science), build FFmpeg lut3d filters.

A 33-point cube through FFmpeg's tetrahedral interpolation stays within ~0.1 mean dE00 of
the direct transform. FFmpeg's lut3d has SIMD code only for planar 16-bit / float input,
so the filter always converts to ``gbrp16le`` first (2.5x faster than the default rgb24).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from broll.atomic import atomic_path
from broll.errors import InputError
from broll.filtergraph import opt          # the one FFmpeg escaping helper
from broll.grading.color import colour

LUT_SIZE = 33


def bake(transform: Callable[[np.ndarray], np.ndarray], size: int = LUT_SIZE, name: str = "broll grade",
         comments: Sequence[str] = ()):
    """Sample ``transform`` on a size^3 grid of encoded RGB into a colour ``LUT3D``."""
    c = colour()
    grid = c.LUT3D.linear_table(size)
    table = np.clip(transform(grid.reshape(-1, 3)), 0.0, 1.0).reshape(grid.shape)
    return c.LUT3D(table=table, name=name, size=size, comments=list(comments))


def write_cube(lut, path: str | os.PathLike) -> Path:
    """Write an Iridas/Resolve ``.cube`` atomically (loads in Resolve, Premiere and FFmpeg)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if isinstance(lut, colour().LUT3D) and np.array_equal(lut.domain, [[0, 0, 0], [1, 1, 1]]):
            _write_cube_3d(lut, tmp)
        else:
            colour().write_LUT(lut, str(tmp), decimals=6, method="Iridas Cube")
        os.chmod(tmp, 0o644)
    return path


def _write_cube_3d(lut, path: str | os.PathLike) -> None:
    """What colour-science writes for a 3D LUT on the unit domain, formatted by NumPy in one
    pass (colour's row-by-row formatting took ~0.3 s CPU per 33-point cube, a third of a fit)."""
    head = [f'TITLE "{lut.name}"'] + [f"# {c}" for c in lut.comments] + [f"LUT_3D_SIZE {lut.table.shape[0]}"]
    flat = np.reshape(lut.table, (-1, 3), order="F")
    Path(path).write_text("\n".join(head) + "\n" + _six_decimals(flat))


def _six_decimals(rows: np.ndarray) -> str:
    """``"%.6f %.6f %.6f\n"`` of every (N, 3) row: the same text as Python's formatting, its
    digits built by NumPy (about a quarter of the CPU for a 33-point cube). A value in [0, 1]
    is written from ``v * 1e6`` rounded; the rare ones whose product lies within 1e-7 of a
    rounding tie (where the product's own rounding error could decide it), and anything
    outside [0, 1], are formatted by Python instead."""
    flat = np.asarray(rows, dtype=np.float64).reshape(-1)
    scaled = flat * 1e6
    with np.errstate(invalid="ignore"):
        fast = (flat >= 0) & (flat <= 1) & ~np.signbit(flat) & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-7)
    n = np.where(fast, np.floor(np.where(fast, scaled, 0) + 0.5), 0).astype(np.int64)
    chars = np.empty((len(n), 9), np.uint8)         # "d.dddddd" and a separator
    chars[:, 0] = 48 + n // 1_000_000
    chars[:, 1] = 46                                 # "."
    rest = n % 1_000_000
    for i in range(6):
        chars[:, 7 - i] = 48 + rest % 10
        rest //= 10
    chars[:, 8] = 32                                 # " " between values, "\n" after a row's third
    chars.reshape(-1, 27)[:, 26] = 10
    text = chars.tobytes().decode("ascii")
    if fast.all():
        return text
    values = text.split()
    for i in np.flatnonzero(~fast):
        values[i] = "%.6f" % flat[i]
    return "".join(f"{a} {b} {c}\n" for a, b, c in zip(values[0::3], values[1::3], values[2::3]))


LOOK_HINT = "export the look as a 3D .cube (LUT_3D_SIZE N, then N^3 lines of R G B) from your grading tool"


def cube_problem(path: str | os.PathLike) -> str | None:
    """What is structurally wrong with a ``.cube`` file, naming the line, or None.

    colour-science's own errors on a malformed file are NumPy internals ("setting an array
    element with a sequence"); a user needs the line to look at."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    sizes: dict[str, int] = {}
    rows = 0
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word = line.split()[0]
        if word in ("LUT_3D_SIZE", "LUT_1D_SIZE"):
            try:
                sizes[word] = int(line.split()[1])
            except (IndexError, ValueError):
                return f"line {number}: {word} needs a whole number, found {line!r}"
            continue
        values = line.split()
        try:
            float(word)
        except ValueError:
            continue          # a keyword line (TITLE, DOMAIN_MIN ...); colour-science reads those
        try:
            [float(v) for v in values]
        except ValueError:
            return f"line {number}: expected three numbers (R G B), found {line!r}"
        if len(values) != 3:
            return f"line {number}: expected three numbers (R G B), found {len(values)}: {line!r}"
        rows += 1
    if not sizes:
        return "no LUT_3D_SIZE (or LUT_1D_SIZE) line: not a .cube LUT"
    wanted = sizes.get("LUT_3D_SIZE", 0) ** 3 + sizes.get("LUT_1D_SIZE", 0)   # Resolve may hold both
    if rows != wanted:
        said = " and ".join(f"{k} {v}" for k, v in sizes.items())
        return f"{said} needs {wanted} rows of R G B, the file has {rows}"
    return None


def read_cube(path: str | os.PathLike, *, hint: str = "re-run `broll grade --lut-only`"):
    """A ``.cube`` as a colour LUT; a malformed file is one :class:`InputError` naming the line.

    ``hint`` says what to do: broll's own LUTs are re-made by re-running the grade (the
    default); a look LUT the user brings passes :data:`LOOK_HINT`."""
    try:
        return colour().read_LUT(str(path))
    except Exception as exc:  # colour raises assorted errors for malformed files
        problem = cube_problem(path)   # only now: a good file is parsed once, by colour-science
        raise InputError(f"{path}: {problem or f'not a readable .cube LUT ({exc})'}", hint) from None


def apply_lut(lut, rgb: np.ndarray) -> np.ndarray:
    """Apply a LUT in Python with tetrahedral interpolation, as FFmpeg does (for checks)."""
    c = colour()
    return lut.apply(np.asarray(rgb, dtype=np.float64), interpolator=c.algebra.table_interpolation_tetrahedral)


def lut3d_filter(path: str | os.PathLike, *, enable: str | None = None) -> str:
    out = f"lut3d=file={opt(str(Path(path).resolve()))}:interp=tetrahedral"
    if enable:
        out += f":enable={opt(enable)}"
    return out


def shot_filter(luts: Sequence[tuple[str | os.PathLike, float | None, float | None]]) -> str:
    """``format=gbrp16le`` then one lut3d per shot, each enabled on its [start, end) in seconds.

    A single shot needs no ``enable``. ``None`` as a bound means open-ended.
    """
    parts = ["format=gbrp16le"]
    if len(luts) == 1:
        parts.append(lut3d_filter(luts[0][0]))
        return ",".join(parts)
    for path, start, end in luts:
        terms = []
        if start is not None:
            terms.append(f"gte(t,{start:.6f})")
        if end is not None:
            terms.append(f"lt(t,{end:.6f})")
        parts.append(lut3d_filter(path, enable="*".join(terms) if terms else None))
    return ",".join(parts)
