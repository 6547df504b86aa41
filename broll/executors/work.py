"""Work as data: a picklable :class:`Task` (what to run, on which files, with which parameters)
and :func:`execute`, which runs one wherever it lands and turns every failure into a value.

A task names its inputs by absolute path *and* content hash: the path is where a worker reads
the file (so every node must see the same storage), the hash is what the driver meant it to
read. A worker that finds different bytes at that path (a stale copy on a node, a file
rewritten mid-run) refuses with a clear error instead of caching a result under the wrong key.

Failures travel back as :class:`ErrorInfo` values, not exceptions: a ``BrollError`` must not be
retried (bad input stays bad), and exception classes with custom constructors do not survive
pickling. The driver turns them back into :class:`TaskFailed`, a ``BrollError`` carrying the
original exit code, message and hint.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from broll.errors import BrollError, ExitCode, MediaError

Report = Callable[[float], None]          # fraction of this task done, 0..1


@dataclass(frozen=True)
class Input:
    """A file a task reads: absolute path plus the sha256 the driver saw."""

    path: str
    sha256: str

    @classmethod
    def of(cls, path: str | os.PathLike) -> "Input":
        from broll.hashing import file_sha256

        p = Path(path)
        if not p.is_file():
            raise MediaError(f"{path}: file not found", "check the path")
        return cls(str(p.resolve()), file_sha256(p))


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(task, report)`` runs it; everything else is plain data.

    ``fn`` must be a module-level function (it is pickled by reference); ``label`` names the
    work in messages (usually the file as the user typed it); ``params`` holds only picklable
    values (str, numbers, None, frozen dataclasses).
    """

    fn: Callable[["Task", Optional[Report]], Any]
    label: str
    inputs: tuple[Input, ...] = ()
    params: dict = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class ErrorInfo:
    """A failure, as data that pickles: the BrollError's class name, message, hint and exit code."""

    kind: str
    message: str
    hint: Optional[str] = None
    exit_code: int = ExitCode.INPUT
    detail: str = ""                     # traceback text for --debug, when the failure was a bug

    @classmethod
    def from_exception(cls, exc: BaseException, label: str) -> "ErrorInfo":
        if isinstance(exc, BrollError):
            return cls(type(exc).__name__, exc.message, exc.hint, int(exc.exit_code))
        return cls(type(exc).__name__, f"{label}: internal error ({type(exc).__name__}: {exc})",
                   "this is a bug in broll; rerun with --executor local --debug to see the traceback",
                   ExitCode.TOOL, traceback.format_exc())


class TaskFailed(BrollError):
    """A task failed on a worker; keeps the original error's exit code, message and hint."""

    def __init__(self, info: ErrorInfo):
        super().__init__(info.message, info.hint)
        self.info = info
        self.exit_code = info.exit_code


@dataclass(frozen=True)
class Outcome:
    """What came back for one task: a value, or an error (never both)."""

    index: int
    value: Any = None
    error: Optional[ErrorInfo] = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> Any:
        """The value, or raise :class:`TaskFailed`."""
        if self.error is not None:
            raise TaskFailed(self.error)
        return self.value


def verify_inputs(task: Task) -> None:
    """Refuse to work on bytes other than the ones the driver hashed."""
    from broll.hashing import file_sha256

    for item in task.inputs:
        p = Path(item.path)
        if not p.is_file():
            import socket
            raise MediaError(f"{item.path}: not found on worker host {socket.gethostname()}",
                             "every node must see the same files at the same paths (shared storage)")
        if file_sha256(p) != item.sha256:
            raise MediaError(f"{item.path}: its content changed after the run started (or differs on this node)",
                             "rerun once the file is final; every node must see the same files")


def execute(task: Task, index: int, report: Optional[Report] = None) -> Outcome:
    """Run one task where it landed; every failure comes back as an :class:`Outcome` error."""
    t0 = time.perf_counter()
    try:
        verify_inputs(task)
        value = task.fn(task, report)
    except Exception as exc:  # noqa: BLE001 - errors become values; see the module docstring
        return Outcome(index, error=ErrorInfo.from_exception(exc, task.label), seconds=time.perf_counter() - t0)
    return Outcome(index, value=value, seconds=time.perf_counter() - t0)


class Throttle:
    """Forward a task's progress at most every ``interval`` seconds (and always at 0 and 1).

    Per-frame callbacks would otherwise cost a queue put or a remote call per decoded frame.
    """

    def __init__(self, send: Callable[[float], None], interval: float = 0.25):
        self._send, self._interval, self._last = send, interval, 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last >= self._interval:
            self._last = now
            self._send(max(0.0, min(1.0, float(fraction))))
