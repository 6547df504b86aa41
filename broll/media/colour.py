"""How a source's pictures are read on their way into a BT.709 reel: the one rule for build and export.

Why it is spelled out: FFmpeg negotiates one colour space per filter-graph link and the reel is
labelled BT.709 by ``setparams`` at its end (``filtergraph.BT709_TAGS``). A source in another
Y'CbCr matrix (SD clips, which are BT.601 whether tagged or not; JPEG stills, BT.601 by JFIF),
an RGB source (PNG, GIF) or a graded picture (RGB out of ``lut3d``) reached the encoder either
unconverted or converted to whatever the *first* item of the reel used, so a reel that opened on
an SD clip or a JPEG showed every later clip with BT.601 numbers under a BT.709 label (greens 16%
darker). Each item is now converted to BT.709 limited range where it enters the reel.

Untagged Y'CbCr follows what players assume (FFmpeg, mpv, browsers): BT.709 from 1280 wide or
above 576 lines, BT.601 below. An untagged HD clip therefore passes through untouched, as
before: the reel looks as the clip looks in a player. Known limit: an SDR clip in BT.2020 has its
matrix converted but not its primaries (rare outside HDR, which is tone-mapped through zimg).
"""

from __future__ import annotations

from dataclasses import replace

from broll.media.probe import MediaInfo

# what FFmpeg's scale filter calls each matrix (its in_color_matrix / out_color_matrix values)
_MATRICES = {"bt709": "bt709", "bt470bg": "bt601", "smpte170m": "bt601", "fcc": "fcc",
             "smpte240m": "smpte240m", "bt2020nc": "bt2020", "bt2020c": "bt2020"}
_RGB_PREFIXES = ("rgb", "bgr", "gbr", "argb", "abgr", "pal8", "gray", "ya8", "ya16", "monob", "monow", "0rgb",
                 "0bgr", "x2rgb", "x2bgr")


def is_hd(width: int, height: int) -> bool:
    """Players' rule for an untagged picture: BT.709 from 1280 wide or above 576 lines."""
    return width >= 1280 or height > 576


def source_matrix(info: MediaInfo) -> str:
    """``hdr``, ``rgb``, or the scale filter's name of the Y'CbCr matrix the source's numbers use."""
    if info.is_hdr:
        return "hdr"
    pix = info.pix_fmt or ""
    if pix.startswith(_RGB_PREFIXES) or info.color_space == "rgb":
        return "rgb"
    if info.color_space in _MATRICES:
        return _MATRICES[info.color_space]
    if pix.startswith("yuvj"):
        return "bt601"                       # JPEG / MJPEG: JFIF's matrix
    return "bt709" if is_hd(info.width, info.height) else "bt601"


def is_tagged(info: MediaInfo) -> bool:
    """Whether the file names its matrix; FFmpeg and PyAV decode an untagged one as BT.601 at any size."""
    return info.color_space not in ("", "unknown", "unspecified")


def source_full_range(info: MediaInfo) -> bool:
    return info.color_range == "pc" or (info.pix_fmt or "").startswith("yuvj")


# PyAV's names for the matrices (VideoFrame.reformat's src_colorspace)
PYAV_MATRICES = {"bt709": "itu709", "bt601": "itu601", "bt2020": "bt2020", "smpte240m": "smpte240m", "fcc": "fcc"}


def decode_matrix(info: MediaInfo) -> str | None:
    """The matrix to decode this source's Y'CbCr to RGB by (PyAV's name), None to leave PyAV's default.

    PyAV reads a tag, and an untagged picture as BT.601 at any size; an untagged HD clip decoded that
    way clips its saturated colours in 8-bit RGB, which no re-encode can give back.
    """
    return PYAV_MATRICES.get(source_matrix(info))


def as_bt709(info: MediaInfo) -> MediaInfo:
    """``info`` re-labelled BT.709 limited range: what a re-encode from RGB should write (reencode.FrameSink)."""
    return replace(info, color_space="bt709", color_primaries="bt709", color_transfer="bt709", color_range="tv",
                   pix_fmt="yuv420p")
