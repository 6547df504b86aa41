"""Split a clip into shots at hard cuts with PySceneDetect's ContentDetector.

Frames come from broll's own decoder at a small width (rotation applied, one decode pass),
so the detector never opens the file itself. A grade is fitted per shot: a transform that
spans a cut would be fitted to two different scenes and fit neither.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from broll.media.frames import Frame, iter_frames
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


def _detector_image(image: np.ndarray) -> np.ndarray:
    """8-bit BGR at DETECT_WIDTH, whatever the decode size and depth (scores depend on size)."""
    import cv2
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8)
    h, w = image.shape[:2]
    if w != DETECT_WIDTH:
        image = cv2.resize(image, (DETECT_WIDTH, max(2, int(round(h * DETECT_WIDTH / w)))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[..., ::-1])


def scan(path: str | os.PathLike, info: MediaInfo | None = None, *, width: int = DETECT_WIDTH,
         fmt: str = "rgb24", keep: int = 0, threshold: float = THRESHOLD,
         min_shot: int = MIN_SHOT_FRAMES) -> tuple[list[int], int, list[Frame]]:
    """One decode pass: cut frames (new-shot starts, excluding 0), frames decoded, and up to
    ``keep`` frames (RGB at ``width``, evenly spaced) kept for fitting, so short clips are
    decoded once rather than once for cuts and again for sampling."""
    from scenedetect import ContentDetector, FrameTimecode

    info = info or probe(path)
    fps = float(info.fps or 25)
    detector = ContentDetector(threshold=threshold, min_scene_len=min_shot)
    every = max(1, -(-max(info.frame_count, 1) // keep)) if keep else 0
    cuts: list[int] = []
    kept: list[Frame] = []
    count = 0
    last = None
    for fr in iter_frames(path, width=width, fmt=fmt):
        last = FrameTimecode(fr.index, fps)
        cuts += [tc.frame_num for tc in detector.process_frame(last, _detector_image(fr.image))]
        if every and fr.index % every == 0:
            kept.append(fr)
        count = fr.index + 1
    if last is not None and hasattr(detector, "post_process"):
        cuts += [tc.frame_num for tc in (detector.post_process(last) or [])]
    return sorted({c for c in cuts if 0 < c < count}), count, kept


def cut_frames(path: str | os.PathLike, info: MediaInfo | None = None, **kwargs) -> tuple[list[int], int]:
    """Frame indices where a new shot starts (excluding 0), and the number of frames decoded."""
    cuts, count, _ = scan(path, info, **kwargs)
    return cuts, count


def shots_from_cuts(cuts: list[int], total: int, fps: float) -> list[Shot]:
    bounds = [0, *cuts, max(total, 1)]
    return [Shot(i, a, b, fps) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def split_shots(path: str | os.PathLike, info: MediaInfo | None = None, *, detect: bool = True) -> list[Shot]:
    """The clip's shots; one shot for a still image or when detection is off."""
    info = info or probe(path)
    fps = float(info.fps or 25)
    if info.is_still:
        return [Shot(0, 0, 1, fps)]
    if not detect:
        return [Shot(0, 0, max(1, info.frame_count), fps)]
    cuts, decoded = cut_frames(path, info)
    return shots_from_cuts(cuts, max(decoded, info.frame_count, 1), fps)
