"""Cues -> an Advanced SubStation Alpha (.ass) script that FFmpeg's libass renders frame-exactly.

Timing: a cue covers the output frames ``f`` with ``start <= f / fps < end``. libass shows an event while
``start_ms <= t_ms < end_ms``, and FFmpeg's subtitles filter hands it each frame's time truncated to whole
milliseconds, while .ass stores centiseconds. Writing each boundary as ``floor(100 * f / fps)`` centiseconds of
the first frame on its side puts it after the previous frame's time and at or before this frame's time for any
rate below 100 fps, so the first and last frame of every cue are exact.

Layout: PlayRes equals the output size, so margins and font sizes are in output pixels; margins come from the
preset's safe zone; lines are broken by :mod:`broll.captions.layout` and joined with ``\\N``. Word modes write one
event per word interval with the whole cue laid out identically, so lines never reflow as words light up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Sequence

from broll.captions.layout import Block, fit
from broll.captions.model import CaptionStyle, Cue
from broll.errors import InputError

_NAMED = {
    "white": "FFFFFF", "black": "000000", "yellow": "FFFF00", "red": "FF0000", "green": "00FF00",
    "blue": "0000FF", "cyan": "00FFFF", "magenta": "FF00FF", "orange": "FFA500", "gray": "808080",
    "grey": "808080", "pink": "FFC0CB", "purple": "800080",
}
_HEX = re.compile(r"^(?:#|0x)([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")


def ass_colour(colour: str) -> str:
    """``#RRGGBB``, ``#RRGGBBAA``, ``0xRRGGBB`` or a name, optionally ``@opacity`` -> ``&HAABBGGRR``.

    ASS stores transparency (00 = opaque), the reverse of the opacity CSS and FFmpeg use.
    """
    text = colour.strip()
    opacity = 1.0
    if "@" in text:
        text, _, alpha = text.partition("@")
        try:
            opacity = float(alpha)
        except ValueError:
            raise InputError(f"bad colour opacity in {colour!r}", "write e.g. #000000@0.6") from None
        if not 0.0 <= opacity <= 1.0:
            raise InputError(f"colour opacity in {colour!r} is outside 0-1", "write e.g. #000000@0.6")
    m = _HEX.match(text)
    if m:
        rgb, aa = m.group(1), m.group(2)
        if aa is not None:
            opacity *= int(aa, 16) / 255
    elif text.lower() in _NAMED:
        rgb = _NAMED[text.lower()]
    else:
        raise InputError(f"unknown colour {colour!r}", "use #RRGGBB, #RRGGBBAA or one of " + ", ".join(sorted(_NAMED)))
    r, g, b = rgb[0:2], rgb[2:4], rgb[4:6]
    transparency = round((1.0 - opacity) * 255)
    return f"&H{transparency:02X}{b.upper()}{g.upper()}{r.upper()}"


def frame_of(t: Fraction, fps: Fraction) -> int:
    """The first output frame at or after time ``t``."""
    return math.ceil(Fraction(t) * Fraction(fps))


def stamp(frame: int, fps: Fraction) -> str:
    """The .ass time (H:MM:SS.cc) that starts exactly at ``frame``: floor of its time in centiseconds."""
    if Fraction(fps) >= 100:
        raise InputError(f"captions need a frame rate below 100 fps, got {float(fps):g}")
    cs = math.floor(Fraction(frame) / Fraction(fps) * 100)
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _escape(text: str) -> str:
    """Text as libass reads it literally: braces start override blocks, a backslash starts an escape."""
    return text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")


@dataclass(frozen=True)
class Canvas:
    """The output picture the captions land on and the safe zone (fractions of each side) they keep inside."""

    width: int
    height: int
    fps: Fraction
    safe_top: float = 0.05
    safe_bottom: float = 0.05
    safe_left: float = 0.05
    safe_right: float = 0.05

    @property
    def text_width(self) -> int:
        return int(self.width * (1.0 - self.safe_left - self.safe_right))


_ALIGN = {"bottom": 2, "center": 5, "top": 8}


def _header(style: CaptionStyle, canvas: Canvas, font_family: str, size_px: int) -> list[str]:
    bold = -1 if "bold" in style.font.lower() or font_family.lower().endswith("bold") else 0
    outline = max(0.0, style.outline * size_px)
    shadow = max(0.0, style.shadow * size_px)
    border_style, outline_colour = 1, ass_colour(style.outline_color)
    if style.box:
        border_style, outline_colour = 3, ass_colour(style.box)
        outline = max(outline, 0.25 * size_px)  # the box's padding
    margin_v = round((canvas.safe_bottom if style.position == "bottom" else canvas.safe_top) * canvas.height)
    margin_l = round(canvas.safe_left * canvas.width)
    margin_r = round(canvas.safe_right * canvas.width)
    family = font_family.split(":")[0]
    return [
        "[Script Info]",
        "; written by broll: captions on the reel's clock",
        "ScriptType: v4.00+",
        f"PlayResX: {canvas.width}",
        f"PlayResY: {canvas.height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding",
        f"Style: Default,{family},{size_px},{ass_colour(style.color)},{ass_colour(style.highlight_color)},"
        f"{outline_colour},{ass_colour('#000000@0.5')},{bold},0,0,0,100,100,0,0,{border_style},{outline:.1f},"
        f"{shadow:.1f},{_ALIGN[style.position]},{margin_l},{margin_r},{margin_v},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]


def _dialogue(first: int, last_excl: int, fps: Fraction, text: str, margin_v: int = 0) -> str:
    return f"Dialogue: 0,{stamp(first, fps)},{stamp(last_excl, fps)},Default,,0,0,{margin_v},,{text}"


# (start, end or None, vertical margin in pixels): while something else occupies the captions' edge (a
# lower-third at the bottom), cues overlapping that time move further in so they never cover it
KeepClear = tuple[Fraction, Optional[Fraction], int]


def _margin_for(cue: Cue, keep_clear: Sequence[KeepClear]) -> int:
    return max((m for a, b, m in keep_clear if cue.end > a and (b is None or cue.start < b)), default=0)


def _block_events(block: Block, style: CaptionStyle, canvas: Canvas, base_px: int,
                  keep_clear: Sequence[KeepClear] = ()) -> list[str]:
    cue = block.cue
    first, end = frame_of(cue.start, canvas.fps), frame_of(cue.end, canvas.fps)
    if end <= first:
        return []  # shorter than a frame at this rate: nothing to show
    margin_v = _margin_for(cue, keep_clear)
    if margin_v:    # never closer to the edge than the safe zone keeps the style
        edge = canvas.safe_bottom if style.position == "bottom" else canvas.safe_top
        margin_v = max(margin_v, round(edge * canvas.height))
    size_tag = "" if block.size_px == base_px else f"{{\\fs{block.size_px}}}"
    line_words = [line.split() for line in block.lines]
    if style.words == "none" or not cue.words or sum(map(len, line_words)) != len(cue.words):
        return [_dialogue(first, end, canvas.fps, size_tag + "\\N".join(_escape(x) for x in block.lines), margin_v)]
    # word modes: one event per word interval, the whole cue laid out the same way in each
    spoken = [frame_of(w.start, canvas.fps) for w in cue.words]
    events, hi = [], ass_colour(style.highlight_color)
    bounds = [first] + [min(max(f, first), end) for f in spoken[1:]] + [end]
    for k in range(len(cue.words)):
        a, b = bounds[k], bounds[k + 1]
        if b <= a:
            continue
        parts, index = [], 0
        for words in line_words:
            out = []
            for word in words:
                token = _escape(word)
                if index == k and style.words == "highlight":
                    token = f"{{\\1c{hi}}}{token}{{\\1c{ass_colour(style.color)}}}"
                elif index > k and style.words == "reveal":
                    token = f"{{\\alpha&HFF&}}{token}{{\\alpha&H00&}}"
                out.append(token)
                index += 1
            parts.append(" ".join(out))
        events.append(_dialogue(a, b, canvas.fps, size_tag + "\\N".join(parts), margin_v))
    return events


def render_ass(cues: Sequence[Cue], style: CaptionStyle, canvas: Canvas, *, font_family: str = "DejaVu Sans",
               keep_clear: Sequence[KeepClear] = ()) -> str:
    """The whole .ass document for ``cues`` on ``canvas``; ``keep_clear`` raises cues off what else is at their edge."""
    base_px = max(8, round(style.size * canvas.height))
    lines = _header(style, canvas, font_family, base_px)
    for cue in sorted(cues, key=lambda c: (c.start, c.end)):
        for block in fit(cue, width_px=canvas.text_width, height_px=canvas.height, size=style.size,
                         min_size=style.min_size, max_chars=style.max_chars, max_lines=style.max_lines):
            lines.extend(_block_events(block, style, canvas, base_px, keep_clear))
    return "\n".join(lines) + "\n"


def subtitles_filter(ass_path: str, fonts_dir: str | None = None) -> str:
    """The FFmpeg filter that burns ``ass_path`` in (escaped for a filter graph)."""
    from broll.filtergraph import opt

    parts = [f"subtitles=filename={opt(ass_path)}"]
    if fonts_dir:
        parts.append(f"fontsdir={opt(fonts_dir)}")
    return ":".join(parts)
