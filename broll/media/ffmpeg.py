"""Locate FFmpeg and run it: progress from ``-progress``, errors as one message plus a stderr tail.

Resolution order: ``BROLL_FFMPEG``, then an ``ffmpeg`` on PATH, then the binary shipped in
the ``imageio-ffmpeg`` wheel (a full build: libx264, lut3d, xfade, drawtext, loudnorm).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from broll.errors import FFmpegError, Interrupted, ToolError
from broll.media.child_process import stop_with_parent

QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"]

# stderr lines that say nothing useful about why FFmpeg failed
_NOISE = ("Last message repeated", "frame=", "size=", "Press [q]")


@lru_cache(maxsize=None)
def ffmpeg_path() -> str:
    """Path of the FFmpeg binary to use."""
    override = os.environ.get("BROLL_FFMPEG")
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise ToolError(f"BROLL_FFMPEG={override} is not an executable file",
                            "unset it or point it at an ffmpeg binary")
        return override
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the wheel raises RuntimeError when its binary is missing
        raise ToolError("no FFmpeg found", "pip install imageio-ffmpeg, or set BROLL_FFMPEG") from exc


@dataclass
class FFmpegProgress:
    """One ``-progress`` report: seconds of output written so far."""

    out_seconds: float
    total_seconds: float | None
    speed: str | None = None
    done: bool = False

    @property
    def fraction(self) -> float | None:
        if not self.total_seconds:
            return None
        return max(0.0, min(1.0, self.out_seconds / self.total_seconds))


def stderr_tail(lines: Sequence[str], limit: int = 12) -> str:
    kept = [ln.rstrip() for ln in lines if ln.strip() and not ln.lstrip().startswith(_NOISE)]
    return "\n".join("  " + ln for ln in kept[-limit:])


def run_ffmpeg(args: Sequence[str], *, what: str = "FFmpeg",
               total_seconds: float | None = None,
               on_progress: Callable[[FFmpegProgress], None] | None = None,
               capture_stdout: bool = False, loglevel: str = "error") -> str:
    """Run ``ffmpeg args``; raise FFmpegError with the stderr tail on failure.

    Returns stderr (useful for filters that report there, e.g. loudnorm), or stdout when
    ``capture_stdout`` is set. With ``on_progress`` the process reports on stdout via
    ``-progress pipe:1``; Ctrl-C terminates FFmpeg and raises Interrupted.
    """
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", loglevel]
    if on_progress is not None and not capture_stdout:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += list(args)
    try:
        proc = subprocess.Popen([*stop_with_parent(), *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise ToolError(f"cannot start FFmpeg at {cmd[0]}: {exc.strerror}",
                        "set BROLL_FFMPEG to a working ffmpeg") from exc

    err_lines: deque[str] = deque(maxlen=400)
    err_all: list[str] = []

    def drain_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            err_lines.append(line)
            if len(err_all) < 20000:
                err_all.append(line)

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    out_chunks: list[bytes] = []
    try:
        assert proc.stdout is not None
        if on_progress is not None and not capture_stdout:
            state: dict[str, str] = {}
            for raw in proc.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                state[key] = value
                if key == "progress":
                    us = state.get("out_time_us") or state.get("out_time_ms") or "0"
                    try:
                        secs = max(0, int(us)) / 1e6
                    except ValueError:
                        secs = 0.0
                    on_progress(FFmpegProgress(secs, total_seconds, state.get("speed"), value == "end"))
        else:
            out_chunks.append(proc.stdout.read())
        proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise Interrupted(f"{what} interrupted") from None
    finally:
        reader.join(timeout=5)
    if proc.returncode != 0:
        raise FFmpegError(f"{what} failed (FFmpeg exit {proc.returncode})", stderr_tail(list(err_lines)))
    if capture_stdout:
        return b"".join(out_chunks).decode("utf-8", "replace")
    return "".join(err_all)


def run_ffmpeg_bytes(args: Sequence[str], *, what: str = "FFmpeg") -> bytes:
    """Run FFmpeg and return raw stdout bytes (e.g. rawvideo frames, a PNG)."""
    cmd = [ffmpeg_path(), *QUIET, *args]
    try:
        proc = subprocess.run([*stop_with_parent(), *cmd], capture_output=True)
    except KeyboardInterrupt:
        raise Interrupted(f"{what} interrupted") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").splitlines()
        raise FFmpegError(f"{what} failed (FFmpeg exit {proc.returncode})", stderr_tail(lines))
    return proc.stdout


def has_filter(name: str) -> bool:
    """Whether this FFmpeg build has a filter (e.g. ``libvmaf``)."""
    return name in _filters()


@lru_cache(maxsize=1)
def _filters() -> frozenset[str]:
    out = subprocess.run([ffmpeg_path(), "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and "->" in parts[2]:
            names.add(parts[1])
    return frozenset(names)
