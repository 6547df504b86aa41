"""FFmpeg children that stop when the Python process that started them dies.

The CLI turns SIGTERM into a clean stop, but a library caller (``broll.build`` inside someone's
worker) may be killed outright: SIGTERM with the default action, SIGKILL, an OOM kill. Its
FFmpeg children would then keep encoding into temp files nobody will rename. On Linux the
kernel can deliver a signal to a child when its parent goes (``PR_SET_PDEATHSIG``); elsewhere,
or without util-linux's ``setpriv``, nothing is added and the stale temp files are swept by
:mod:`broll.atomic` on the next write.

The request is made by ``setpriv --pdeathsig KILL``, which execs FFmpeg, not by a ``preexec_fn``:
Python code in a child forked from a threaded process can deadlock before ``exec`` (a build
forked FFmpeg from its audio thread while another thread's PyAV scaler was torn down in the
child, waiting forever on that scaler's worker threads). With a plain argv prefix the fork and
exec stay in C.

Only for children the starting thread waits on (``run_ffmpeg``): the signal follows the
*thread* that forked, and children fed through a pipe already stop at end of input.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def stop_with_parent() -> tuple[str, ...]:
    """The argv prefix that makes the child get SIGKILL when its parent thread dies (or empty)."""
    if not sys.platform.startswith("linux"):
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ()
    try:
        # util-linux has had --pdeathsig since 2.33; an older one refuses the option
        probe = subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ()
    return (setpriv, "--pdeathsig", "KILL", "--") if probe.returncode == 0 else ()
