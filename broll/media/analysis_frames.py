"""Decode a clip once at analysis size: luma plane and BGR image per frame, nothing kept.

QC analyses every frame at about 320x180. libswscale scales the decoded picture to a small
planar YUV 4:2:0 image (cheap: the full-size picture never reaches Python); the luma plane
is used as is (its code values show out-of-range levels) and OpenCV converts the whole small
picture to BGR for colour signals and PySceneDetect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from broll.errors import MediaError
from broll.media.decode import VideoStream


@dataclass
class AnalysisFrame:
    index: int            # 0-based decode order
    time: float           # seconds from stream start
    luma: np.ndarray      # HxW uint8, the source's Y code values (limited or full range as coded)
    bgr: np.ndarray       # HxWx3 uint8
    interlaced: bool      # the decoder flagged this picture as interlaced
    i420: np.ndarray | None = None   # the small picture as decoded (coded orientation): luma and bgr come from it

    def compact(self) -> "AnalysisFrame":
        """This frame holding only its small I420 picture (a third of luma + BGR), for
        :func:`rebuilt` to restore exactly: a repair's re-check keeps first-pass frames this way."""
        if self.i420 is None:
            raise ValueError("an analysis frame without its I420 picture cannot be compacted")
        return AnalysisFrame(self.index, self.time, None, None, self.interlaced, self.i420)


def analysis_size(width: int, height: int, longest: int = 320) -> tuple[int, int]:
    """Display size scaled so the longer side is ``longest``; both sides multiples of 4 (4:2:0 planes)."""
    if width <= 0 or height <= 0:
        return longest, longest * 9 // 16
    scale = min(1.0, longest / max(width, height))
    w = max(16, int(round(width * scale / 4)) * 4)
    h = max(16, int(round(height * scale / 4)) * 4)
    return w, h


PLANAR_420 = {"yuv420p", "yuvj420p"}
# shrunk at least this many times (720p and up at 320x180), a picture decoded without the codec's
# deblocking filter differs from the filtered one by 0.04 code values on average at analysis size
# (1080p x264 CRF 20): block edges 8 px apart are under 2 px after the area filter. Skipping it
# saves about a quarter of H.264's decode time; smaller sources are decoded as they are.
SKIP_DEBLOCK_SCALE = 4.0


def plane_view(frame, i: int, w: int, h: int) -> np.ndarray:
    """Plane ``i`` of a decoded frame as a ``h`` x ``w`` uint8 view, no copy (rows padded to line_size)."""
    p = frame.planes[i]
    return np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:h, :w]


