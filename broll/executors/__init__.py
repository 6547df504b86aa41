"""Executors: run many independent pieces of work (check a clip, grade a clip) on some machines.

Work is data: a :class:`Task` names a module-level function, its input files (absolute path +
content hash) and picklable parameters. An executor runs a list of tasks and returns one
:class:`Outcome` per task, in order; the caller never knows which executor ran them::

    from broll.executors import get_executor, Task, Input
    from broll.executors.jobs import check_clip

    tasks = [Task(check_clip, p, (Input.of(p),), {"profile": prof, "cache_root": root}) for p in paths]
    outcomes = get_executor("local").run(tasks, on_progress=lambda done, total: ...)

``EXECUTORS`` (methods as a table): ``local`` (a process pool sized to the cores; the default)
and ``ray`` (Ray tasks with retries, on ``RAY_ADDRESS`` or on a local Ray broll starts and
stops; needs ``pip install 'broll[ray]'``). ``BROLL_EXECUTOR`` picks one when the caller does
not. Results land in the content-addressed caches (QC reports, grade LUTs) as each task ends,
so a killed run loses only its unfinished tasks.
"""

from __future__ import annotations

import os
from typing import Optional

from broll.errors import lookup
from broll.executors.local import LocalExecutor, cores
from broll.executors.progress import OnProgress, Tracker
from broll.executors.work import ErrorInfo, Input, Outcome, Task, TaskFailed

__all__ = ["EXECUTORS", "DEFAULT_EXECUTOR", "get_executor", "Task", "Input", "Outcome", "ErrorInfo",
           "TaskFailed", "LocalExecutor", "cores", "OnProgress", "Tracker"]

DEFAULT_EXECUTOR = "local"


def _ray(**kwargs):
    from broll.executors.ray_cluster import RayExecutor
    return RayExecutor(**kwargs)


EXECUTORS = {"local": LocalExecutor, "ray": _ray}


def get_executor(name: Optional[str] = None, **kwargs):
    """The executor called ``name`` (default: ``$BROLL_EXECUTOR``, else ``local``)."""
    name = name or os.environ.get("BROLL_EXECUTOR") or DEFAULT_EXECUTOR
    factory = lookup(EXECUTORS, "executor", name.strip().lower())
    executor = factory(**kwargs)
    if executor.name == "ray":
        from broll.executors.ray_cluster import import_ray
        import_ray()       # fail before any work starts, with the install hint
    return executor
