"""Placeholder clips for the offline provider: real motion, made locally, clearly labelled.

With a style reference the clip is a Ken Burns move over it (zoom and drift chosen by the
seed, so a regenerate really differs); without one it is a procedural lavfi scene picked
from the prompt. The shot id is burnt in as a caption and the container metadata says
"placeholder", so nobody mistakes one for a generated clip.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

from broll.atomic import atomic_path
from broll.errors import FFmpegError
from broll.hashing import text_sha256
from broll.media.ffmpeg import run_ffmpeg
from broll.media.synth import lavfi_video

PLACEHOLDER_TAG = "broll placeholder (offline provider)"
SCENES = ("gradients", "mandelbrot", "life", "cellauto", "testsrc2")
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
    zoom = 0.12 + rng.random() * 0.18
    zoom_in = rng.random() < 0.5
    x0, x1, y0, y1 = (rng.random() for _ in range(4))
    t = f"(on/{max(frames - 1, 1)})"
    z = f"1+{zoom:.4f}*{t}" if zoom_in else f"{1 + zoom:.4f}-{zoom:.4f}*{t}"
    x = f"(iw-iw/zoom)*({x0:.4f}+{x1 - x0:.4f}*{t})"
    y = f"(ih-ih/zoom)*({y0:.4f}+{y1 - y0:.4f}*{t})"
    return (f"scale={w * 4}:{h * 4}:force_original_aspect_ratio=increase,crop={w * 4}:{h * 4},"
            f"zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={w}x{h}:fps={fps}")


def scene_source(prompt: str, seed: int, size: tuple[int, int], fps: int, duration: float) -> str:
    pick = int(text_sha256(prompt)[:8], 16) % len(SCENES)
    graph = lavfi_video(SCENES[pick], size, fps, duration)
    return graph + f",hue=h={seed % 360}"


def _font() -> str | None:
    env = os.environ.get("BROLL_FONT")
    if env and Path(env).is_file():
        return env
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


def caption_filter(text_file: Path, size: tuple[int, int]) -> str:
    font = _font()
    fontsize = max(12, size[1] // 14)
    spec = f"fontfile='{font}':" if font else ""
    return (f"drawtext={spec}textfile='{text_file.as_posix()}':fontcolor=white:fontsize={fontsize}:"
            f"x={fontsize // 2}:y=h-{fontsize * 2}:box=1:boxcolor=black@0.55:boxborderw={fontsize // 3}")


def render_placeholder(out: str | os.PathLike, *, caption: str, prompt: str, seed: int, duration: float,
                       size: tuple[int, int], reference: str | os.PathLike | None = None, fps: int = 24) -> Path:
    """Render a labelled placeholder clip to ``out`` (atomic)."""
    frames = max(1, int(round(duration * fps)))
    if reference is not None:
        inputs = ["-i", str(reference)]
        chain = ken_burns_filter(size, frames, fps, seed)
    else:
        inputs = ["-f", "lavfi", "-i", scene_source(prompt, seed, size, fps, duration)]
        chain = "null"
    with tempfile.TemporaryDirectory(prefix="broll-caption-") as tmp:
        text_file = Path(tmp) / "caption.txt"
        text_file.write_text(f"{caption}  (placeholder)", encoding="utf-8")
        attempts = [f"{chain},{caption_filter(text_file, size)},format=yuv420p", f"{chain},format=yuv420p"]
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
