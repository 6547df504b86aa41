"""FFmpeg filter-graph fragments that fit a source into a target size, one per reframe mode.

Pure string building: the fragment reads ``[in]`` and writes ``[out]`` labels given by the
caller, so it drops into a larger ``-filter_complex`` (export, build) unchanged.

    center    crop the middle of the frame to the target aspect
    subject   crop a window that follows the subject (a CropPath from ``analyse``)
    blur      the whole picture, contained, over a blurred cover of itself (no black bars)
    contain   the whole picture with black bars
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from broll.errors import InputError, lookup
from broll.filtergraph import blur_fill, opt
from broll.reframe.path import CropPath, crop_geometry


def _square_pixels(sar: Fraction) -> list[str]:
    if sar == 1:
        return []
    return ["scale=w='trunc(iw*sar/2)*2':h=ih", "setsar=1"]


def _scale(w: int, h: int) -> str:
    return f"scale={w}:{h}:flags=bicubic"


def _center(src: tuple[int, int], dst: tuple[int, int], path: CropPath | None) -> list[str]:
    g = crop_geometry(*src, *dst)
    if not g.axis:
        return [_scale(*dst)]
    x = (g.src_w - g.crop_w) // 2
    y = (g.src_h - g.crop_h) // 2
    return [f"crop={g.crop_w}:{g.crop_h}:{x}:{y}", _scale(*dst)]


def _subject(src: tuple[int, int], dst: tuple[int, int], path: CropPath | None) -> list[str]:
    if path is None and not crop_geometry(*src, *dst).axis:
        return [_scale(*dst)]
    if path is None:
        raise InputError("reframe 'subject' needs a crop path", "analyse the clip with broll.reframe.subject_path")
    g = path.geometry
    if (g.src_w, g.src_h) != tuple(src):
        raise InputError(f"crop path was made for {g.src_w}x{g.src_h}, not {src[0]}x{src[1]}")
    if not g.axis:
        return [_scale(*dst)]
    return [crop_filter(path), _scale(*dst)]


def crop_filter(path: CropPath) -> str:
    """The moving ``crop`` for a path (its expression escaped the one way, ``filtergraph.opt``)."""
    g = path.geometry
    expr = opt(path.expression())
    x, y = (expr, "0") if g.axis == "x" else ("0", expr)
    return f"crop=w={g.crop_w}:h={g.crop_h}:x={x}:y={y}:exact=1"


def _contain(src: tuple[int, int], dst: tuple[int, int], path: CropPath | None) -> list[str]:
    w, h = dst
    return [f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags=bicubic",
            f"scale='trunc(iw/2)*2':'trunc(ih/2)*2'",
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"]


ChainBuilder = Callable[[tuple[int, int], tuple[int, int], "CropPath | None"], list[str]]

CHAINS: dict[str, ChainBuilder] = {"center": _center, "subject": _subject, "contain": _contain}
REFRAME_MODES = ("subject", "center", "blur", "contain")


def reframe_filter(mode: str, src: tuple[int, int], dst: tuple[int, int], *, path: CropPath | None = None,
                   sar: Fraction = Fraction(1), in_label: str = "in", out_label: str = "out") -> str:
    """A ``-filter_complex`` fragment from ``[in_label]`` to ``[out_label]`` at ``dst`` size, SAR 1."""
    mode = lookup({m: m for m in REFRAME_MODES}, "reframe mode", mode)
    pre = _square_pixels(sar)
    if mode == "blur":
        return ";".join(blur_fill(in_label, out_label, *dst, pre=pre))
    chain = pre + CHAINS[mode](src, dst, path) + ["setsar=1"]
    return f"[{in_label}]{','.join(chain)}[{out_label}]"
