"""FFmpeg filter graphs as text: the one escaping helper, number formats and graph builder.

Pure string building, shared by every place that writes a graph (the build plan, export,
reframe crops, grade LUTs), so a value is escaped one way and a blurred fill looks the same
wherever it is drawn. Nothing here runs FFmpeg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence


def num(value) -> str:
    """A number as FFmpeg reads it: integers plain, others with 6 decimals trimmed."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def rate(fps: Fraction) -> str:
    fps = Fraction(fps)
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def timebase(fps: Fraction) -> str:
    """The timebase of one output frame, e.g. ``1/30`` or ``1001/30000``."""
    fps = Fraction(fps)
    return f"{fps.denominator}/{fps.numerator}"


def escape_option(text: str) -> str:
    """First level: a filter option value (``\\ ' :`` are special)."""
    return re.sub(r"([\\':])", r"\\\1", text)


def escape_graph(text: str) -> str:
    """Second level: the filtergraph (``\\ ' [ ] , ;`` are special)."""
    return re.sub(r"([\\'\[\],;])", r"\\\1", text)


def opt(text: str) -> str:
    """A filter option value (a path, a text, an expression) escaped for ``-filter_complex``."""
    return escape_graph(escape_option(str(text)))


def ffcolor(color: str) -> str:
    return "0x" + color[1:] if color.startswith("#") else color


def split_graph(filter_complex: str) -> list[str]:
    """The graph's statements, for display (escaped ``\\;`` inside text stays put)."""
    return re.split(r"(?<!\\);", filter_complex)


@dataclass
class Graph:
    """Accumulates ``[in]filters[out]`` statements with deterministic labels."""
    chains: list[str] = field(default_factory=list)

    def add(self, inputs: Sequence[str], filters: Sequence[str], output: str | Sequence[str]) -> str:
        """One statement; ``output`` may name several pads (a ``split``). Returns the (first) label."""
        outs = [output] if isinstance(output, str) else list(output)
        ins = "".join(f"[{x}]" for x in inputs)
        body = ",".join(f for f in filters if f) or ("null" if not outs[0].startswith("a") else "anull")
        self.chains.append(f"{ins}{body}" + "".join(f"[{o}]" for o in outs))
        return outs[0]

    def extend(self, statements: Sequence[str]) -> None:
        """Statements built elsewhere (e.g. :func:`blur_fill`), in order."""
        self.chains.extend(statements)

    def text(self) -> str:
        # one line: FFmpeg echoes the rest of a multi-line graph into its error messages
        return ";".join(self.chains)


# Label the output BT.709 with a filter, not with -colorspace/-color_primaries/-color_trc: those
# encoder options make FFmpeg insert a real matrix conversion of untagged (HD, i.e. BT.709 by
# convention) sources, which cost 15-20% of a 1080p build and shifted their colours.
# -color_range tv stays an encoder option: full-range inputs (JPEG stills) must really be converted.
BT709_TAGS = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709"

# PQ/HLG -> linear light -> BT.709 primaries -> tone curve -> BT.709 SDR (zimg + tonemap). Mobius keeps
# everything up to its knee linear and rolls off only above it: an SDR picture taken to HLG and back
# comes out within 0.8 code values of mean luma, where Hable's curve darkened it by 7 (its toe and
# shoulder bend the midtones too).
TONEMAP_TO_SDR = ("zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
                  "tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p10le")


def to_bt709(matrix: str, full_range: bool, *, rgb: bool = False, tagged: bool = True) -> list[str]:
    """Filters that bring a source's pictures to BT.709 limited range, [] where they already are.

    ``matrix`` is :func:`broll.media.colour.source_matrix`'s answer for the source; ``rgb`` says the
    pictures are RGB at this point of the chain (an RGB source, or a ``lut3d`` grade before it).
    Placed where the item enters the reel, so every link after it, the concatenation of items
    included, carries one colour space; see :mod:`broll.media.colour` for why. ``tagged=False``
    with an RGB grade: the grade saw the clip through FFmpeg's default BT.601 (as ``broll grade``'s
    fit did, through PyAV), so its RGB goes back by BT.601 as well (an identity grade leaves an
    untagged HD clip's numbers as they were) and is labelled with the matrix players assume.
    """
    if matrix == "hdr":
        return [TONEMAP_TO_SDR]
    if not rgb and matrix == "bt709" and not full_range:
        # nothing to convert; the label stops FFmpeg from reading an untagged HD clip as BT.601
        # when a converted item ahead of it has made the concatenation's colour space BT.709
        return ["setparams=colorspace=bt709:range=tv"]
    if rgb and not tagged and matrix == "bt709":
        return ["scale=out_color_matrix=bt601:out_range=tv", "format=yuv420p", "setparams=colorspace=bt709:range=tv"]
    if rgb or matrix == "rgb":
        return ["scale=out_color_matrix=bt709:out_range=tv", "format=yuv420p"]
    return [f"scale=in_color_matrix={matrix}:in_range={'full' if full_range else 'tv'}"
            ":out_color_matrix=bt709:out_range=tv", "format=yuv420p"]


# ------------------------------------------------------------------ fits

def fit_filters(mode: str, w: int, h: int) -> list[str]:
    """Scale into a w x h frame: cover (crop) or contain (letterbox); blur is :func:`blur_fill`."""
    if mode == "cover":
        return [f"scale={w}:{h}:force_original_aspect_ratio=increase", f"crop={w}:{h}"]
    return [f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2",
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"]


BLUR_SHRINK = 8                # the fill is blurred at 1/8 size (cheap), then scaled up: soft at any size
BLUR_MAX_RADIUS = 6            # boxblur radius at that size, smaller on tiny outputs (it must fit the frame)
BLUR_DARKEN = -0.06            # the fill sits a little darker than the picture in front of it


def blur_fill(in_label: str, out_label: str, w: int, h: int, *, pre: Sequence[str] = ()) -> list[str]:
    """The whole picture, contained, over a blurred, slightly darker cover of itself (no black bars).

    The one blurred fill: ``broll build``'s ``fit: blur`` and ``broll export``'s ``reframe: blur``
    both draw it, so a reel looks the same whichever made it. ``pre`` runs before the split.
    """
    bg, fg = f"{out_label}_bg", f"{out_label}_fg"
    small_w, small_h = max(16, w // BLUR_SHRINK // 2 * 2), max(16, h // BLUR_SHRINK // 2 * 2)
    radius = max(1, min(BLUR_MAX_RADIUS, min(small_w, small_h) // 6))
    return [
        f"[{in_label}]" + ",".join([*pre, "split=2"]) + f"[{bg}][{fg}]",
        f"[{bg}]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
        f"boxblur={radius}:2,eq=brightness={BLUR_DARKEN},scale={w}:{h},setsar=1[{bg}b]",
        f"[{fg}]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1[{fg}s]",
        f"[{bg}b][{fg}s]overlay=(W-w)/2:(H-h)/2,setsar=1[{out_label}]",
    ]
