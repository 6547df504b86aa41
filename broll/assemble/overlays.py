"""Brand layers: an image (a logo or watermark, PNG with alpha) placed by anchor and margin inside the preset's
safe zone, scaled to a share of the picture width, at an opacity, between two times on the reel's clock.

Pure: returns filter-graph statements; the render adds the image as an input and wires the labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from broll.captions.ass import Canvas

ANCHORS = ("top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right")


@dataclass(frozen=True)
class Placement:
    """Where and how one overlay lands on one output (after per-output overrides are applied)."""

    anchor: str = "top-right"
    margin: float = 0.03          # gap from the safe zone's edge, fraction of the picture's shorter side
    scale: float = 0.15           # overlay width / picture width
    opacity: float = 1.0
    start: Fraction = Fraction(0)
    end: Optional[Fraction] = None  # None: to the end of the reel


def position(anchor: str, margin: float, frame: Canvas) -> tuple[str, str]:
    """Overlay x/y expressions (``w``/``h`` are the overlay's size) keeping it inside the safe zone."""
    if anchor not in ANCHORS:
        raise ValueError(f"unknown anchor {anchor!r}")
    gap = margin * min(frame.width, frame.height)
    left = round(frame.safe_left * frame.width + gap)
    right = round(frame.width * (1 - frame.safe_right) - gap)
    top = round(frame.safe_top * frame.height + gap)
    bottom = round(frame.height * (1 - frame.safe_bottom) - gap)
    vertical, _, horizontal = anchor.partition("-") if "-" in anchor else (anchor, "", anchor)
    if horizontal in ("left",):
        x = f"{left}"
    elif horizontal in ("right",):
        x = f"{right}-w"
    else:
        x = f"({left}+{right}-w)/2"
    if vertical == "top":
        y = f"{top}"
    elif vertical == "bottom":
        y = f"{bottom}-h"
    else:
        y = f"({top}+{bottom}-h)/2"
    return x, y


def _seconds(value: Fraction) -> str:
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def overlay_statements(image_label: str, base_label: str, out_label: str, placement: Placement, frame: Canvas,
                       tag: str) -> list[str]:
    """``[image]`` scaled and faded, then laid over ``[base]`` into ``[out]`` while it is on screen.

    On screen means output frames ``f`` with ``start <= f / fps < end``; the enable test compares against
    half-frame boundaries so float frame times can never land a frame on the wrong side. Widths are rounded
    to even numbers; the alpha is multiplied, so a PNG's own transparency is kept.
    """
    width = max(2, int(round(placement.scale * frame.width / 2)) * 2)
    fade = "" if placement.opacity >= 1 else f",colorchannelmixer=aa={placement.opacity:.4f}"
    x, y = position(placement.anchor, placement.margin, frame)
    enable = ""
    if placement.start > 0 or placement.end is not None:
        fps = Fraction(frame.fps)
        first = (math.ceil(placement.start * fps) - Fraction(1, 2)) / fps
        test = f"gte(t\\,{_seconds(first)})"
        if placement.end is not None:
            last = (math.ceil(placement.end * fps) - Fraction(1, 2)) / fps
            test += f"*lt(t\\,{_seconds(last)})"
        enable = f":enable='{test}'"
    return [f"[{image_label}]format=rgba,scale={width}:-2{fade}[{tag}]",
            f"[{base_label}][{tag}]overlay=x={x}:y={y}:eof_action=repeat:format=auto{enable}[{out_label}]"]
