"""Every item reaches the reel in BT.709 limited range, whatever matrix, range or format it came in.

The reel is labelled BT.709; before broll converted each item where it enters, an SD clip (BT.601,
tagged or not), a JPEG, a PNG or a GIF kept its BT.601 numbers under that label, and when one of
them opened the reel FFmpeg converted every later clip into BT.601 too (greens ~16% darker in any
player). Colour bars of known RGB, encoded in each way, are decoded from the built reel by its label.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from broll.assemble.timeline import Source
from broll.filtergraph import to_bt709
from broll.media.colour import source_full_range, source_matrix
from broll.media.probe import MediaInfo

# smptebars' top row at 75%: white, yellow, cyan, green, magenta, red, blue
BARS = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191)]
UNTAG = "setparams=colorspace=unknown:color_primaries=unknown:color_trc=unknown"


def _bars(path, size: str, vf: str, *extra: str):
    from broll.media.ffmpeg import run_ffmpeg

    if not path.exists():
        run_ffmpeg(["-y", "-f", "lavfi", "-i", f"smptebars=s={size}:r=10:d=0.4", "-vf", vf, *extra, str(path)])
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    d = tmp_path_factory.mktemp("bars")
    x264 = ("-c:v", "libx264", "-crf", "4", "-preset", "ultrafast")
    return {
        # SD without a tag: BT.601 numbers, as swscale writes them from RGB
        "sd-untagged.mp4": _bars(d / "sd-untagged.mp4", "320x240", f"scale=out_color_matrix=bt601,format=yuv420p,{UNTAG}", *x264),
        "sd-601.mp4": _bars(d / "sd-601.mp4", "320x240", "scale=out_color_matrix=bt601,format=yuv420p", *x264,
                            "-colorspace", "smpte170m"),
        "hd-709.mp4": _bars(d / "hd-709.mp4", "1280x720", "scale=out_color_matrix=bt709,format=yuv420p", *x264,
                            "-colorspace", "bt709"),
        # HD without a tag: players read it as BT.709, so it must pass through untouched
        "hd-untagged.mp4": _bars(d / "hd-untagged.mp4", "1280x720", f"scale=out_color_matrix=bt709,format=yuv420p,{UNTAG}", *x264),
        "hd-full.mp4": _bars(d / "hd-full.mp4", "1280x720", "scale=out_color_matrix=bt709:out_range=full,format=yuvj420p",
                             *x264, "-colorspace", "bt709", "-color_range", "pc"),
        "bars.jpg": _bars(d / "bars.jpg", "640x360", "null", "-frames:v", "1", "-q:v", "1"),
        "bars.png": _bars(d / "bars.png", "640x360", "null", "-frames:v", "1"),
        "bars.gif": _bars(d / "bars.gif", "320x240", "null"),
    }


def _bar_colours(frame) -> list[tuple[int, int, int]]:
    rgb = frame.to_ndarray(format="rgb24")      # PyAV converts by the frame's own (BT.709) label
    h, w = rgb.shape[:2]
    return [tuple(int(c) for c in rgb[h // 3, int((i + 0.5) * w / 7)]) for i in range(7)]


@pytest.mark.parametrize("order", ["sd first", "hd first"])
def test_every_item_reaches_the_reel_in_bt709(sources, write_edit, order):
    import av

    from broll.assemble.build import build

    names = list(sources)
    if order == "hd first":
        names = names[2:] + names[:2]
    lines = []
    for name in names:
        if name.endswith((".jpg", ".png")):
            lines.append(f"  - image: {sources[name]}\n    duration: 0.4\n")
        else:
            lines.append(f"  - clip: {sources[name]}\n")
    edit = write_edit("version: 1\noutput: out/bars.mp4\npreset: tiny\n"
                      "defaults: {transition: cut, fit: cover}\ntimeline:\n" + "".join(lines))
    result = build(edit)
    with av.open(str(result.outputs[0].path)) as c:
        frames = list(c.decode(video=0))
    per_item = len(frames) // len(names)
    for k, name in enumerate(names):
        got = _bar_colours(frames[k * per_item + per_item // 2])
        worst = max(abs(g - e) for bar, w in zip(got, BARS) for g, e in zip(bar, w))
        # the tiny preset is CRF 30, a GIF has a 256-colour palette; a matrix mix-up is 30 and more
        assert worst <= (20 if name.endswith(".gif") else 12), f"{name} ({order}): bars {got}, want {BARS}"


def _info(**kw) -> MediaInfo:
    base = dict(path="x", kind="video", width=1920, height=1080, pix_fmt="yuv420p")
    base.update(kw)
    return MediaInfo(**base)


@pytest.mark.parametrize("kw, want", [
    (dict(), "bt709"),                                             # untagged HD: players' BT.709
    (dict(width=640, height=480), "bt601"),                        # untagged SD
    (dict(width=1080, height=1920), "bt709"),                      # portrait phone clip
    (dict(width=720, height=576), "bt601"),                        # PAL SD
    (dict(width=640, height=480, color_space="bt709"), "bt709"),   # a tag wins over the size
    (dict(color_space="smpte170m"), "bt601"),
    (dict(color_space="bt2020nc"), "bt2020"),
    (dict(kind="image", pix_fmt="yuvj420p"), "bt601"),             # JPEG: JFIF
    (dict(kind="image", pix_fmt="rgb24", color_space="rgb"), "rgb"),
    (dict(kind="image", pix_fmt="bgra"), "rgb"),                   # GIF
    (dict(color_transfer="arib-std-b67", color_space="bt2020nc"), "hdr"),
])
def test_source_matrix(kw, want):
    assert source_matrix(_info(**kw)) == want


def test_full_range():
    assert source_full_range(_info(pix_fmt="yuvj420p"))
    assert source_full_range(_info(color_range="pc"))
    assert not source_full_range(_info(color_range="tv"))


def test_to_bt709_converts_only_what_needs_it():
    assert to_bt709("bt709", False) == ["setparams=colorspace=bt709:range=tv"]      # a label, no work
    assert "in_color_matrix=bt601" in to_bt709("bt601", False)[0]
    assert "in_range=full" in to_bt709("bt709", True)[0]
    assert to_bt709("bt709", False, rgb=True)[0].startswith("scale=out_color_matrix=bt709")
    assert "tonemap" in to_bt709("hdr", False)[0]


def test_a_source_carries_its_matrix_into_the_timeline():
    assert Source(path="x", kind="video", width=1, height=1, fps=Fraction(30)).colour == "bt709"
