"""Clips made from still images: a slow pan over a picture (image-to-video stand-in), and
concatenation of clips into one multi-shot clip. For tests, benchmarks and demos of grading,
where the content of every frame must be a known photograph."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from broll.media.ffmpeg import run_ffmpeg


def clip_from_image(image: str | os.PathLike, path: str | os.PathLike, *, size: tuple[int, int] = (320, 180),
                    fps: int = 30, duration: float = 1.0, pan: float = 0.15, pad: tuple[int, int] = (0, 0),
                    pix_fmt: str = "yuv420p", audio: float | None = None,
                    extra_args: Sequence[str] = ()) -> Path:
    """Encode a clip that pans across ``image`` (``pan``: fraction of the width travelled).

    The first frame shows the whole picture scaled to ``size`` minus ``pad`` (letterbox bars
    of ``pad`` = (pillar px, letterbox px) on each side, in black).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    inner_w, inner_h = w - 2 * pad[0], h - 2 * pad[1]
    big_w = int(round(inner_w * (1 + pan) / 2)) * 2
    travel = big_w - inner_w
    vf = (f"scale={big_w}:{inner_h}:flags=area,crop={inner_w}:{inner_h}:x='min({travel},{travel}*t/{duration})':y=0,"
          f"pad={w}:{h}:{pad[0]}:{pad[1]}:black,setsar=1,format={pix_fmt}")
    args = ["-y", "-loop", "1", "-framerate", str(fps), "-i", str(image)]
    if audio is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency={audio}:sample_rate=48000:duration={duration}"]
    args += ["-vf", vf, "-t", str(duration), "-r", str(fps), "-c:v", "libx264", "-preset", "ultrafast",
             "-crf", "16", "-pix_fmt", pix_fmt]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "96k", "-shortest"]
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
