"""FFmpeg started by a library call stops when the calling process is killed outright."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from broll.media.child_process import stop_with_parent

pytestmark = pytest.mark.skipif(not stop_with_parent(), reason="PR_SET_PDEATHSIG needs Linux and util-linux's setpriv")

SCRIPT = """
from broll.media.ffmpeg import run_ffmpeg
run_ffmpeg(["-re", "-f", "lavfi", "-i", "testsrc2=s=64x36:d=120", "-f", "null", "-"])
"""


def _ffmpeg_children(pid: int) -> list[int]:
    """The caller's children running the test's FFmpeg command (not short-lived helpers)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for k in found:
            try:
                if b"testsrc2" in Path(f"/proc/{k}/cmdline").read_bytes():
                    kids.append(k)
            except OSError:
                pass
    return kids


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_ffmpeg_does_not_outlive_a_killed_caller(sig):
    caller = subprocess.Popen([sys.executable, "-c", SCRIPT])
    deadline = time.monotonic() + 30
    kids: list[int] = []
    while time.monotonic() < deadline and not kids:
        kids = _ffmpeg_children(caller.pid) if caller.poll() is None else []
        time.sleep(0.05)
    assert kids, "FFmpeg never started"
    caller.send_signal(sig)
    caller.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(k) for k in kids):
        time.sleep(0.05)
    try:
        assert not any(_running(k) for k in kids)
    finally:
        for k in kids:
            if _running(k):
                import os
                os.kill(k, signal.SIGKILL)

