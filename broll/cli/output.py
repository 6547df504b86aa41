"""Shared output helpers for commands: JSON, tables, progress (stderr), quiet library noise."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import click

from broll.libwarnings import quiet_library_warnings  # noqa: F401  (re-exported for commands)


def _default(obj: Any):
    if isinstance(obj, Fraction):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict
        return asdict(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=_default))


def console(stderr: bool = False):
    """A rich console. Off a terminal (a log, a pipe, CI) lines are not folded at 80 columns:
    a path folded onto two lines can no longer be copied or grepped."""
    from rich.console import Console
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, soft_wrap=not stream.isatty())


@contextmanager
def progress_bar(description: str, total: float | None, *, enabled: bool = True) -> Iterator:
    """A rich progress bar on stderr; yields ``update(done)``. Silent when not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda done: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console(stderr=True), transient=True) as prog:
        task = prog.add_task(description, total=total or 1)
        yield lambda done: prog.update(task, completed=done)


class BuildProgressView:
    """Turns ``broll.build`` progress events into the CLI's display: a rich bar per rendered
    output (on a terminal) and dim one-line notes for the stages that take time before it."""

    NOTED = ("generate", "check", "qc", "style")   # validation and planning are quick: no note

    def __init__(self, *, bars: bool = True, notes: bool = True):
        self.bars = bars and sys.stderr.isatty()
        self.notes = notes
        self._progress = None
        self._tasks: dict[str, int] = {}
        self._err = console(stderr=True)

    def __enter__(self) -> "BuildProgressView":
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, event) -> None:
        from rich.markup import escape
        if event.stage != "render":
            if self.notes and event.stage in self.NOTED:
                self._err.print(f"[dim]{escape(event.message)}[/dim]")
            return
        if not self.bars:
            return
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                      TimeRemainingColumn(), console=self._err, transient=True)
            self._progress.start()
        if event.output not in self._tasks:
            self._tasks[event.output] = self._progress.add_task(event.output, total=event.total or 1)
        self._progress.update(self._tasks[event.output], completed=event.done)


def echo_clip_error(exc) -> None:
    """One clip of many failed: its one-line error (and hint) on stderr, as the CLI edge prints any error."""
    click.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"  hint: {exc.hint}", err=True)


def finish_clip_batch(ctx: click.Context, out, docs: list[dict], profile: str, as_json: bool, error_code: int,
                      any_regenerate: bool) -> None:
    """The end of `broll check` / `broll fix`: the JSON document or a verdict count, then the exit status.

    An unreadable clip outranks a verdict: the run could not vouch for every clip.
    """
    from broll.errors import ExitCode

    if as_json:
        emit_json({"profile": profile, "clips": docs})
    elif len(docs) > 1:
        counts = {v: sum(d["verdict"] == v for d in docs) for v in ("pass", "review", "regenerate", "error")}
        out.print(", ".join(f"{k}: {v}" for k, v in counts.items() if v))
    ctx.exit(int(error_code or (ExitCode.CHECK_FAILED if any_regenerate else ExitCode.OK)))
