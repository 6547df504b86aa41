"""Load the later stages' libraries while the provider works, not before the first request.

A build with a ``generate:`` section spends most of its wall time waiting on the provider.
What it must do before the first create is small: read the edit list and the batch spec,
open the manifest, send. QC (NumPy, OpenCV, PySceneDetect, PyAV), grading (colour-science)
and assembly load later, in one background thread started once the first creates are out,
so their import time overlaps the provider's wait instead of delaying it (issue 16: overhead
< 2% of the provider's time).

Only one thread imports at a time: a stage that needs a module waits for the warm-up to end
(:meth:`Warmup.wait`) before importing it itself, so no two threads ever run one package's
``__init__`` at once. A module that fails to import fails again, with its own traceback, where
the stage imports it; the QC gate's own modules are also checked before anything is paid
(:func:`check_installed`): a missing library stops the build with one line before the first
request, as ``broll generate`` does.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from typing import Iterable, Optional

from broll.errors import InstallError

# what QC needs (broll.generate.gate imports the same at the gate), then the stages after generation
QC = ("numpy", "av", "cv2", "scenedetect", "broll.media.analysis_frames", "broll.qc", "broll.qc.signals",
      "broll.qc.detectors", "broll.qc.cache")
ASSEMBLY = ("broll.media.probe", "av", "broll.assemble.render", "broll.assemble.segmented",
            "broll.assemble.motion", "broll.assemble.framemap", "broll.assemble.layers", "broll.executors.local",
            "broll.review.decisions")
# "module:function" is imported, then called: colour-science loads with its import chatter silenced
GRADING = ("broll.grading", "broll.grading.color:colour")


def check_installed(names: Iterable[str], what: str = "the QC gate") -> None:
    """Every library of ``names`` is installed (found, without running it); else an InstallError
    naming it, before anything is paid. A library that is present but broken fails at its import
    in the gate instead, and the build stops there (see broll.generate.gate)."""
    import sys
    for name in dict.fromkeys(n.partition(":")[0] for n in names):
        top = name.split(".")[0]
        if name in sys.modules:
            found = sys.modules[name] is not None        # None: blocked, as a failed import leaves it
        elif top == "broll":
            found = True                                  # our own modules ship with the package
        else:
            try:
                found = importlib.util.find_spec(top) is not None
            except (ImportError, ValueError):
                found = False
        if not found:
            raise InstallError(f"{what} cannot run: No module named {name!r}",
                               "reinstall broll with its dependencies (pip install -e .), or build with "
                               "`--until generate` to generate without the gate")


class Warmup:
    """Import ``names`` in one daemon thread, once; :meth:`wait` blocks until it has finished."""

    def __init__(self, names: Iterable[str]):
        self.names = tuple(dict.fromkeys(names))
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self.seconds = 0.0

    def start(self) -> None:
        with self._lock:
            if self._thread is None and self.names:
                self._thread = threading.Thread(target=self._run, name="broll-warmup", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        import time
        started = time.perf_counter()
        for name in self.names:
            module, _, call = name.partition(":")
            try:
                loaded = importlib.import_module(module)
                if call:
                    getattr(loaded, call)()
            except Exception:        # noqa: BLE001 - the stage that needs it imports it again and reports it
                pass
        self.seconds = time.perf_counter() - started

    def wait(self, start: bool = True) -> None:
        """Block until the warm-up has run; ``start``: start it first if nobody has (so the imports
        still happen in its thread alone), else return at once when it never started."""
        if start:
            self.start()
        with self._lock:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()


__all__ = ["ASSEMBLY", "GRADING", "QC", "Warmup", "check_installed"]