def i420_array(frame) -> np.ndarray:
    """A decoded 8-bit 4:2:0 frame (even sides) as one I420 array (rows: Y, then U, then V): the bytes
    ``frame.to_ndarray()`` gives, copied plane by plane into one buffer (PyAV stacks the planes with
    ``np.hstack`` of copies, about twice the memory traffic)."""
    w, h = frame.width, frame.height
    out = np.empty((h * 3 // 2, w), np.uint8)
    flat = out.reshape(-1)          # the chroma planes need not start on a row (h / 2 odd)
    cw, ch = w // 2, h // 2
    out[:h] = plane_view(frame, 0, w, h)
    flat[w * h:w * h + cw * ch].reshape(ch, cw)[:] = plane_view(frame, 1, cw, ch)
    flat[w * h + cw * ch:].reshape(ch, cw)[:] = plane_view(frame, 2, cw, ch)
    return out


def area_shrink(plane: np.ndarray, sw: int, sh: int, cv2) -> np.ndarray:
    """``cv2.resize(plane, (sw, sh), interpolation=INTER_AREA)`` of an 8-bit plane, the same bytes.

    When the plane is a whole multiple (3x or more) of the target in both directions, OpenCV's area
    filter sums each block with a scalar loop and writes ``round_half_even(sum * (1.f / area))``;
    the same sums as a few whole-row numpy adds (rows of a block, then columns) and the same float32
    product and rounding cost about half (1080p to 320x180: 6x6 blocks; 720p: 4x4). Other ratios
    (2x2 among them, which OpenCV rounds differently, with integer SIMD) go to OpenCV."""
    h, w = plane.shape
    kx, ky = w // sw, h // sh
    if kx * sw != w or ky * sh != h or kx < 3 or ky < 3 or kx * ky * 255 > 65535:
        return cv2.resize(plane, (sw, sh), interpolation=cv2.INTER_AREA)
    rows = np.add.reduce(plane.reshape(sh, ky, w), axis=1, dtype=np.uint16)    # each block's rows summed
    total = rows[:, 0::kx] + rows[:, 1::kx]
    for k in range(2, kx):
        total += rows[:, k::kx]
    out = total.astype(np.float32)
    out *= np.float32(1.0) / np.float32(kx * ky)      # OpenCV's float scale, 1.f / area
    return np.rint(out, out=out).astype(np.uint8)


def _small_i420(frame, sw: int, sh: int, cv2) -> np.ndarray:
    """The frame as a ``sw`` x ``sh`` I420 buffer (rows: Y, then U, then V).

    8-bit 4:2:0 pictures are read plane by plane and shrunk with OpenCV (luma with the area filter),
    several times cheaper than a libswscale reformat; anything else goes through swscale.
    """
    if frame.format.name in PLANAR_420:
        out = np.empty((sh * 3 // 2, sw), np.uint8)
        out[:sh] = area_shrink(plane_view(frame, 0, frame.width, frame.height), sw, sh, cv2)
        cw, ch = (frame.width + 1) // 2, (frame.height + 1) // 2
        q = sh // 4
        # chroma only colours the picture (flash redness, PySceneDetect's hue and saturation):
        # nearest sampling costs a twentieth of an area filter and is plenty for that
        out[sh:sh + q] = cv2.resize(plane_view(frame, 1, cw, ch), (sw // 2, sh // 2), interpolation=cv2.INTER_NEAREST).reshape(q, sw)
        out[sh + q:] = cv2.resize(plane_view(frame, 2, cw, ch), (sw // 2, sh // 2), interpolation=cv2.INTER_NEAREST).reshape(q, sw)
        return out
    return frame.reformat(width=sw, height=sh, format="yuv420p", interpolation="AREA").to_ndarray()


def _frame(video: VideoStream, index: int, t: float, small: np.ndarray, interlaced: bool, cv2) -> AnalysisFrame:
    """The analysis frame of a small I420 picture: its luma plane and BGR, turned upright."""
    bgr = cv2.cvtColor(small, cv2.COLOR_YUV2BGR_I420)
    return AnalysisFrame(index, t, video.orient(small[:small.shape[0] * 2 // 3]), video.orient(bgr), interlaced, small)


def iter_analysis_frames(path: str | os.PathLike, *, longest: int = 320,
                         start: float | None = None) -> Iterator[AnalysisFrame]:
    """Yield every frame of the first video stream (from ``start`` seconds: a seek), scaled to
    analysis size, in decode order."""
    import cv2

    video = VideoStream(path)
    info = video.info
    if info.kind != "video" and not info.animated:
        raise MediaError(f"{path}: not a video ({info.kind})", "broll check takes video clips")
    dw, dh = analysis_size(info.width, info.height, longest)
    sw, sh = video.coded_size(dw, dh)
    coarse = info.width > 0 and info.height > 0 and min(info.width / dw, info.height / dh) >= SKIP_DEBLOCK_SCALE
    for index, t, frame in video.frames(start=start, skip_loop_filter=coarse):
        yield _frame(video, index, t, _small_i420(frame, sw, sh, cv2), bool(getattr(frame, "interlaced_frame", False)), cv2)


def rebuilt(path: str | os.PathLike, frames: Iterable[AnalysisFrame], info=None) -> Iterator[AnalysisFrame]:
    """Frames of ``path`` kept by :meth:`AnalysisFrame.compact`, whole again: the same arrays
    :func:`iter_analysis_frames` made of them."""
    import cv2

    video = VideoStream(path, info=info)
    for fr in frames:
        yield _frame(video, fr.index, fr.time, fr.i420, fr.interlaced, cv2)
