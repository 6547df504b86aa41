"""Synthetic ground truth for QC: clean base clips and defects injected at known frames.

Used by ``tests/qc`` and ``benchmarks/qc_accuracy.py``, and useful to calibrate a custom
profile. Bases are lavfi sources (testsrc2, mandelbrot, gradients) or camera moves over the
photographs scikit-image bundles (pan, zoom, static). Each defect edits BGR frames in numpy
and returns the inclusive frame range it touched; :func:`encode` writes them with x264 as a
generator's output would be. Everything is seeded and deterministic.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

Frames = list[np.ndarray]


@dataclass(frozen=True)
class Truth:
    kind: str          # detector kind expected to report it
    start: int         # inclusive frame range
    end: int
    severity: str      # low | moderate | high (strength of the injection)


# --- bases -----------------------------------------------------------------------------

def _lavfi_frames(source: str, n: int, size: tuple[int, int], fps: int) -> Frames:
    from broll.media import synth
    from broll.media.frames import iter_frames

    with tempfile.TemporaryDirectory() as tmp:
        path = synth.make_clip(Path(tmp) / "base.mp4", source=source, size=size, fps=fps,
                               duration=(n + 1) / fps, audio=None,
                               codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-pix_fmt", "yuv420p"))
        frames = [f.image for f in iter_frames(path, fmt="bgr24")][:n]
    while len(frames) < n:
        frames.append(frames[-1].copy())
    return frames


def _photo(name: str) -> np.ndarray:
    import cv2
    import skimage.data

    rgb = getattr(skimage.data, name)()
    if rgb.ndim == 2:
        rgb = np.dstack([rgb] * 3)
    return cv2.cvtColor(rgb[..., :3], cv2.COLOR_RGB2BGR)


def _camera(photo: np.ndarray, n: int, size: tuple[int, int], *, dx: float = 0.0, dy: float = 0.0,
            zoom: float = 0.0) -> Frames:
    """A virtual camera over a still: ``dx``/``dy`` px per frame at output scale, ``zoom`` per frame."""
    import cv2

    w, h = size
    ph, pw = photo.shape[:2]
    travel = abs(dx) * n + w, abs(dy) * n + h
    scale = max(travel[0] / pw, travel[1] / ph, w / pw * 1.0, h / ph * 1.0) * 1.05
    big = cv2.resize(photo, (int(pw * scale) + 2, int(ph * scale) + 2), interpolation=cv2.INTER_CUBIC)
    bh, bw = big.shape[:2]
    out = []
    x0 = (bw - w) / 2 - dx * n / 2
    y0 = (bh - h) / 2 - dy * n / 2
    for i in range(n):
        z = 1.0 + zoom * i
        cx, cy = x0 + dx * i + w / 2, y0 + dy * i + h / 2
        m = np.array([[z, 0, w / 2 - z * cx], [0, z, h / 2 - z * cy]], np.float32)
        out.append(cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    return out


def base(name: str, n: int = 60, size: tuple[int, int] = (320, 180), fps: int = 30) -> Frames:
    """Clean frames: ``testsrc2``, ``mandelbrot``, ``gradients``, or ``pan:PHOTO``, ``fastpan:PHOTO``,
    ``zoom:PHOTO``, ``static:PHOTO``, ``dark:PHOTO`` over a scikit-image photo (astronaut, coffee ...)."""
    if ":" not in name:
        return _lavfi_frames(name, n, size, fps)
    move, photo_name = name.split(":", 1)
    photo = _photo(photo_name)
    if move == "pan":
        return _camera(photo, n, size, dx=0.7, dy=0.2)
    if move == "fastpan":
        return _camera(photo, n, size, dx=9.0, dy=-2.0)
    if move == "zoom":
        return _camera(photo, n, size, zoom=0.004)
    if move == "static":
        return _camera(photo, n, size)
    if move == "dark":
        return [np.clip(f.astype(np.float32) * 0.22, 0, 255).astype(np.uint8)
                for f in _camera(photo, n, size, dx=0.5)]
    raise ValueError(f"unknown base move '{move}'")


def fade(frames: Frames, fade_frames: int = 15) -> Frames:
    """Fade in from black and out to black (clean material: not flicker, not black frames mid-clip)."""
    n = len(frames)
    out = []
    for i, f in enumerate(frames):
        g = min(1.0, (i + 1) / fade_frames, (n - i) / fade_frames)
        out.append(np.clip(f.astype(np.float32) * g, 0, 255).astype(np.uint8))
    return out


# --- defects ---------------------------------------------------------------------------
# each: (frames, rng, severity) -> (frames, Truth); severity in SEVERITY_LEVELS

SEVERITY_LEVELS = ("low", "moderate", "high")


def _pick(rng: np.random.Generator, n: int, length: int, margin: int = 8) -> int:
    return int(rng.integers(margin, max(margin + 1, n - length - margin)))


def inject_flicker(frames: Frames, rng, severity: str = "moderate", *, hz: float | None = None,
                   amp: float | None = None, fps: int = 30) -> tuple[Frames, Truth]:
    amp = amp if amp is not None else {"low": 0.02, "moderate": 0.06, "high": 0.15}[severity]
    hz = hz if hz is not None else float(rng.choice([2.0, 4.0, 6.0, 8.0, 12.0]))
    length = max(int(fps * 1.2), int(3 * fps / hz))
    s = _pick(rng, len(frames), length)
    out = list(frames)
    phase = rng.uniform(0, 2 * np.pi)
    for i in range(s, s + length):
        g = 1.0 + amp * np.sin(2 * np.pi * hz * (i - s) / fps + phase)
        out[i] = np.clip(frames[i].astype(np.float32) * g, 0, 255).astype(np.uint8)
    return out, Truth("flicker", s, s + length - 1, severity)


def inject_flash(frames: Frames, rng, severity: str = "moderate", *, fps: int = 30) -> tuple[Frames, Truth]:
    """A photosensitive-risk strobe: the picture alternates with a bright (or red) field."""
    hz = {"low": 5.0, "moderate": 7.5, "high": 10.0}[severity]
    mix = {"low": 0.5, "moderate": 0.7, "high": 0.9}[severity]
    length = int(fps * 1.5)
    s = _pick(rng, len(frames), length)
    red = bool(rng.random() < 0.3)
    field = np.zeros_like(frames[0])
    field[:] = (0, 0, 255) if red else (255, 255, 255)
    out = list(frames)
    period = fps / hz
    for i in range(s, s + length):
        if int((i - s) / (period / 2)) % 2 == 0:
            out[i] = np.clip(frames[i] * (1 - mix) + field * mix, 0, 255).astype(np.uint8)
    return out, Truth("flash", s, s + length - 1, severity)


def inject_glitch(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """One extraneous frame: a white flash frame or a frame of unrelated content."""
    s = _pick(rng, len(frames), 1)
    out = list(frames)
    strength = {"low": 0.45, "moderate": 0.7, "high": 1.0}[severity]
    if rng.random() < 0.5:
        out[s] = np.clip(frames[s] * (1 - strength) + 255 * strength, 0, 255).astype(np.uint8)
    else:
        noise = rng.integers(0, 256, size=(frames[0].shape[0] // 8, frames[0].shape[1] // 8, 3), dtype=np.uint8)
        import cv2
        other = cv2.resize(noise, frames[0].shape[1::-1], interpolation=cv2.INTER_LINEAR)
        out[s] = np.clip(frames[s] * (1 - strength) + other * strength, 0, 255).astype(np.uint8)
    return out, Truth("glitch", s, s, severity)


def inject_black(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    k = {"low": 1, "moderate": 2, "high": 5}[severity]
    s = _pick(rng, len(frames), k)
    out = list(frames)
    for i in range(s, s + k):
        out[i] = np.full_like(frames[i], 16 if rng.random() < 0.5 else 0)
    return out, Truth("black", s, s + k - 1, severity)


def inject_freeze(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    k = {"low": 3, "moderate": 8, "high": 30}[severity]
    k = min(k, len(frames) - 20)
    s = _pick(rng, len(frames), k)
    out = list(frames)
    for i in range(s, s + k):
        out[i] = frames[s - 1].copy()
    return out, Truth("freeze", s, s + k - 1, severity)


def inject_cut(frames: Frames, rng, severity: str = "moderate", *, other: Frames | None = None) -> tuple[Frames, Truth]:
    s = _pick(rng, len(frames), 10, margin=12)
    if other is None:
        other = [np.ascontiguousarray(f[::-1, ::-1]) for f in frames]   # a different picture
    out = list(frames[:s]) + list(other[s:len(frames)])
    return out, Truth("cut", s, s, severity)


def inject_jump(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """A mid-shot discontinuity: part of the picture teleports (a patch swaps with another place)."""
    s = _pick(rng, len(frames), 10, margin=12)
    frac = {"low": 0.06, "moderate": 0.12, "high": 0.2}[severity]   # area of each of the two patches
    h, w = frames[0].shape[:2]
    ph, pw = int(h * np.sqrt(frac)), int(w * np.sqrt(frac))
    y0, x0 = int(rng.integers(0, h - ph)), int(rng.integers(0, w - pw))
    y1, x1 = (y0 + ph // 2 + int(rng.integers(0, h // 4))) % (h - ph), (x0 + pw // 2 + int(rng.integers(0, w // 4))) % (w - pw)
    out = list(frames[:s])
    for f in frames[s:]:
        g = f.copy()
        g[y0:y0 + ph, x0:x0 + pw] = f[y1:y1 + ph, x1:x1 + pw]
        g[y1:y1 + ph, x1:x1 + pw] = f[y0:y0 + ph, x0:x0 + pw]
        out.append(g)
    return out, Truth("jump", s, s, severity)


def inject_boil(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """Texture shimmer: blobby noise that changes every frame over a patch of the picture."""
    import cv2

    sigma = {"low": 4.0, "moderate": 8.0, "high": 16.0}[severity]
    area = {"low": 0.06, "moderate": 0.12, "high": 0.25}[severity]
    length = 24
    s = _pick(rng, len(frames), length)
    h, w = frames[0].shape[:2]
    ph, pw = int(h * np.sqrt(area)), int(w * np.sqrt(area))
    y0, x0 = int(rng.integers(0, h - ph)), int(rng.integers(0, w - pw))
    out = list(frames)
    for i in range(s, s + length):
        grain = rng.normal(0, sigma * 1.6, size=(max(2, ph // 3), max(2, pw // 3))).astype(np.float32)
        grain = cv2.resize(grain, (pw, ph), interpolation=cv2.INTER_CUBIC)
        g = frames[i].astype(np.float32)
        g[y0:y0 + ph, x0:x0 + pw] += grain[..., None]
        out[i] = np.clip(g, 0, 255).astype(np.uint8)
    return out, Truth("boil", s, s + length - 1, severity)


def inject_blur(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """A blur ramp: focus softens over a few frames, holds, and comes back."""
    import cv2

    peak = {"low": 1.5, "moderate": 2.5, "high": 5.0}[severity]
    ramp, hold = 4, 8
    length = 2 * ramp + hold
    s = _pick(rng, len(frames), length)
    out = list(frames)
    for j in range(length):
        level = min(1.0, (j + 1) / ramp, (length - j) / ramp)
        out[s + j] = cv2.GaussianBlur(frames[s + j], (0, 0), max(0.3, peak * level))
    return out, Truth("blur", s, s + length - 1, severity)


DEFECTS: dict[str, Callable] = {
    "flicker": inject_flicker,
    "flash": inject_flash,
    "glitch": inject_glitch,
    "black": inject_black,
    "freeze": inject_freeze,
    "cut": inject_cut,
    "jump": inject_jump,
    "boil": inject_boil,
    "blur": inject_blur,
}


def encode(path: str | os.PathLike, frames: Frames, fps: int = 30, crf: int = 20) -> Path:
    """Write frames with x264 (CRF ``crf``), as a generator's delivery would be encoded."""
    from broll.media.writer import write_clip

    return write_clip(path, frames, fps=fps,
                      codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p"))
