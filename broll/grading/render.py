"""Write a graded copy of a clip: one FFmpeg pass with the shot LUTs, libx264, audio copied."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from broll.atomic import atomic_path
from broll.grading.match import GradeResult
from broll.media.ffmpeg import FFmpegProgress, run_ffmpeg
from broll.media.probe import probe

VIDEO_CONTAINERS = {".mp4", ".mov", ".m4v", ".mkv", ".avi", ".ts", ".mts"}


def graded_copy_args(result: GradeResult, output: str | os.PathLike, *, crf: int = 18,
                     preset: str = "medium", apply: str = "exact") -> list[str]:
    """FFmpeg arguments for the graded copy (pure: no process is started here)."""
    info = probe(result.clip)
    pix_fmt = "yuv420p10le" if info.bit_depth > 8 else "yuv420p"
    vf = f"{result.ffmpeg_filter(apply=apply)},format={pix_fmt}"
    args = ["-y", "-i", str(result.clip), "-map", "0:v:0", "-map", "0:a?", "-vf", vf]
    if Path(output).suffix.lower() in VIDEO_CONTAINERS:
        args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", pix_fmt]
    else:  # e.g. an animated GIF stays a GIF: FFmpeg picks the container's own encoder
        args[-1] = f"{result.ffmpeg_filter()},format=rgb24"
    tags = {"-color_primaries": info.color_primaries, "-color_trc": info.color_transfer,
            "-colorspace": info.color_space, "-color_range": info.color_range}
    for flag, value in tags.items():
        if value:
            args += [flag, value]
    if info.has_audio:
        args += ["-c:a", "copy"]
    if info.is_still:
        args = ["-y", "-i", str(result.clip), "-vf", f"{result.ffmpeg_filter()},format=rgb24", "-frames:v", "1",
                "-update", "1"]
    elif Path(output).suffix.lower() in (".mp4", ".mov", ".m4v"):
        args += ["-movflags", "+faststart"]
    return args + [str(output)]


def write_graded_copy(result: GradeResult, output: str | os.PathLike,
                      on_progress: Callable[[FFmpegProgress], None] | None = None, apply: str = "exact") -> Path:
    """Encode the graded copy atomically (the previous file survives a failure)."""
    output = Path(output)
    if output.resolve() == Path(result.clip).resolve():
        from broll.errors import InputError
        raise InputError(f"{output}: the graded copy would overwrite its source clip",
                         "pass -o with a different folder")
    info = probe(result.clip)
    with atomic_path(output) as tmp:
        run_ffmpeg(graded_copy_args(result, tmp, apply=apply), what=f"grading {Path(result.clip).name}",
                   total_seconds=float(info.duration) or None, on_progress=on_progress)
        os.chmod(tmp, 0o644)
    return output
