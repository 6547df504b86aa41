"""The Ray executor: the same tasks as Ray tasks, on a cluster or on a local Ray broll starts.

- With ``RAY_ADDRESS`` set (or ``address=`` given), broll joins that cluster as a driver and only
  disconnects afterwards. Every node must see the task's files at the same absolute paths, and
  have the same broll installed (see docs/scaling.md).
- Without it, broll starts a private Ray instance on this machine, bound to loopback, with one
  CPU slot per core, and shuts it down when the run ends.
- If Ray is already initialised in this process (a test fixture, a notebook), broll uses it and
  leaves it running.

Each task is a ``ray.remote`` call of :func:`broll.executors.work.execute` with ``max_retries``:
Ray reruns a task whose worker process or node died. Errors inside a task come back as values
(a BrollError is not worth retrying). Progress reaches the driver through one small actor that
holds each task's latest fraction; the driver polls it between waits, so every worker feeds
the one progress bar.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Callable, Optional, Sequence

from broll.errors import ExitCode, InputError, ToolError
from broll.executors.local import cores
from broll.executors.progress import OnProgress, Tracker
from broll.executors.work import ErrorInfo, Outcome, Task, Throttle, execute

INSTALL_HINT = "pip install 'broll[ray]'  (or use --executor local)"
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"    # "0": Ray's node address is 127.0.0.1
POLL_SECONDS = 0.2


def import_ray():
    """``import ray``, or one clear line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray, which is not installed", INSTALL_HINT) from None
    return ray


def _run_on_ray(task: Task, index: int, sink) -> Outcome:
    """The body of every Ray task (module level, so workers import it rather than unpickle code)."""
    report = None
    if sink is not None:
        report = Throttle(lambda fraction: sink.report.remote(index, fraction), interval=0.5)
    return execute(task, index, report)


@contextlib.contextmanager
def _stdin_detached():
    """Give the Ray processes started inside this block /dev/null as stdin, not the terminal.

    Ray's daemons and workers inherit the driver's stdin; on a terminal they sit in a background
    process group, and the first terminal access stops them (SIGTTIN/SIGTTOU), hanging the run.
    """
    try:
        saved = os.dup(0)
    except OSError:            # no stdin at all: nothing to protect
        yield
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(null)


class _ProgressSink:
    """Holds the latest fraction per task; workers push, the driver polls."""

    def __init__(self):
        self.fractions: dict[int, float] = {}

    def report(self, index: int, fraction: float) -> None:
        self.fractions[index] = fraction

    def snapshot(self) -> dict[int, float]:
        return dict(self.fractions)


class RayExecutor:
    """Run tasks as Ray tasks with retries; outcomes in the tasks' order."""

    name = "ray"

    def __init__(self, address: Optional[str] = None, workers: Optional[int] = None, max_retries: int = 2):
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.workers = workers or cores()
        self.max_retries = max_retries
        if not self.address:
            # Ray reads this when it is imported: set it before anything imports ray
            os.environ.setdefault(LOOPBACK_ENV, "0")

    def _connect(self, ray) -> bool:
        """Join or start Ray; True when this call did (so :meth:`run` must disconnect or stop it)."""
        if ray.is_initialized():
            return False
        quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     configure_logging=True)
        try:
            if self.address:
                ray.init(address=self.address, **{k: v for k, v in quiet.items() if k != "include_dashboard"})
            else:
                # a private instance on loopback: nothing outside this machine needs to reach it
                with _stdin_detached():
                    ray.init(address="local", num_cpus=self.workers, object_store_memory=100 * 1024 * 1024,
                             _node_ip_address="127.0.0.1", **quiet)
        except ConnectionError as exc:
            raise InputError(f"cannot reach the Ray cluster at {self.address} ({exc})",
                             "check RAY_ADDRESS and that `ray status` works on this machine") from None
        except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception when its node does not come up
            if self.address:
                raise
            with contextlib.suppress(Exception):
                ray.shutdown()          # stop whatever part of the private instance did start
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ToolError(f"Ray's private instance on this machine did not start: {first}",
                            "Ray gives its node 30 s to start, which an overloaded machine can miss: retry when "
                            "it is less busy, start Ray yourself (`ray start --head`) and set RAY_ADDRESS, "
                            "or use --executor local") from None
        return True

    def run(self, tasks: Sequence[Task], on_progress: Optional[OnProgress] = None,
            on_done: Optional[Callable[[Outcome], None]] = None) -> list[Outcome]:
        ray = import_ray()
        tracker = Tracker(len(tasks), on_progress)
        outcomes: dict[int, Outcome] = {}
        if not tasks:
            return []
        started = self._connect(ray)
        try:
            remote = ray.remote(num_cpus=1, max_retries=self.max_retries)(_run_on_ray)
            sink = ray.remote(num_cpus=0)(_ProgressSink).remote() if on_progress else None
            refs = [remote.remote(task, i, sink) for i, task in enumerate(tasks)]
            index_of = {ref: i for i, ref in enumerate(refs)}
            pending = list(refs)
            while pending:
                ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_SECONDS)
                if sink is not None and pending:
                    try:
                        for i, fraction in ray.get(sink.snapshot.remote(), timeout=10).items():
                            tracker.update(i, fraction)
                    except (ray.exceptions.RayError, TimeoutError):
                        sink = None       # progress is a courtesy: a lost progress actor never fails the run
                for ref in ready:
                    i = index_of[ref]
                    outcome = self._collect(ray, ref, i, tasks[i])
                    outcomes[i] = outcome
                    tracker.finish(i)
                    if on_done is not None:
                        on_done(outcome)
                tracker.emit()
        finally:
            if started:
                ray.shutdown()
        return [outcomes[i] for i in range(len(tasks))]

    def _collect(self, ray, ref, index: int, task: Task) -> Outcome:
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as exc:   # the worker or its node died max_retries + 1 times
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return Outcome(index, error=ErrorInfo(
                type(exc).__name__, f"{task.label}: the Ray task failed after {self.max_retries} retries ({first})",
                "see `ray status` and the worker logs under /tmp/ray; rerun to retry", ExitCode.TOOL))
