"""FFmpeg children that stop when the Python process that started them dies.

The CLI turns SIGTERM into a clean stop, but a library caller (``broll.build`` inside someone's
worker) may be killed outright: SIGTERM with the default action, SIGKILL, an OOM kill. Its
FFmpeg children would then keep encoding into temp files nobody will rename. On Linux the
kernel can deliver a signal to a child when its parent goes (``PR_SET_PDEATHSIG``); elsewhere
this is a no-op and the stale temp files are swept by :mod:`broll.atomic` on the next write.

Only for children the starting thread waits on (``run_ffmpeg``): the signal follows the
*thread* that forked, and children fed through a pipe already stop at end of input.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Callable, Optional

_PR_SET_PDEATHSIG = 1


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def stop_with_parent() -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` that asks the kernel to kill the child when this process dies (or None)."""
    if _PRCTL is None:
        return None
    parent = os.getpid()

    def arm() -> None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:          # the parent died before the request took effect
            os._exit(1)

    return arm
