"""Placeholder clips for the offline provider: real motion, made locally, clearly labelled.

With a style reference the clip is a Ken Burns move over it (zoom and drift chosen by the
seed, so a regenerate really differs); without one the move runs over a procedural still
(lavfi gradients or a Mandelbrot view) picked from the prompt and seed. The container metadata says "placeholder" (and the title is the
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
from broll.hashing import text_sha256
from broll.media.ffmpeg import run_ffmpeg

PLACEHOLDER_TAG = "broll placeholder (offline provider)"
GRADIENT_TYPES = ("linear", "radial", "circular", "spiral")
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
    return (f"scale={w * 4}:{h * 4}:force_original_aspect_ratio=increase,crop={w * 4}:{h * 4},gblur=sigma=4.5,"
            f"zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={w}x{h}:fps={fps}")


def scene_still(prompt: str, seed: int, size: tuple[int, int]) -> str:
    """A lavfi graph for one procedural still, chosen by the prompt and tinted by the seed."""
    pick = int(text_sha256(prompt)[:8], 16)
    w, h = size
    if pick % 5 == 4:
        x = -0.743643887 + (pick % 97) * 1e-5
        graph = f"mandelbrot=size={w}x{h}:rate=1:start_x={x}:start_y=0.131825904:start_scale=0.02"
    else:
        kind = GRADIENT_TYPES[pick % len(GRADIENT_TYPES)]
        graph = f"gradients=size={w}x{h}:rate=1:type={kind}:nb_colors=3:seed={(pick + seed) % 2**31}"
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
            run_ffmpeg(["-y", "-f", "lavfi", "-i", scene_still(prompt, seed, (size[0] * 2, size[1] * 2)),
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
