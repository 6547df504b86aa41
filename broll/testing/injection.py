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
        # rounded, not truncated: truncation would also darken the whole span by half a code value on
        # average, a slow level step a flicker repair rightly keeps (and ~0.5 dB of a CRF 8 benchmark)
        out[i] = np.clip(frames[i].astype(np.float32) * g + 0.5, 0, 255).astype(np.uint8)
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
    return _patch_swap(frames, s, rng, severity)


def _patch_swap(frames: Frames, s: int, rng, severity: str) -> tuple[Frames, Truth]:
    """A jump: from frame ``s`` on, two patches of the picture trade places (a morph-like discontinuity)."""
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


def inject_boil(frames: Frames, rng, severity: str = "moderate", grain: int = 3) -> tuple[Frames, Truth]:
    """Texture shimmer: blobby noise that changes every frame over a patch of the picture.

    ``grain`` is the blob size in pixels: 3 suits the 320 px suites; a 1080p clip needs its blobs
    scaled with the picture (18 px) to show the same shimmer at QC's analysis size, as generative
    boil, made at the model's latent scale, does (3 px blobs at 1080p are sensor-like grain)."""
    sigma = {"low": 4.0, "moderate": 8.0, "high": 16.0}[severity]
    area = {"low": 0.06, "moderate": 0.12, "high": 0.25}[severity]
    length = 24
    s = _pick(rng, len(frames), length)
    h, w = frames[0].shape[:2]
    ph, pw = int(h * np.sqrt(area)), int(w * np.sqrt(area))
    y0, x0 = int(rng.integers(0, h - ph)), int(rng.integers(0, w - pw))
    return (_boil_patch(frames, rng, s, length, (y0, x0, ph, pw), sigma, grain),
            Truth("boil", s, s + length - 1, severity))


