"""Task functions for the executor tests: arithmetic, a chosen error, progress, a worker that dies once.

They live in the package (not under tests/) because pool and Ray workers import them by module
name, and a worker's import path need not include the test folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from broll.errors import FFmpegError, InputError


def square(task, report) -> int:
    """``params["x"]`` squared; reports progress in four steps when asked."""
    if report is not None:
        for step in range(1, 5):
            report(step / 4)
    return task.param("x") ** 2


def fail(task, report) -> None:
    """Raise the BrollError named by ``params["kind"]`` (input or ffmpeg), or a plain bug."""
    kind = task.param("kind")
    if kind == "input":
        raise InputError(f"{task.label}: bad input", "fix the input")
    if kind == "ffmpeg":
        raise FFmpegError(f"{task.label}: FFmpeg failed", "  last stderr line")
    raise ZeroDivisionError("division by zero")


def die_once(task, report) -> int:
    """Kill the worker process the first time (marker file absent), succeed the second time."""
    marker = Path(task.param("marker"))
    if not marker.exists():
        marker.write_text("died once\n")
        os._exit(17)
    return task.param("x")


def die(task, report) -> None:
    """Kill the worker process, every time."""
    os._exit(17)


def worker_pid(task, report) -> int:
    """The worker's process id, after ``params["nap"]`` seconds (so tasks overlap and spread)."""
    import time
    time.sleep(task.param("nap", 0.0))
    return os.getpid()
