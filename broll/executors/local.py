"""The default executor: a process pool on this machine, one worker per core.

Workers come from a ``forkserver`` (``spawn`` where there is none): a clean process that has
imported broll once, so workers start fast and never inherit the driver's threads (a rich
progress bar, OpenCV's or FFmpeg's thread pools), which ``fork`` would copy in a broken state.
A single task, or a single core, runs inline in the calling process with no pool at all.

A worker that dies (out of memory, killed) breaks the whole pool in ``concurrent.futures``;
finished tasks have already stored their results in the caches, and the unfinished ones are
run again in a fresh pool, up to ``max_retries`` times, as Ray would.
"""

from __future__ import annotations

import os
import queue as queue_mod
from typing import Callable, Optional, Sequence

from broll.errors import ExitCode
from broll.executors.progress import OnProgress, Tracker
from broll.executors.work import ErrorInfo, Outcome, Task, Throttle, execute

_QUEUE = None          # the progress queue, set in each worker by _init_worker


def cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _context():
    import multiprocessing as mp     # here, not at import: a single task (one `broll check` clip) never needs it

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["broll.executors.jobs"])
    return ctx


def _init_worker(progress_queue) -> None:
    global _QUEUE
    _QUEUE = progress_queue


def _run_in_worker(task: Task, index: int) -> Outcome:
    report = None
    if _QUEUE is not None:
        q = _QUEUE
        report = Throttle(lambda fraction: q.put((index, fraction)))
    return execute(task, index, report)


class LocalExecutor:
    """Run tasks in a process pool sized to the cores (or inline when there is one task)."""

    name = "local"

    def __init__(self, workers: Optional[int] = None, max_retries: int = 2):
        self.workers = max(1, workers or cores())
        self.max_retries = max_retries

    def run(self, tasks: Sequence[Task], on_progress: Optional[OnProgress] = None,
            on_done: Optional[Callable[[Outcome], None]] = None) -> list[Outcome]:
        """Run every task; outcomes come back in the tasks' order (``on_done`` sees them as they finish)."""
        tracker = Tracker(len(tasks), on_progress)
        outcomes: dict[int, Outcome] = {}

        def finish(outcome: Outcome) -> None:
            outcomes[outcome.index] = outcome
            tracker.finish(outcome.index)
            tracker.emit()
            if on_done is not None:
                on_done(outcome)

        if len(tasks) <= 1 or self.workers <= 1:
            for i, task in enumerate(tasks):
                def report(fraction: float, i: int = i) -> None:
                    tracker.update(i, fraction)
                    tracker.emit()
                finish(execute(task, i, report if on_progress else None))
            return [outcomes[i] for i in range(len(tasks))]

        todo = list(range(len(tasks)))
        for attempt in range(self.max_retries + 1):
            todo = self._pool_round(tasks, todo, tracker, finish)
            if not todo:
                break
        for i in todo:   # still unfinished: the pool kept dying under them
            finish(Outcome(i, error=ErrorInfo(
                "WorkerDied", f"{tasks[i].label}: a worker process died {self.max_retries + 1} times running it",
                "the machine may be out of memory; rerun with fewer clips at once", ExitCode.TOOL)))
        return [outcomes[i] for i in range(len(tasks))]

    def _pool_round(self, tasks: Sequence[Task], todo: list[int], tracker: Tracker,
                    finish: Callable[[Outcome], None]) -> list[int]:
        """One pool over ``todo``; returns the indices left unfinished because the pool broke."""
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        ctx = _context()
        progress_queue = ctx.SimpleQueue() if tracker._on_progress is not None else None
        left: list[int] = []
        with ProcessPoolExecutor(max_workers=min(self.workers, len(todo)), mp_context=ctx,
                                 initializer=_init_worker, initargs=(progress_queue,)) as pool:
            futures = {pool.submit(_run_in_worker, tasks[i], i): i for i in todo}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    _drain(progress_queue, tracker)
                    for fut in done:
                        try:
                            finish(fut.result())
                        except BrokenProcessPool:
                            left.append(futures[fut])
                    tracker.emit()
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return sorted(left)


def _drain(progress_queue, tracker: Tracker) -> None:
    if progress_queue is None:
        return
    while not progress_queue.empty():
        try:
            index, fraction = progress_queue.get()
        except (EOFError, OSError, queue_mod.Empty):
            return
        tracker.update(index, fraction)
