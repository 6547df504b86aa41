"""Encode numpy frames to a video file by piping raw BGR into FFmpeg (x264 by default).

QC's injection suite decodes a synthetic base clip, edits frames in numpy (flicker, flashes,
frozen runs, boiling patches ...) and re-encodes them here, as a generator's output would be.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from broll.atomic import atomic_path
from broll.errors import FFmpegError, Interrupted
from broll.media.ffmpeg import ffmpeg_path, stderr_tail

X264 = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p")


def write_clip(path: str | os.PathLike, frames: Iterable[np.ndarray], *, fps: float = 30,
               codec_args: Sequence[str] = X264) -> Path:
    """Write HxWx3 uint8 BGR frames (all the same size) to ``path`` atomically."""
    it = iter(frames)
    first = next(it, None)
    if first is None:
        raise ValueError("write_clip needs at least one frame")
    h, w = first.shape[:2]
    with atomic_path(path) as tmp:
        cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0",
               *codec_args, str(tmp)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None
        try:
            for frame in [first]:
                proc.stdin.write(np.ascontiguousarray(frame, np.uint8).tobytes())
            for frame in it:
                proc.stdin.write(np.ascontiguousarray(frame, np.uint8).tobytes())
            proc.stdin.close()
            err = proc.stderr.read() if proc.stderr else b""
            proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            raise Interrupted("encoding interrupted") from None
        except BrokenPipeError:
            proc.wait()
            err = proc.stderr.read() if proc.stderr else b""
        if proc.returncode != 0:
            raise FFmpegError(f"encoding {Path(path).name} failed (FFmpeg exit {proc.returncode})",
                              stderr_tail(err.decode("utf-8", "replace").splitlines()))
    return Path(path)
