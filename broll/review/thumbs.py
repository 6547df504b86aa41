"""Filmstrips and grade previews, cached under ``.broll/review/`` by clip content hash.

Frames come from ``broll.media`` (PyAV decode, scaled in swscale); OpenCV only encodes JPEG.
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


def read_cube(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 3D ``.cube`` LUT as (table[b, g, r, 3], domain_min, domain_max); red varies fastest in the file."""
    size, lo, hi, rows = None, np.zeros(3), np.ones(3), []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head = line.split()[0].upper()
        if head == "LUT_3D_SIZE":
            size = int(line.split()[1])
        elif head == "DOMAIN_MIN":
            lo = np.array([float(v) for v in line.split()[1:4]])
        elif head == "DOMAIN_MAX":
            hi = np.array([float(v) for v in line.split()[1:4]])
        elif head[0].isdigit() or head[0] in "-.":
            rows.append([float(v) for v in line.split()[:3]])
    if not size or len(rows) != size ** 3:
        raise MediaError(f"{path}: not a 3D .cube LUT (size {size}, {len(rows)} entries)")
    return np.asarray(rows, dtype=np.float32).reshape(size, size, size, 3), lo, hi


def apply_cube(image_rgb: np.ndarray, table: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Trilinear lookup of an 8-bit RGB image through a .cube table (a preview, not the render path)."""
    n = table.shape[0]
    x = (image_rgb.astype(np.float32) / 255.0 - lo) / (hi - lo)
    x = np.clip(x, 0.0, 1.0) * (n - 1)
    i0 = np.minimum(np.floor(x).astype(np.int32), n - 2)
    f = x - i0
    r0, g0, b0 = i0[..., 0], i0[..., 1], i0[..., 2]
    fr, fg, fb = f[..., 0:1], f[..., 1:2], f[..., 2:3]
    out = np.zeros(image_rgb.shape[:2] + (3,), np.float32)
    for db in (0, 1):
        wb = fb if db else 1 - fb
        for dg in (0, 1):
            wg = fg if dg else 1 - fg
            for dr in (0, 1):
                wr = fr if dr else 1 - fr
                out += wb * wg * wr * table[b0 + db, g0 + dg, r0 + dr]
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


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
            img = apply_cube(img, *read_cube(lut_p))
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
