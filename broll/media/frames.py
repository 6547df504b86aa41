"""Decode frames as numpy arrays with PyAV: optional downscale, rotation applied, sampling.

Scaling happens in libswscale (``frame.reformat``) before the array reaches Python, so a
1080p clip analysed at 320x180 costs little more than the decode itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np

from broll.errors import MediaError
from broll.media.analysis_frames import PLANAR_420, i420_array
from broll.media.decode import VideoStream
from broll.media.probe import probe


@dataclass
class Frame:
    index: int           # 0-based decode order
    time: float          # presentation time in seconds from the stream start
    image: np.ndarray    # HxWx3 uint8 RGB (or HxW for gray)


def target_size(w: int, h: int, width: int | None, height: int | None) -> tuple[int, int]:
    """The picture size a caller asked for; a missing side keeps the aspect ratio."""
    if width and height:
        return width, height
    if width:
        return width, max(2, int(round(h * width / w / 2)) * 2)
    if height:
        return max(2, int(round(w * height / h / 2)) * 2), height
    return w, h


def iter_frames(path: str | os.PathLike, *, width: int | None = None, height: int | None = None,
                fmt: str = "rgb24", start: float | None = None, end: float | None = None,
                every: int = 1, threads: bool = True,
                keep: Callable[[float], bool] | None = None, matrix: str | None = None) -> Iterator[Frame]:
    """Yield frames in decode order, scaled to ``width``/``height`` (display orientation).

    ``fmt`` is any PyAV pixel format (``rgb24``, ``gray``, ``bgr24``, ``rgb48le`` ...).
    ``start``/``end`` select by presentation time; ``every`` keeps every n-th frame; ``keep(t)``
    decides per frame (a frame it refuses is decoded but never converted or scaled). ``matrix``
    (PyAV's name, see ``broll.media.colour.decode_matrix``) overrides the Y'CbCr matrix PyAV would use.
    """
    video = VideoStream(path, threads=threads)
    # the size requested is in display orientation; swscale works in coded orientation
    sw, sh = video.coded_size(*target_size(video.info.width, video.info.height, width, height))
    for index, t, frame in video.frames(start=start, end=end):
        if every > 1 and index % every:
            continue
        if keep is not None and not keep(t):
            continue
        if fmt in PLANAR_420 and frame.format.name == fmt and (frame.width, frame.height) == (sw, sh) \
                and sw % 2 == 0 and sh % 2 == 0:
            img = i420_array(frame)         # as decoded: the same bytes as reformat + to_ndarray, half the copying
        else:
            img = frame.reformat(width=sw, height=sh, format=fmt, interpolation="AREA",
                                 **({"src_colorspace": matrix} if matrix else {})).to_ndarray()
        yield Frame(index=index, time=t, image=video.orient(img))


def read_frames(path: str | os.PathLike, **kwargs) -> list[Frame]:
    return list(iter_frames(path, **kwargs))


def sample_times(duration: float, count: int, margin: float = 0.04) -> list[float]:
    """``count`` times spread evenly across a clip, avoiding its first and last few percent."""
    if count <= 1 or duration <= 0:
        return [duration / 2]
    lo, hi = duration * margin, duration * (1 - margin)
    step = (hi - lo) / (count - 1)
    return [lo + i * step for i in range(count)]


def sample_frames(path: str | os.PathLike, count: int = 12, *, width: int | None = 384,
                  fmt: str = "rgb24", start: float = 0.0, end: float | None = None) -> list[Frame]:
    """``count`` frames spread across [start, end): for fitting statistics, thumbnails, sheets.

    Short clips are decoded once in sequence (cheaper than seeking); long ones are sought.
    """
    info = probe(path)
    if info.is_still:
        return read_frames(path, width=width, fmt=fmt)[:1]
    end = float(info.duration) if end is None else end
    span = max(0.0, end - start)
    wanted = [start + t for t in sample_times(span, count)]
    fps = float(info.fps or 25)
    frames_in_span = span * fps
    # A seek decodes from the keyframe before its target: with sparse keyframes (generated clips
    # often have one) every seek re-decodes from the start, so decoding straight through is cheaper.
    gop = info.frame_count / max(info.keyframes, 1)
    if frames_in_span <= count * 12 or gop * count >= frames_in_span:
        picked: list[Frame] = []
        targets = iter(wanted)
        target = next(targets, None)
        for fr in iter_frames(path, width=width, fmt=fmt, start=start or None, end=end, keep=lambda t: (
                target is not None and t + 0.5 / fps >= target)):
            while target is not None and fr.time + 0.5 / fps >= target:
                picked.append(fr)
                target = next(targets, None)
            if target is None:
                break
        return _dedupe(picked)
    out = []
    for t in wanted:
        # the frame showing at t, as the decode-through path picks it
        fr = next(iter_frames(path, width=width, fmt=fmt, start=max(0.0, t - 0.5 / fps), end=None), None)
        if fr is not None:
            out.append(fr)
    return _dedupe(out)


def _dedupe(frames: Sequence[Frame]) -> list[Frame]:
    seen, out = set(), []
    for fr in frames:
        if fr.index not in seen:
            seen.add(fr.index)
            out.append(fr)
    return out


def read_image(path: str | os.PathLike, *, width: int | None = None, fmt: str = "rgb24") -> np.ndarray:
    """A still image (or a clip's first frame) as an array."""
    fr = next(iter_frames(path, width=width, fmt=fmt), None)
    if fr is None:
        raise MediaError(f"{path}: no frame could be decoded")
    return fr.image
