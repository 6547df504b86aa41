"""Placeholder clips for the offline provider: real motion, made locally, clearly labelled.

With a style reference the clip is a Ken Burns move over it (zoom and drift chosen by the
seed, so a regenerate really differs); without one the move runs over a procedural still
(a Mandelbrot view picked from the prompt, tinted by the seed). The container metadata says "placeholder" (and the title is the
shot id); burning the shot id in as a caption is optional, because a static overlay on a
moving picture reads as "boil" to frame-level QC. A light blur
(about 1 px) before the move keeps hard edges from shimmering as zoompan steps in quarter
pixels; without it broll's own QC flags test-pattern references as "boil". The shot id is burnt in as a caption and the container metadata says
"placeholder", so nobody mistakes one for a generated clip.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

from broll.atomic import atomic_path
from broll.errors import FFmpegError
from broll.filtergraph import opt
from broll.hashing import text_sha256
from broll.media.ffmpeg import run_ffmpeg

UP, BLUR = 4, 4.5
PLACEHOLDER_TAG = "broll placeholder (offline provider)"
# detailed regions of the Mandelbrot set (x, y, scale): seahorse valley, spirals, mini-brots
MANDELBROT_VIEWS = ((-0.743643887, 0.131825904, 0.02), (-0.7453, 0.1127, 0.01), (-1.25066, 0.02012, 0.01),
                    (-0.16, 1.0405, 0.03), (0.2549, 0.0005, 0.01), (-0.7269, 0.1889, 0.02))
FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                   "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                   "/System/Library/Fonts/Supplemental/Arial.ttf",
                   "C:/Windows/Fonts/arial.ttf")


def size_for(aspect: str, short_side: int) -> tuple[int, int]:
    """Even pixel size for an aspect such as "16:9" with the given short side."""
    try:
        a, b = (float(x) for x in aspect.split(":"))
    except ValueError:
        a, b = 16.0, 9.0
    if a >= b:
        w, h = short_side * a / b, short_side
    else:
        w, h = short_side, short_side * b / a
    return int(round(w / 2)) * 2, int(round(h / 2)) * 2


def ken_burns_filter(size: tuple[int, int], frames: int, fps: int, seed: int) -> str:
    """zoompan over a 4x upscale (less integer-pixel jitter), direction and zoom from the seed."""
    rng = random.Random(seed)
    w, h = size
    # the move keeps a steady pace whatever the length (about 5.5% zoom per second); a slower
    # one over a flat reference differs so little from frame to frame that QC calls it a freeze
    zoom = max(0.15, 0.055 * frames / fps) + rng.random() * 0.05
    zoom_in = rng.random() < 0.5
    # drift at least 40% of the free margin on each axis: a slower move steps in whole
    # zoompan quanta and reads as repeated (frozen) frames
    x0, y0 = rng.random() * 0.3, rng.random() * 0.3
    x1, y1 = x0 + 0.4 + rng.random() * 0.3, y0 + 0.4 + rng.random() * 0.3
    if rng.random() < 0.5:
        x0, x1 = 1 - x0, 1 - x1
    if rng.random() < 0.5:
        y0, y1 = 1 - y0, 1 - y1
    t = f"(on/{max(frames - 1, 1)})"
    z = f"1+{zoom:.4f}*{t}" if zoom_in else f"{1 + zoom:.4f}-{zoom:.4f}*{t}"
    x = f"(iw-iw/zoom)*({x0:.4f}+{x1 - x0:.4f}*{t})"
    y = f"(ih-ih/zoom)*({y0:.4f}+{y1 - y0:.4f}*{t})"
    return (f"scale={w * UP}:{h * UP}:force_original_aspect_ratio=increase,crop={w * UP}:{h * UP},gblur=sigma={BLUR},"
            f"zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={w}x{h}:fps={fps}")


def scene_still(prompt: str, seed: int, size: tuple[int, int]) -> str:
    """A lavfi graph for one procedural still: a Mandelbrot view picked by the prompt, tinted by
    the seed. (Smooth gradients were tried first; QC rightly calls them too soft.)"""
    x, y, scale = MANDELBROT_VIEWS[int(text_sha256(prompt)[:8], 16) % len(MANDELBROT_VIEWS)]
    w, h = size
    return (f"mandelbrot=size={w}x{h}:rate=1:maxiter=400:start_x={x}:start_y={y}:start_scale={scale},"
            f"hue=h={seed % 360}")


def _font() -> str | None:
    env = os.environ.get("BROLL_FONT")
    if env and Path(env).is_file():
        return env
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


def caption_filter(text_file: Path, size: tuple[int, int]) -> str:
    font = _font()
    fontsize = max(12, size[1] // 14)
    spec = f"fontfile={opt(font)}:" if font else ""
    return (f"drawtext={spec}textfile={opt(text_file.as_posix())}:fontcolor=white:fontsize={fontsize}:"
            f"x={fontsize // 2}:y=h-{fontsize * 2}:box=1:boxcolor=black:boxborderw={fontsize // 3}")


def render_placeholder(out: str | os.PathLike, *, caption: str, prompt: str, seed: int, duration: float,
                       size: tuple[int, int], reference: str | os.PathLike | None = None, fps: int = 24,
                       burn_caption: bool = False) -> Path:
    """Render a labelled placeholder clip to ``out`` (atomic); ``caption`` is the shot id."""
    frames = max(1, int(round(duration * fps)))
    chain = ken_burns_filter(size, frames, fps, seed)
    with tempfile.TemporaryDirectory(prefix="broll-placeholder-") as tmp:
        if reference is None:
            reference = Path(tmp) / "scene.png"
            run_ffmpeg(["-y", "-f", "lavfi", "-i", scene_still(prompt, seed, size),
                        "-frames:v", "1", "-update", "1", str(reference)], what="rendering a placeholder scene")
        inputs = ["-i", str(reference)]
        text_file = Path(tmp) / "caption.txt"
        text_file.write_text(f"{caption}  (placeholder)", encoding="utf-8")
        attempts = [f"{chain},format=yuv420p"]
        if burn_caption:
            attempts.insert(0, f"{chain},{caption_filter(text_file, size)},format=yuv420p")
        last: FFmpegError | None = None
        for graph in attempts:    # without a usable font, fall back to an uncaptioned clip
            try:
                with atomic_path(out) as tmp_out:
                    run_ffmpeg(["-y", *inputs, "-vf", graph, "-frames:v", str(frames), "-r", str(fps),
                                "-c:v", "libx264", "-preset", "veryfast", "-crf", "22", "-pix_fmt", "yuv420p",
                                "-movflags", "+faststart",
                                "-metadata", f"comment={PLACEHOLDER_TAG}: {prompt}"[:900],
                                "-metadata", f"title={caption}", str(tmp_out)],
                               what=f"rendering placeholder {Path(out).name}", total_seconds=duration)
                return Path(out)
            except FFmpegError as exc:
                last = exc
        assert last is not None
        raise last
