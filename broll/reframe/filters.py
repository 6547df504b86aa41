"""FFmpeg filter-graph fragments that fit a source into a target size, one per reframe mode.

Pure string building: the fragment reads ``[in]`` and writes ``[out]`` labels given by the
caller, so it drops into a larger ``-filter_complex`` (export, build) unchanged.

    center    crop the middle of the frame to the target aspect
    subject   crop a window that follows the subject (a CropPath from ``analyse``); where the
              path is widened, the wider window scaled into the frame over a blurred fill
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


def widened_subject(path: CropPath, dst: tuple[int, int], *, rate: Fraction, in_label: str, out_label: str,
                    pre: list[str] | None = None) -> list[str]:
    """Statements for a path whose window widens past the target's aspect (``CropPath.widened``).

    The picture is contained in a canvas of the target's aspect at source resolution over the
    one blurred fill (``filtergraph.blur_fill``); ``zoompan`` then cuts the window out of the
    canvas each frame (its size and offset follow the path) and scales it to ``dst``. While the
    window has the target's aspect this is exactly the crop; while it is wider, the window is
    shown whole with the blurred fill above and below (beside, for a tall source). ``zoompan``
    numbers its output frames at ``rate``: pass the frame rate of the stream it gets.
    """
    g = path.geometry
    if g.axis == "x":
        canvas = (g.src_w, max(2, int(round(g.src_w * dst[1] / dst[0] / 2)) * 2))
    else:
        canvas = (max(2, int(round(g.src_h * dst[0] / dst[1] / 2)) * 2), g.src_h)
    zoom = f"{g.span}/({path.size_expression('it')})"
    offset = path.expression("it")
    x, y = (offset, "(ih-ih/zoom)/2") if g.axis == "x" else ("(iw-iw/zoom)/2", offset)
    fill = f"{out_label}_canvas"
    return blur_fill(in_label, fill, *canvas, pre=pre or []) + [
        f"[{fill}]zoompan=z={opt(zoom)}:x={opt(x)}:y={opt(y)}:d=1:s={dst[0]}x{dst[1]}:fps={rate},"
        # zoompan hands on the end of stream in the input's time base: an ``fps`` after it would
        # repeat the last frame for hours; setpts re-times frames and the end on one clock
        f"setpts={opt(f'N/(({rate})*TB)')},setsar=1[{out_label}]"]


def widened_chain(path: CropPath, dst: tuple[int, int], *, rate: Fraction, tag: str) -> str:
    """:func:`widened_subject` as one chain fragment for a filter slot inside a larger chain
    (a build item's ``video_filter``): no input or output label, internal labels ``{tag}...``.

    FFmpeg allows labelled pads in the middle of a chain, so the fragment splits, blurs and
    overlays, and the chain it sits in goes on from the zoomed window at ``dst`` size.
    """
    head, tail = f"{tag}in", f"{tag}w"
    statements = widened_subject(path, dst, rate=rate, in_label=head, out_label=tail)
    text = ";".join(statements)
    assert text.startswith(f"[{head}]") and text.endswith(f"[{tail}]")
    return text[len(head) + 2:-(len(tail) + 2)]


def _contain(src: tuple[int, int], dst: tuple[int, int], path: CropPath | None) -> list[str]:
    w, h = dst
    return [f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags=bicubic",
            f"scale='trunc(iw/2)*2':'trunc(ih/2)*2'",
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"]


ChainBuilder = Callable[[tuple[int, int], tuple[int, int], "CropPath | None"], list[str]]

CHAINS: dict[str, ChainBuilder] = {"center": _center, "subject": _subject, "contain": _contain}
REFRAME_MODES = ("subject", "center", "blur", "contain")


def reframe_filter(mode: str, src: tuple[int, int], dst: tuple[int, int], *, path: CropPath | None = None,
                   sar: Fraction = Fraction(1), in_label: str = "in", out_label: str = "out",
                   rate: Fraction | None = None) -> str:
    """A ``-filter_complex`` fragment from ``[in_label]`` to ``[out_label]`` at ``dst`` size, SAR 1.

    ``rate`` is the frame rate of the stream at ``[in_label]``; a widened subject path needs it.
    """
    mode = lookup({m: m for m in REFRAME_MODES}, "reframe mode", mode)
    pre = _square_pixels(sar)
    if mode == "blur":
        return ";".join(blur_fill(in_label, out_label, *dst, pre=pre))
    if mode == "subject" and path is not None and path.widened and path.geometry.axis and \
            (path.geometry.src_w, path.geometry.src_h) == tuple(src):
        if not rate:
            raise InputError("a widened subject path needs the stream's frame rate", "pass rate= to reframe_filter")
        return ";".join(widened_subject(path, dst, rate=Fraction(rate), in_label=in_label, out_label=out_label,
                                        pre=pre))
    chain = pre + CHAINS[mode](src, dst, path) + ["setsar=1"]
    return f"[{in_label}]{','.join(chain)}[{out_label}]"
