"""The one PyAV decoding core: open a clip, seek, and yield its decoded pictures with their
index and presentation time, plus the orientation facts callers need to show them upright.

Modelled on PySceneDetect's ``VideoStream``: one small interface, and the pixel work done by
thin adapters around it, :func:`broll.media.frames.iter_frames` (RGB/gray arrays at any size,
for grading, reframing, thumbnails) and :func:`broll.media.analysis_frames.iter_analysis_frames`
(QC's ~320x180 luma + BGR). The adapters convert only the frames they keep, so the core adds
one generator step per frame and nothing else.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Iterator

import numpy as np

from broll.errors import MediaError
from broll.media.probe import MediaInfo, probe


class VideoStream:
    """The first video stream of ``path``: probe facts, orientation, and decoded frames.

    ``frames()`` may be called more than once; each call opens the file afresh (a generator that
    is not run to the end closes it when collected).
    """

    def __init__(self, path: str | os.PathLike, *, info: MediaInfo | None = None, threads: bool = True):
        self.path = path
        self.info = info or probe(path)
        self.threads = threads
        self.rotation_quarters = (self.info.rotation // 90) % 4   # np.rot90's k for display orientation

    def coded_size(self, display_w: int, display_h: int) -> tuple[int, int]:
        """A display-orientation size as the decoder's (coded) size: swapped for 90/270 rotation."""
        return (display_h, display_w) if self.info.rotation in (90, 270) else (display_w, display_h)

    def orient(self, image: np.ndarray) -> np.ndarray:
        """An array of a coded picture turned to display orientation."""
        k = self.rotation_quarters
        return np.ascontiguousarray(np.rot90(image, k=k)) if k else image

    def frames(self, *, start: float | None = None, end: float | None = None,
               skip_loop_filter: bool = False) -> Iterator[tuple[int, float, object]]:
        """``(index, seconds, av.VideoFrame)`` in decode order for frames in [start, end).

        ``index`` is 0-based; after a seek to ``start`` it is recomputed from the presentation
        time (the decode counter no longer says which frame it is). ``skip_loop_filter`` leaves out
        the codec's deblocking (about a quarter of H.264's decode time): only for callers that
        shrink the picture several times, where block edges average away.
        """
        import av

        try:
            container = av.open(str(self.path))
        except Exception as exc:
            raise MediaError(f"{self.path}: cannot open for decoding ({exc})") from None
        with container:
            stream = container.streams.video[0]
            if self.threads:
                stream.thread_type = "AUTO"
            if skip_loop_filter:
                stream.codec_context.options = {"skip_loop_filter": "all"}
            tb = stream.time_base or Fraction(1, 1000)
            start_pts = stream.start_time or 0
            seeked = bool(start)
            if seeked:
                container.seek(int(start / tb) + start_pts, stream=stream, backward=True, any_frame=False)
            fps = float(self.info.fps or 25)
            index = -1
            try:
                for frame in container.decode(stream):
                    index += 1
                    t = float((frame.pts - start_pts) * tb) if frame.pts is not None else index / fps
                    if seeked and frame.pts is not None:
                        index = int(round(t * fps))
                    if start is not None and t < start - 1e-6:
                        continue
                    if end is not None and t >= end - 1e-6:
                        return
                    yield index, t, frame
            except av.error.InvalidDataError as exc:
                raise MediaError(f"{self.path}: damaged video near frame {index + 1} ({exc})",
                                 "re-download or regenerate the clip") from None
