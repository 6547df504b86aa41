"""Clips made from still images: a slow zoom into a picture (image-to-video stand-in), and
concatenation of clips into one multi-shot clip. For tests, benchmarks and demos of grading,
where the content of every frame must be a known photograph."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from broll.media.ffmpeg import run_ffmpeg


def clip_from_image(image: str | os.PathLike, path: str | os.PathLike, *, size: tuple[int, int] = (320, 180),
                    fps: int = 30, duration: float = 1.0, zoom: float = 0.15, pad: tuple[int, int] = (0, 0),
                    pix_fmt: str = "yuv420p", audio: float | None = None,
                    extra_args: Sequence[str] = ()) -> Path:
    """Encode a clip that slowly zooms into ``image`` (``zoom``: extra magnification at the end).

    Frame 0 shows the whole picture scaled to ``size`` minus ``pad`` (as an image-to-video
    clip starts from its conditioning image); ``pad`` = (pillar px, letterbox px) of black
    bars on each side.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    inner_w, inner_h = w - 2 * pad[0], h - 2 * pad[1]
    frames = max(1, int(round(duration * fps)))
    # upscale first so zoompan's integer crop positions do not wobble visibly
    vf = (f"scale={inner_w * 4}:{inner_h * 4}:flags=bicubic,"
          f"zoompan=z='1+{zoom}*on/{frames}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d={frames}:s={inner_w}x{inner_h}:fps={fps},"
          f"pad={w}:{h}:{pad[0]}:{pad[1]}:black,setsar=1,format={pix_fmt}")
    args = ["-y", "-i", str(image)]
    if audio is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency={audio}:sample_rate=48000:duration={duration}"]
    args += ["-vf", vf, "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast",
             "-crf", "16", "-pix_fmt", pix_fmt]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "96k", "-t", str(duration)]
    run_ffmpeg([*args, *extra_args, str(path)], what=f"making {path.name}")
    return path


def concat_clips(clips: Sequence[str | os.PathLike], path: str | os.PathLike) -> Path:
    """Join video-only clips of equal size and rate into one multi-shot clip (hard cuts)."""
    path = Path(path)
    args = ["-y"]
    for c in clips:
        args += ["-i", str(c)]
    graph = "".join(f"[{i}:v]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=1:a=0,format=yuv420p[v]"
    run_ffmpeg([*args, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast",
                "-crf", "16", str(path)], what=f"joining {path.name}")
    return path
