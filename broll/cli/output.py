"""Shared output helpers for commands: JSON, tables, progress (stderr), quiet library noise."""

from __future__ import annotations

import json
import sys
import warnings
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import click


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
    from rich.console import Console
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


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


def quiet_library_warnings() -> None:
    """colour-science warns at import about optional packages; users should not see that."""
    warnings.filterwarnings("ignore", message=".*related API features are not available.*")
    # Only once colour-science is loaded: importing it just to silence it costs ~0.5 s, which
    # a build whose LUTs are all cached never needs to pay (broll.grading.color imports it lazily
    # and calls this again afterwards).
    if "colour.utilities" in sys.modules:
        warnings.filterwarnings("ignore", category=sys.modules["colour.utilities"].ColourUsageWarning)
