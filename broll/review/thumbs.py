"""Filmstrips and grade previews, cached under ``.broll/review/`` by clip content hash.

Frames come from ``broll.media`` (PyAV decode, scaled in swscale); grade LUTs are read and applied
by ``broll.grading.lut``, the same reader the grading stage uses; OpenCV only encodes JPEG.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from broll.atomic import write_bytes, write_text
from broll.errors import MediaError
from broll.hashing import text_sha256
from broll.media.frames import sample_frames
from broll.project import DB_DIR

STRIP_FRAMES = 8
STRIP_WIDTH = 160          # per thumbnail
PREVIEW_WIDTH = 480
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
# one decode at a time: thumbnails must never starve the requests that feed the player
_DECODE = threading.Semaphore(1)


def cache_dir(root: str | os.PathLike) -> Path:
    return Path(root) / DB_DIR / "review"


def _lock(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _jpeg(image_rgb: np.ndarray, quality: int = 80) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(image_rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError("could not encode a thumbnail as JPEG")
    return buf.tobytes()


def filmstrip(root: str | os.PathLike, path: Path, sha: str, *, count: int = STRIP_FRAMES,
              width: int = STRIP_WIDTH) -> tuple[Path, list[float]]:
    """A horizontal strip of ``count`` thumbnails and the time (s) of each, made once per content hash."""
    base = cache_dir(root) / f"strip-{sha[:24]}-{count}x{width}"
    img_path, meta_path = base.with_suffix(".jpg"), base.with_suffix(".json")
    with _lock(str(base)):
        if img_path.is_file() and meta_path.is_file():
            return img_path, json.loads(meta_path.read_text())["times"]
        with _DECODE:
            frames = sample_frames(path, count, width=width)
        if not frames:
            raise MediaError(f"{path}: no frame could be decoded for the filmstrip")
        h = min(f.image.shape[0] for f in frames)
        strip = np.concatenate([f.image[:h, :, :3] for f in frames], axis=1)
        write_bytes(img_path, _jpeg(strip))
        times = [round(f.time, 4) for f in frames]
        write_text(meta_path, json.dumps({"times": times}))
        return img_path, times


def apply_grade(image_rgb: np.ndarray, lut_path: str | os.PathLike) -> np.ndarray:
    """An 8-bit RGB image through a ``.cube`` LUT, read and applied by ``broll.grading.lut``
    (tetrahedral interpolation, as FFmpeg's ``lut3d`` in the render), so the preview shows
    what the build will render."""
    from broll.grading.lut import apply_lut, read_cube   # colour-science: only when a preview is asked for

    out = apply_lut(read_cube(lut_path), image_rgb.reshape(-1, 3) / 255.0).reshape(image_rgb.shape)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def grade_preview(root: str | os.PathLike, path: Path, sha: str, lut: str | os.PathLike, which: str) -> Path:
    """The clip's middle frame before (``which='before'``) or after its grade LUT."""
    if which not in ("before", "after"):
        raise ValueError(which)
    lut_p = Path(lut)
    lut_id = text_sha256(str(lut_p.resolve()), lut_p.stat().st_mtime_ns)[:12]   # a new grade, a new preview
    target = cache_dir(root) / f"grade-{sha[:24]}-{lut_id}-{which}.jpg"
    with _lock(str(target)):
        if target.is_file():
            return target
        with _DECODE:
            frames = sample_frames(path, 1, width=PREVIEW_WIDTH)
        if not frames:
            raise MediaError(f"{path}: no frame could be decoded for the grade preview")
        img = frames[0].image[:, :, :3]
        if which == "after":
            img = apply_grade(img, lut_p)
        write_bytes(target, _jpeg(img, 85))
        return target


def frame_preview(root: str | os.PathLike, path: Path, sha: str, frame: int) -> Path:
    """Display frame ``frame`` of ``path`` (content hash ``sha``) as a JPEG: a repair's before or after."""
    from broll.media.frames import iter_frames
    from broll.media.probe import probe

    target = cache_dir(root) / f"frame-{sha[:24]}-{frame}-{PREVIEW_WIDTH}.jpg"
    with _lock(str(target)):
        if target.is_file():
            return target
        fps = float(probe(path).fps or 25)
        with _DECODE:
            # seek near it, then take the frame whose index (from its time) is the one asked for
            img = None
            for fr in iter_frames(path, width=PREVIEW_WIDTH, start=max(0.0, (frame - 0.5) / fps)):
                img = fr.image
                if int(round(fr.time * fps)) >= frame:
                    break
        if img is None:
            raise MediaError(f"{path}: frame {frame} could not be decoded for the repair preview")
        write_bytes(target, _jpeg(img, 85))
        return target


def cached_filmstrip(root: str | os.PathLike, sha: str, *, count: int = STRIP_FRAMES,
                     width: int = STRIP_WIDTH) -> tuple[Path, list[float]] | None:
    """The filmstrip if it was already made, without decoding anything."""
    base = cache_dir(root) / f"strip-{sha[:24]}-{count}x{width}"
    img_path, meta_path = base.with_suffix(".jpg"), base.with_suffix(".json")
    if img_path.is_file() and meta_path.is_file():
        return img_path, json.loads(meta_path.read_text())["times"]
    return None


class StripWorker:
    """Makes filmstrips on one background thread, most wanted first.

    Request threads never wait for a decode: a browser holds only six connections per host,
    and a few requests parked behind thumbnail decodes would stall the clip being played.
    """

    def __init__(self, root: str | os.PathLike):
        import itertools
        import queue

        self.root = root
        self._queue: "queue.PriorityQueue[tuple[int, int, Path, str]]" = queue.PriorityQueue()
        self._order = itertools.count()
        self.failed: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name="broll-review-strips", daemon=True)
        self._thread.start()

    def want(self, path: Path, sha: str, *, urgent: bool = False) -> None:
        self._queue.put((0 if urgent else 1, next(self._order), path, sha))

    def stop(self) -> None:
        self._queue.put((-1, next(self._order), None, None))

    def _run(self) -> None:
        while True:
            _, _, path, sha = self._queue.get()
            if path is None:
                return
            if cached_filmstrip(self.root, sha) is not None or sha in self.failed:
                continue
            try:
                filmstrip(self.root, path, sha)
            except Exception as exc:   # a damaged clip: the page shows why, the worker goes on
                self.failed[sha] = getattr(exc, "message", str(exc))
