"""`broll check CLIP...`: QC verdicts (pass / review / regenerate) with evidence.

Exit status: 0 when no clip is ``regenerate``, 1 (``ExitCode.CHECK_FAILED``) when any is, and the
error's own code (2 for unreadable input) when a clip could not be checked at all; the other clips
are still checked and reported.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from broll.cli.clip_args import expand_clip_args
from broll.cli.executor_opt import executor_option, make_executor
from broll.cli.output import console, echo_clip_error, finish_clip_batch, progress_bar
from broll.errors import BrollError

_STYLE = {"pass": "bold green", "review": "bold yellow", "regenerate": "bold red", "error": "bold red",
          "note": "dim", }


def _cache_root(project: str | None, no_cache: bool, clip: str) -> Path | None:
    """``--project``, else the clip's project if it exists (checking a clip never creates one)."""
    from broll.project import DB_DIR, find_project

    if no_cache:
        return None
    if project:
        return Path(project)
    root = find_project(clip)
    return root if (root / DB_DIR).is_dir() else None


def _print_report(out, report) -> None:
    from rich.markup import escape
    from rich.table import Table

    facts = report.facts
    cached = " (cached)" if report.cached else ""
    out.print(f"[bold]{escape(str(report.path))}[/bold]  [{_STYLE[report.verdict]}]{report.verdict.upper()}[/]{cached}  "
              f"[dim]{facts.get('width')}x{facts.get('height')} {facts.get('fps')} fps {facts.get('duration')} s "
              f"{facts.get('frames')} frames, {'audio ' + facts['audio'] if facts.get('audio') else 'no audio'}[/dim]")
    if not report.findings:
        out.print("  no findings")
        return
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    for col in ("kind", "frames", "time (s)", "severity", "value", "threshold", "detail"):
        table.add_column(col, overflow="fold")
    for f in report.findings:
        frames = f"{f.start_frame}" if f.start_frame == f.end_frame else f"{f.start_frame}-{f.end_frame}"
        table.add_row(f.kind, frames, f"{f.start:.2f}-{f.end:.2f}", f"[{_STYLE.get(f.severity, '')}]{f.severity}[/]",
                      f"{f.value:.3g}", f"{f.threshold:.3g}", f.message)
    out.print(table)


@click.command("check")
@click.argument("clips", nargs=-1, required=True, type=click.Path())
@click.option("--profile", default="default", show_default=True,
              help="Thresholds: default, strict, lenient, or a PATH.yaml profile.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with a report per clip.")
@click.option("--sheet", "sheet_dir", type=click.Path(file_okay=False),
              help="Write a contact sheet PNG per clip into DIR.")
@click.option("--dump-signals", "dump_path", type=click.Path(),
              help="Write every per-frame signal as CSV: to PATH.csv for one clip, else into the folder PATH "
                   "(CLIP.signals.csv each), to see why a finding fires and tune thresholds.")
@click.option("--project", type=click.Path(file_okay=False),
              help="Cache results in DIR/.broll/project.db (default: the clip's project, when it has one).")
@click.option("--no-cache", is_flag=True, help="Analyse again even when a cached result exists.")
@executor_option
@click.pass_context
def check_command(ctx: click.Context, clips: tuple[str, ...], profile: str, as_json: bool,
                  sheet_dir: str | None, dump_path: str | None, project: str | None, no_cache: bool,
                  executor: str) -> None:
    """Find flicker, flashes, freezes, black frames, cuts, jumps, boil and blur in clips.

    CLIPS are files, or folders (every clip directly inside is checked). Each clip gets a
    verdict: pass, review or regenerate. Exit status 1 when any clip should be
    regenerated, so scripts and CI can gate on it.
    """
    from broll.executors import TaskFailed
    from broll.executors.jobs import CheckRun
    from broll.qc import load_profile

    prof = load_profile(profile)  # a bad profile fails before any decoding
    clips = expand_clip_args(clips)
    pool = make_executor(executor)
    out = None if as_json else console()    # --json prints plain JSON: rich need not even load
    docs: list[dict] = []
    error_code = 0
    any_regenerate = False
    run = CheckRun(clips, prof, lambda clip: _cache_root(project, no_cache, clip), sheet_dir, dump_path)   # cached clips need no task; a missing one is an error in place
    label = f"checking {Path(clips[0]).name}" if len(clips) == 1 else f"checking {len(clips)} clips"
    show = not as_json and sys.stderr.isatty()
    with progress_bar(label, len(run.tasks), enabled=show) as update:
        pool.run(run.tasks, on_progress=(lambda done, total: update(done)) if show else None, on_done=run.adopt)
    for i, clip in enumerate(clips):
        try:
            report, sheet = run.result(i)
        except (BrollError, TaskFailed) as exc:
            error_code = error_code or exc.exit_code
            docs.append({"path": clip, "verdict": "error", "error": exc.message, "findings": []})
            if not as_json:
                echo_clip_error(exc)
            continue
        doc = report.to_dict()
        if sheet is not None:
            doc["sheet"] = sheet
        docs.append(doc)
        if report.verdict == "regenerate":
            any_regenerate = True
        if not as_json:
            _print_report(out, report)
            if sheet is not None:
                from rich.markup import escape

                out.print(f"  sheet: {escape(str(sheet))}")
    finish_clip_batch(ctx, out, docs, prof.name, as_json, error_code, any_regenerate)