def _boil_patch(frames: Frames, rng, start: int, length: int, box: tuple[int, int, int, int],
                sigma: float, grain_px: int = 3) -> Frames:
    """Fresh coarse grain (blobs of ``grain_px``) in one box on every frame of the span: shimmer
    that flow cannot follow."""
    import cv2

    y0, x0, ph, pw = box
    out = list(frames)
    for i in range(start, start + length):
        grain = rng.normal(0, sigma * 1.6, size=(max(2, ph // grain_px), max(2, pw // grain_px))).astype(np.float32)
        grain = cv2.resize(grain, (pw, ph), interpolation=cv2.INTER_CUBIC)
        g = frames[i].astype(np.float32)
        g[y0:y0 + ph, x0:x0 + pw] += grain[..., None]
        out[i] = np.clip(g, 0, 255).astype(np.uint8)
    return out


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


# --- real footage ----------------------------------------------------------------------
# The real suite of ``benchmarks/qc_accuracy.py`` decodes real clips (generated and camera) at
# analysis size, injects one defect at moderate strength and re-encodes. The defects below are the
# ones a person finds in real generations: thin single-frame artifacts, murky degenerate output.

REAL_EXTENSIONS = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".gif")


def real_clip(path: str | os.PathLike, max_frames: int = 90, longest: int = 320) -> tuple[Frames, float]:
    """The first ``max_frames`` frames of a real clip as BGR at analysis size, and its frame rate."""
    from broll.media.analysis_frames import analysis_size
    from broll.media.frames import iter_frames
    from broll.media.probe import probe

    info = probe(path)
    w, h = analysis_size(info.width, info.height, longest)     # display size: rotation applied
    frames = []
    for fr in iter_frames(path, width=w, height=h, fmt="bgr24"):
        frames.append(fr.image)
        if len(frames) >= max_frames:
            break
    return frames, float(info.fps or 25.0)


def _middle(rng: np.random.Generator, n: int, length: int = 1) -> int:
    """A start frame well inside the clip (real clips can be as short as 16 frames)."""
    lo = max(2, n // 4)
    hi = max(lo + 1, min(n - length - 2, 3 * n // 4))
    return int(rng.integers(lo, hi))


def _contrasting(region: np.ndarray) -> tuple[int, int, int]:
    """White or black, whichever stands out more against ``region`` (an artifact with strong contrast)."""
    return (16, 16, 16) if float(region.mean()) > 110 else (245, 245, 245)


def inject_line(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """A single-frame thin line across the picture, about 0.5% of its area (1 px at 320x180)."""
    s = _middle(rng, len(frames))
    out = list(frames)
    g = frames[s].copy()
    h, w = g.shape[:2]
    if rng.random() < 0.7:
        k = max(1, int(round(0.005 * h)))
        y = int(rng.integers(h // 8, h - h // 8 - k))
        g[y:y + k] = _contrasting(g[y:y + k])
    else:
        k = max(1, int(round(0.005 * w)))
        x = int(rng.integers(w // 8, w - w // 8 - k))
        g[:, x:x + k] = _contrasting(g[:, x:x + k])
    out[s] = g
    return out, Truth("glitch", s, s, severity)


def inject_band(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """A single-frame horizontal band (1.5% of the height) torn from elsewhere and tinted: a corrupt slice."""
    s = _middle(rng, len(frames))
    out = list(frames)
    g = frames[s].copy()
    h, w = g.shape[:2]
    k = max(2, int(round(0.015 * h)))
    y = int(rng.integers(h // 8, h - h // 8 - k))
    band = g[y:y + k].astype(np.float32)
    # a corrupt slice in a colour that stands out from what it covers (strong contrast, as in the wild)
    palette = np.array([(255, 0, 255), (0, 255, 0), (255, 255, 0), (0, 0, 0), (255, 255, 255)], np.float32)
    luma = lambda bgr: 0.114 * bgr[..., 0] + 0.587 * bgr[..., 1] + 0.299 * bgr[..., 2]  # noqa: E731
    under = float(luma(band).mean())
    strong = [c for c in palette if abs(float(luma(c)) - under) >= 80] or [palette[int(np.argmax(np.abs(luma(palette) - under)))]]
    colour = strong[int(rng.integers(0, len(strong)))]
    g[y:y + k] = np.clip(0.25 * np.roll(band, int(rng.integers(w // 4, w // 2)), axis=1) + 0.75 * colour, 0, 255).astype(np.uint8)
    out[s] = g
    return out, Truth("glitch", s, s, severity)


def inject_rect(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """A single-frame rectangle covering 1% of the picture: a run of corrupt macroblocks, in blocky
    colours that stand out from what they cover (strong contrast, as the issue defines a glitch)."""
    import cv2

    s = _middle(rng, len(frames))
    out = list(frames)
    g = frames[s].copy()
    h, w = g.shape[:2]
    area = 0.01 * h * w
    aspect = float(rng.uniform(0.5, 2.0))
    rw = max(4, int(round(np.sqrt(area * aspect))))
    rh = max(4, int(round(area / rw)))
    y = int(rng.integers(0, h - rh))
    x = int(rng.integers(0, w - rw))
    # each 4x4 block takes the far end of the range from the picture under it, tinted a little
    under = cv2.resize(g[y:y + rh, x:x + rw].astype(np.float32).mean(axis=2), (max(1, rw // 4), max(1, rh // 4)),
                       interpolation=cv2.INTER_AREA)
    base = np.where(under > 110, 16.0, 235.0)[..., None]
    blocks = base + rng.uniform(-1, 1, size=under.shape + (3,)) * np.array([16, 40, 40])
    g[y:y + rh, x:x + rw] = np.clip(cv2.resize(blocks.astype(np.float32), (rw, rh), interpolation=cv2.INTER_NEAREST),
                                    0, 255).astype(np.uint8)
    out[s] = g
    return out, Truth("glitch", s, s, severity)


def inject_white(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """One washed-out frame: the picture mixed 85% toward white."""
    s = _middle(rng, len(frames))
    out = list(frames)
    out[s] = np.clip(frames[s].astype(np.float32) * 0.15 + 255 * 0.85, 0, 255).astype(np.uint8)
    return out, Truth("glitch", s, s, severity)


def inject_murky(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """Degenerate output over the whole clip: heavy blur, muddy noise, washed-out olive colour.

    What a failed generation looks like: structure dissolved into blotches, low contrast, a
    single cast. Moderate: blur sigma 3% of the width, contrast halved, 80% desaturated.
    """
    import cv2

    h, w = frames[0].shape[:2]
    sigma = {"low": 0.015, "moderate": 0.03, "high": 0.05}[severity] * w
    keep_contrast = {"low": 0.7, "moderate": 0.5, "high": 0.35}[severity]
    tint = np.array([40, 110, 100], np.float32)      # olive (BGR)
    out = []
    noise_prev = None
    for f in frames:
        g = cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32)
        grey = g.mean(axis=2, keepdims=True)
        g = 0.2 * g + 0.8 * grey                         # desaturate
        g = g.mean() + keep_contrast * (g - g.mean())    # flatten contrast
        g = 0.7 * g + 0.3 * tint
        blob = rng.normal(0, 14, size=(max(2, h // 6), max(2, w // 6))).astype(np.float32)
        blob = cv2.resize(blob, (w, h), interpolation=cv2.INTER_CUBIC)
        # muddy noise that drifts slowly rather than boiling every frame
        noise_prev = blob if noise_prev is None else 0.8 * noise_prev + 0.2 * blob
        fine = rng.normal(0, 3, size=(h, w)).astype(np.float32)
        out.append(np.clip(g + (noise_prev + fine)[..., None], 0, 255).astype(np.uint8))
    return out, Truth("degenerate", 0, len(frames) - 1, severity)


def inject_real_freeze(frames: Frames, rng, severity: str = "moderate", *, fps: float = 30) -> tuple[Frames, Truth]:
    """A stall of about a quarter second (at least 4 frames) in the middle of the clip."""
    k = max(4, int(round({"low": 0.1, "moderate": 0.27, "high": 1.0}[severity] * fps)))
    k = min(k, max(3, len(frames) // 3))
    s = _middle(rng, len(frames), k)
    out = list(frames)
    for i in range(s, s + k):
        out[i] = frames[s - 1].copy()
    return out, Truth("freeze", s, s + k - 1, severity)


def inject_real_flicker(frames: Frames, rng, severity: str = "moderate", *, fps: float = 30) -> tuple[Frames, Truth]:
    """Gain flicker of 3-6% amplitude (moderate) at 2-12 Hz, kept below the clip's Nyquist rate."""
    amp = float(rng.uniform(*{"low": (0.015, 0.03), "moderate": (0.03, 0.06), "high": (0.1, 0.15)}[severity]))
    rates = [r for r in (2.0, 3.0, 4.0, 6.0, 8.0, 12.0) if r <= fps / 2.5] or [fps / 3.0]
    hz = float(rng.choice(rates))
    n = len(frames)
    length = min(n - 4, max(int(round(fps * 1.2)), int(round(3 * fps / hz))))
    s = int(rng.integers(2, max(3, n - length - 1)))
    out = list(frames)
    phase = rng.uniform(0, 2 * np.pi)
    for i in range(s, s + length):
        g = 1.0 + amp * np.sin(2 * np.pi * hz * (i - s) / fps + phase)
        # rounded, not truncated: truncation would also darken the whole span by half a code value on
        # average, a slow level step a flicker repair rightly keeps (and ~0.5 dB of a CRF 8 benchmark)
        out[i] = np.clip(frames[i].astype(np.float32) * g + 0.5, 0, 255).astype(np.uint8)
    return out, Truth("flicker", s, s + length - 1, severity)


def inject_real_cut(frames: Frames, rng, severity: str = "moderate", *, other: Frames) -> tuple[Frames, Truth]:
    """From a frame in the middle on, the clip continues with another real clip (resized to fit)."""
    import cv2

    s = _middle(rng, len(frames))
    h, w = frames[0].shape[:2]
    tail = [cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA) for o in other]
    while len(tail) < len(frames):
        tail = tail + tail[::-1]
    out = list(frames[:s]) + tail[:len(frames) - s]
    return out, Truth("cut", s, s, severity)


def inject_real_jump(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """Part of the picture teleports mid-shot (two patches of 12% of the frame swap for good)."""
    n = len(frames)
    fake = list(frames)
    out, truth = inject_jump(fake, rng, severity) if n >= 40 else (None, None)
    if out is not None:
        return out, truth
    s = _middle(rng, n)
    return _patch_swap(frames, s, rng, severity)



def inject_real_blur(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """``inject_blur``'s focus ramp (4 frames in, a hold, 4 out); in a short clip a shorter ramp and
    hold, under half the clip (blur is judged against the shot's median sharpness)."""
    import cv2

    n = len(frames)
    if n >= 34:
        return inject_blur(frames, rng, severity)
    peak = {"low": 1.5, "moderate": 2.5, "high": 5.0}[severity]
    ramp, hold = 2, max(2, (n // 2 - 1) - 4)
    length = 2 * ramp + hold
    s = _middle(rng, n, length)
    out = list(frames)
    for j in range(length):
        level = min(1.0, (j + 1) / ramp, (length - j) / ramp)
        out[s + j] = cv2.GaussianBlur(frames[s + j], (0, 0), max(0.3, peak * level))
    return out, Truth("blur", s, s + length - 1, severity)


REAL_BOIL_MIN_FRAMES = 24    # 10 boiling frames (boil.min_frames) must stay under half the clip


def inject_real_boil(frames: Frames, rng, severity: str = "moderate") -> tuple[Frames, Truth]:
    """Generative shimmer (``inject_boil``'s blobby noise, new every frame) over a patch of 12% of the
    picture where it changes least over the span: boil is defined where the picture hardly moves, and
    a patch over a fast-moving subject would test motion, not shimmer. It lasts under half the clip
    (each cell is judged against its median over the shot); clips shorter than
    ``REAL_BOIL_MIN_FRAMES`` cannot hold the detector's 10 frames that way and are skipped."""
    import cv2

    sigma = {"low": 4.0, "moderate": 8.0, "high": 16.0}[severity]
    area = {"low": 0.06, "moderate": 0.12, "high": 0.25}[severity]
    n = len(frames)
    length = min(24, (n - 1) // 2 - 1)
    s = _middle(rng, n, length) if length < 24 else _pick(rng, n, length, margin=min(8, (n - length) // 2))
    h, w = frames[0].shape[:2]
    ph, pw = int(h * np.sqrt(area)), int(w * np.sqrt(area))
    luma = [cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY).astype(np.float32) for i in range(s, s + length)]
    change = np.mean([np.abs(b - a) for a, b in zip(luma[:-1], luma[1:])], axis=0)
    box = cv2.boxFilter(change, -1, (pw, ph), borderType=cv2.BORDER_CONSTANT)
    cy, cx = np.unravel_index(int(np.argmin(box[ph // 2:h - (ph - ph // 2) + 1, pw // 2:w - (pw - pw // 2) + 1])),
                              (h - ph + 1, w - pw + 1))
    y0, x0 = int(cy), int(cx)
    return _boil_patch(frames, rng, s, length, (y0, x0, ph, pw), sigma), Truth("boil", s, s + length - 1, severity)


# class name -> injector; cut takes ``other=``, freeze and flicker take ``fps=``
REAL_DEFECTS: dict[str, Callable] = {
    "line": inject_line,
    "band": inject_band,
    "rect": inject_rect,
    "white": inject_white,
    "murky": inject_murky,
    "freeze": inject_real_freeze,
    "flicker": inject_real_flicker,
    "cut": inject_real_cut,
    "jump": inject_real_jump,
    "blur": inject_real_blur,
    "boil": inject_real_boil,
}
