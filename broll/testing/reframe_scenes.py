"""Synthetic reframing scenes with a known subject box in every frame.

A busy, high-contrast greyscale texture is filmed by a virtual camera that zooms, pans and
rotates; a subject (a saturated disc, or a flat grey one) moves in screen space on its own
path, stops and restarts; distractors (a second moving block, a flashing patch) compete for
attention. Frames are drawn with numpy/OpenCV and encoded by ``broll.media.writer``; the
ground truth (the subject's box per frame, in source pixels) comes back with the clip.

Used by tests/reframe and benchmarks/reframe.py: test-only ground truth, no fetched footage.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

Curve = Callable[[float], float]


@dataclass(frozen=True)
class Scene:
    """A scene in normalised units: positions as fractions of the frame width/height."""

    name: str
    duration: float
    subject_x: Curve                      # subject centre x (0..1 of width) over time
    subject_y: Curve
    radius: float = 0.05                  # subject radius as a fraction of the frame width
    stretch: Curve = lambda t: 1.0        # horizontal half-axis over ``radius``: >1 is a wide ellipse
    colour: tuple[int, int, int] = (30, 30, 230)   # BGR: saturated red
    zoom: Curve = lambda t: 1.0           # camera magnification of the texture
    pan: Curve = lambda t: 0.0            # camera centre drift, fraction of the texture width
    tilt: Curve = lambda t: 0.0
    rotate: Curve = lambda t: 0.0         # camera roll, degrees
    distractor: bool = False              # a second moving block (grey) crossing the other way
    flashing: bool = False                # a patch of texture that inverts every few frames
    static_subject: bool = False          # for the jerk check: the subject never moves
    has_subject: bool = True              # False: texture and camera only (the fallback check)
    notes: str = ""


def _ease_stop(a: float, b: float, t0: float, t1: float, t2: float, t3: float) -> Curve:
    """a -> mid between t0..t1, hold t1..t2, -> b t2..t3 (a subject that stops and restarts)."""
    mid = (a + b) / 2

    def f(t: float) -> float:
        if t < t0:
            return a
        if t < t1:
            return a + (mid - a) * (t - t0) / (t1 - t0)
        if t < t2:
            return mid
        if t < t3:
            return mid + (b - mid) * (t - t2) / (t3 - t2)
        return b
    return f


SCENES: dict[str, Scene] = {s.name: s for s in (
    # the case: a red disc crossing left to right over a zooming busy background
    Scene("issue-zoom", 4.0, lambda t: 0.12 + 0.76 * t / 4.0, lambda t: 0.5,
          zoom=lambda t: 1.0 + 0.6 * t / 4.0, notes="red disc L->R, background zooms in continuously"),
    Scene("pan", 4.0, lambda t: 0.5 + 0.33 * math.sin(2 * math.pi * t / 4.0), lambda t: 0.45,
          pan=lambda t: 0.25 * t / 4.0, zoom=lambda t: 1.2, notes="sine path, camera pans right"),
    Scene("rotate-zoom", 4.0, lambda t: 0.85 - 0.7 * t / 4.0, lambda t: 0.35 + 0.3 * t / 4.0,
          zoom=lambda t: 1.1 + 0.4 * t / 4.0, rotate=lambda t: 12.0 * t / 4.0,
          notes="diagonal R->L, camera rolls and zooms"),
    Scene("stop-start", 4.0, _ease_stop(0.15, 0.85, 0.0, 1.3, 2.5, 4.0), lambda t: 0.55,
          pan=lambda t: -0.15 * t / 4.0, zoom=lambda t: 1.15, notes="moves, stops 1.2 s, restarts; camera pans"),
    Scene("distractors", 4.0, lambda t: 0.15 + 0.7 * t / 4.0, lambda t: 0.4,
          zoom=lambda t: 1.0 + 0.3 * t / 4.0, distractor=True, flashing=True,
          notes="second moving block R->L and a flashing patch"),
    Scene("grey-mover", 4.0, lambda t: 0.8 - 0.6 * t / 4.0, lambda t: 0.5, colour=(128, 128, 128),
          pan=lambda t: -0.15 * t / 4.0, zoom=lambda t: 1.2, notes="flat grey disc: only its motion and flatness stand out"),
    Scene("static-left", 3.0, lambda t: 0.3, lambda t: 0.5, static_subject=True,
          notes="still subject left of centre, still camera (jerk check)"),
    Scene("static-zoom", 3.0, lambda t: 0.68, lambda t: 0.45, static_subject=True,
          zoom=lambda t: 1.0 + 0.3 * t / 3.0, notes="still subject right of centre, camera zooms (jerk check)"),
)}

# a subject that grows wider than a 9:16 window and shrinks again (a car coming past, side-on):
# a crop cannot hold it whole while it is wide; the window widens over a blurred fill meanwhile
WIDE_SUBJECT = Scene("wide-subject", 4.0, lambda t: 0.4 + 0.2 * t / 4.0, lambda t: 0.5,
                     stretch=lambda t: 1.0 + 3.5 * math.sin(math.pi * min(1.0, max(0.0, (t - 0.8) / 2.4))),
                     pan=lambda t: 0.1 * t / 4.0, zoom=lambda t: 1.1,
                     notes="red ellipse growing to 0.5 of the width and back; camera pans")

# no subject at all: a panning, zooming texture; the honest answer is the blurred-fill fallback
NO_SUBJECT = Scene("no-subject", 3.0, lambda t: 0.5, lambda t: 0.5, has_subject=False,
                   pan=lambda t: 0.1 * t / 3.0, zoom=lambda t: 1.0 + 0.2 * t / 3.0, notes="texture only")


def busy_texture(size: int = 1024, seed: int = 7) -> np.ndarray:
    """A high-contrast greyscale texture with structure at every scale (uint8, size x size).

    Multi-octave value noise pushed through a steep curve, plus hard-edged blocks and bars:
    plenty of corners for a tracker, and large bright structures that a contrast-only
    saliency would chase.
    """
    import cv2
    rng = np.random.default_rng(seed)
    acc = np.zeros((size, size), np.float32)
    for cells, amp in ((4, 1.0), (12, 0.7), (40, 0.5), (128, 0.35)):
        grid = rng.standard_normal((cells, cells)).astype(np.float32)
        acc += amp * cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
    img = 0.5 + 0.5 * np.tanh(2.0 * acc / acc.std())
    for _ in range(60):                                   # hard-edged blocks
        w, h = rng.integers(size // 40, size // 8, 2)
        x, y = rng.integers(0, size - w), rng.integers(0, size - h)
        img[y:y + h, x:x + w] = rng.choice([0.0, 1.0])
    for _ in range(20):                                   # bars
        x = int(rng.integers(0, size))
        img[:, x:x + int(rng.integers(2, 8))] = rng.choice([0.05, 0.95])
    return np.clip(img * 255, 0, 255).astype(np.uint8)


@dataclass
class SceneClip:
    path: Path
    scene: Scene
    size: tuple[int, int]
    fps: float
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)   # x0, y0, x1, y1 per frame


def _camera(scene: Scene, t: float, size: tuple[int, int], tex: int) -> np.ndarray:
    """2x3 matrix taking texture pixels to frame pixels at time ``t``."""
    import cv2
    w, h = size
    # at zoom 1 the frame shows about 60% of the texture's width, so pans and rolls stay inside it
    base = w / (tex * 0.6)
    cx = tex / 2 + scene.pan(t) * tex
    cy = tex / 2 + scene.tilt(t) * tex
    m = cv2.getRotationMatrix2D((cx, cy), scene.rotate(t), base * scene.zoom(t))
    m[0, 2] += w / 2 - cx
    m[1, 2] += h / 2 - cy
    return m


def render_frames(scene: Scene, size: tuple[int, int], fps: float = 30.0, seed: int = 7):
    """Yield (BGR frame, subject box) for every frame of ``scene`` at ``size``."""
    import cv2
    w, h = size
    tex = busy_texture(seed=seed)
    n = int(round(scene.duration * fps))
    r = scene.radius * w
    for i in range(n):
        t = i / fps
        grey = cv2.warpAffine(tex, _camera(scene, t, size, tex.shape[0]), (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)
        frame = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
        if scene.flashing and (i // 4) % 2:
            x0, y0 = int(0.62 * w), int(0.08 * h)
            frame[y0:y0 + int(0.3 * h), x0:x0 + int(0.2 * w)] = 255 - frame[y0:y0 + int(0.3 * h), x0:x0 + int(0.2 * w)]
        if scene.distractor:
            dx = (0.9 - 0.75 * t / scene.duration) * w
            dy = 0.75 * h
            s = 0.035 * w
            cv2.rectangle(frame, (int(dx - s), int(dy - s)), (int(dx + s), int(dy + s)), (90, 90, 90), -1,
                          lineType=cv2.LINE_AA)
        cx, cy = scene.subject_x(t) * w, scene.subject_y(t) * h
        if not scene.has_subject:
            yield frame, (cx, cy, cx, cy)
            continue
        rx = r * scene.stretch(t)
        if abs(rx - r) < 1e-9:
            cv2.circle(frame, (int(round(cx * 16)), int(round(cy * 16))), int(round(r * 16)), scene.colour, -1,
                       lineType=cv2.LINE_AA, shift=4)
        else:
            cv2.ellipse(frame, (int(round(cx * 16)), int(round(cy * 16))), (int(round(rx * 16)), int(round(r * 16))),
                        0, 0, 360, scene.colour, -1, lineType=cv2.LINE_AA, shift=4)
        yield frame, (cx - rx, cy - r, cx + rx, cy + r)


def make_scene_clip(scene: Scene | str, path: str | os.PathLike, *, size: tuple[int, int] = (320, 180),
                    fps: float = 30.0, seed: int = 7) -> SceneClip:
    """Encode ``scene`` to ``path`` (H.264) and return it with its per-frame subject boxes."""
    from broll.media.writer import write_clip
    scene = SCENES[scene] if isinstance(scene, str) else scene
    boxes: list[tuple[float, float, float, float]] = []

    def frames():
        for frame, box in render_frames(scene, size, fps, seed):
            boxes.append(box)
            yield frame
    write_clip(path, frames(), fps=fps)
    return SceneClip(Path(path), scene, size, fps, boxes)


def whole_inside(boxes, offsets, window: float, axis: str = "x") -> np.ndarray:
    """Per frame: is the box wholly inside a window of ``window`` px starting at ``offsets``?"""
    b = np.asarray(boxes, float)
    lo, hi = (b[:, 0], b[:, 2]) if axis == "x" else (b[:, 1], b[:, 3])
    off = np.asarray(offsets, float)[: len(b)]
    return (off <= lo + 0.5) & (hi - 0.5 <= off + window)
