"""``retime: motion`` by optical flow: each such clip segment is pre-rendered once at the reel's rate.

benchmarks/retime.py measured the flow interpolator of ``broll fix`` (OpenCV DIS flow, both
directions, Super SloMo's approximation; :mod:`broll.repair.interpolate`) against FFmpeg's
``minterpolate``: better PSNR on the made-up frames and a lower warping error, at a fraction of
the cost per 1080p frame. It runs in Python, so it cannot sit inside the FFmpeg graph; instead
the trimmed, speed-adjusted segment is rendered to ``.broll/retimed/<key>.mp4`` (cached by the
clip's content hash and everything that shapes the frames) and the item's *picture* comes from
that file, its sound still from the clip. The render stays one graph; a rebuild reuses the file.

:func:`attach_pictures` (planning: pure but for the hash) names the files; :func:`render_pictures`
(building) makes the missing ones, atomically.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional

from broll.assemble.retime import item_method, step_of
from broll.assemble.timeline import Item, Source, Timeline

PICTURE_VERSION = "2"                  # 2: decoded by the source's matrix, written BT.709 (was untagged BT.601)
PICTURE_CRF = 14                 # an intermediate: close to lossless, re-encoded once by the reel


def picture_key(clip_sha: str, item: Item, fps: Fraction) -> str:
    text = "|".join([PICTURE_VERSION, clip_sha, str(item.src_in), str(item.src_out), str(item.speed), str(fps),
                     str(item.frames)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def attach_pictures(tl: Timeline, root: Path) -> Timeline:
    """The timeline with every ``motion`` clip's picture pointing at its pre-render (made or not)."""
    from broll.hashing import file_sha256

    items = []
    for item in tl.items:
        if item.kind == "clip" and item.source is not None and item.picture is None \
                and item_method(item, tl.fps, tl.width, tl.height) == "motion":
            key = picture_key(file_sha256(item.source.path), item, tl.fps)
            path = root / ".broll" / "retimed" / f"{key}.mp4"
            src = item.source
            # written BT.709 by render_picture; an HDR source keeps its own signal for the tone map
            hdr = src.colour == "hdr"
            picture = Source(path=str(path), kind="video", width=src.width, height=src.height, fps=tl.fps,
                             duration=Fraction(item.frames) / tl.fps, colour="hdr" if hdr else "bt709",
                             full_range=src.full_range if hdr else False)
            item = replace(item, picture=picture)
        items.append(item)
    return replace(tl, items=tuple(items))


def render_pictures(tl: Timeline, on_step: Optional[Callable[[str], None]] = None) -> int:
    """Make every missing pre-render of ``tl``; returns how many were made."""
    made = 0
    for item in tl.items:
        if item.picture is not None and not Path(item.picture.path).is_file():
            if on_step:
                on_step(f"interpolating {Path(item.source.path).name} to {float(tl.fps):g} fps")
            render_picture(item, tl.fps)
            made += 1
    return made


def render_picture(item: Item, fps: Fraction) -> Path:
    """Decode the clip's segment, write ``item.frames`` frames at ``fps``: source pictures where
    the output time meets one, flow-interpolated pictures between."""
    from broll.atomic import atomic_path
    from broll.media.frames import iter_frames
    from broll.media.colour import as_bt709, decode_matrix
    from broll.media.probe import probe
    from broll.media.reencode import FrameSink
    from broll.repair.interpolate import frames_at

    src = item.source
    target = Path(item.picture.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    src_fps = Fraction(src.fps or fps)
    step = step_of(src_fps, item.speed, fps)                 # source frames per output frame
    half = Fraction(1, 2) / src_fps
    info = probe(src.path)
    hdr = info.is_hdr
    decoded = iter_frames(src.path, fmt="bgr24", start=float(max(Fraction(0), item.src_in - half)),
                          end=float(item.src_out + 2 / src_fps), matrix=None if hdr else decode_matrix(info))
    window: dict[int, object] = {}                           # the last two source frames by index
    count = 0

    def frame(j: int):
        """Source frame ``j`` (or the last one, past the end) and the last index decoded."""
        nonlocal count
        while count <= j:
            nxt = next(decoded, None)
            if nxt is None:
                break
            window[count] = nxt.image
            window.pop(count - 2, None)
            count += 1
        if not window:
            raise ValueError(f"no frame could be decoded from {src.path}")
        return window[min(j, count - 1)], count - 1

    with atomic_path(target) as tmp:
        first = None
        with FrameSink(tmp, (src.width, src.height), float(fps), crf=PICTURE_CRF, preset="veryfast",
                       info=info if hdr else as_bt709(info)) as sink:
            order = []
            for k in range(item.frames):
                pos = k * step
                j = math.floor(pos)
                order.append((k, j, float(pos - j)))
            # group output frames by the source pair they sit between: one flow pair per gap
            i = 0
            while i < len(order):
                k, j, t = order[i]
                group = [order[i]]
                while i + 1 < len(order) and order[i + 1][1] == j:
                    i += 1
                    group.append(order[i])
                i += 1
                before, last = frame(j)
                if first is None:
                    first = before.shape
                if before.shape != first:
                    raise ValueError("the clip changes size mid-stream")
                times = [g[2] for g in group if g[2] > 0]
                after, last = frame(j + 1) if times else (before, last)
                made = frames_at(before, after, times) if times and last >= j + 1 else [before] * len(times)
                made_iter = iter(made)
                for _, _, t in group:
                    picture = before if t == 0 else next(made_iter)
                    sink.write(_fit_size(picture, src.width, src.height))
            sink.close()
    return target


def _fit_size(img, width: int, height: int):
    if img.shape[1] == width and img.shape[0] == height:
        return img
    import cv2
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
