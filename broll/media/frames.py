"""Decode frames as numpy arrays with PyAV: optional downscale, rotation applied, sampling.

Scaling happens in libswscale (``frame.reformat``) before the array reaches Python, so a
1080p clip analysed at 320x180 costs little more than the decode itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, Sequence

import numpy as np

from broll.errors import MediaError
from broll.media.probe import probe


@dataclass
class Frame:
    index: int           # 0-based decode order
    time: float          # presentation time in seconds from the stream start
    image: np.ndarray    # HxWx3 uint8 RGB (or HxW for gray)


def _target_size(w: int, h: int, width: int | None, height: int | None) -> tuple[int, int]:
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
                keep: Callable[[float], bool] | None = None) -> Iterator[Frame]:
    """Yield frames in decode order, scaled to ``width``/``height`` (display orientation).

    ``fmt`` is any PyAV pixel format (``rgb24``, ``gray``, ``bgr24``, ``rgb48le`` ...).
    ``start``/``end`` select by presentation time; ``every`` keeps every n-th frame; ``keep(t)``
    decides per frame (a frame it refuses is decoded but never converted or scaled).
    """
    import av

    info = probe(path)
    rot = info.rotation
    # the size requested is in display orientation; swscale works in coded orientation
    disp_w, disp_h = _target_size(info.width, info.height, width, height)
    sw, sh = (disp_h, disp_w) if rot in (90, 270) else (disp_w, disp_h)
    k = (rot // 90) % 4
    try:
        container = av.open(str(path))
    except Exception as exc:
        raise MediaError(f"{path}: cannot open for decoding ({exc})") from None
    with container:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"
        tb = stream.time_base or Fraction(1, 1000)
        start_pts = stream.start_time or 0
        if start:
            container.seek(int(start / tb) + start_pts, stream=stream, backward=True, any_frame=False)
        index = -1
        seeked = bool(start)
        fps = float(info.fps or 25)
        try:
            for frame in container.decode(stream):
                index += 1
                t = float((frame.pts - start_pts) * tb) if frame.pts is not None else index / fps
                if seeked and frame.pts is not None:
                    # after a seek the decode counter no longer says which frame this is
                    index = int(round(t * fps))
                if start is not None and t < start - 1e-6:
                    continue
                if end is not None and t >= end - 1e-6:
                    break
                if every > 1 and index % every:
                    continue
                if keep is not None and not keep(t):
                    continue
                img = frame.reformat(width=sw, height=sh, format=fmt, interpolation="AREA").to_ndarray()
                if k:
                    img = np.ascontiguousarray(np.rot90(img, k=k))
                yield Frame(index=index, time=t, image=img)
        except av.error.InvalidDataError as exc:
            raise MediaError(f"{path}: damaged video near frame {index + 1} ({exc})") from None


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
