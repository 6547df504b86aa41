"""Split a clip into shots at hard cuts with PySceneDetect's ContentDetector.

Frames come from broll's own decoder at a small width (rotation applied, one decode pass),
so the detector never opens the file itself. A grade is fitted per shot: a transform that
spans a cut would be fitted to two different scenes and fit neither.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from broll.media.frames import iter_frames
from broll.media.probe import MediaInfo, probe

DETECT_WIDTH = 192
THRESHOLD = 27.0          # ContentDetector's default: HSV+edge change score for a cut
MIN_SHOT_FRAMES = 8


@dataclass(frozen=True)
class Shot:
    index: int
    start_frame: int      # first frame (inclusive)
    end_frame: int        # last frame + 1
    fps: float

    @property
    def start(self) -> float:
        return self.start_frame / self.fps

    @property
    def end(self) -> float:
        return self.end_frame / self.fps

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


def cut_frames(path: str | os.PathLike, info: MediaInfo | None = None, *, threshold: float = THRESHOLD,
               min_shot: int = MIN_SHOT_FRAMES) -> tuple[list[int], int]:
    """Frame indices where a new shot starts (excluding 0), and the number of frames decoded."""
    from scenedetect import ContentDetector, FrameTimecode

    info = info or probe(path)
    fps = float(info.fps or 25)
    detector = ContentDetector(threshold=threshold, min_scene_len=min_shot)
    cuts: list[int] = []
    count = 0
    last = None
    for fr in iter_frames(path, width=DETECT_WIDTH, fmt="bgr24"):
        last = FrameTimecode(fr.index, fps)
        cuts += [tc.frame_num for tc in detector.process_frame(last, fr.image)]
        count = fr.index + 1
    if last is not None and hasattr(detector, "post_process"):
        cuts += [tc.frame_num for tc in (detector.post_process(last) or [])]
    return sorted({c for c in cuts if 0 < c < count}), count


def split_shots(path: str | os.PathLike, info: MediaInfo | None = None, *, detect: bool = True) -> list[Shot]:
    """The clip's shots; one shot for a still image or when detection is off."""
    info = info or probe(path)
    fps = float(info.fps or 25)
    if info.is_still:
        return [Shot(0, 0, 1, fps)]
    if not detect:
        return [Shot(0, 0, max(1, info.frame_count), fps)]
    cuts, decoded = cut_frames(path, info)
    total = max(decoded, info.frame_count, 1)
    bounds = [0, *cuts, total]
    return [Shot(i, a, b, fps) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
