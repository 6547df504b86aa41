"""`broll fix CLIP... -o DIR`: repair what QC found in place instead of regenerating.

Exit status: 0 when every clip now passes or goes to review, 1 (``ExitCode.CHECK_FAILED``) when any
is still ``regenerate``, and the error's own code (2 for unreadable input) when a clip could not be
processed at all; the other clips are still repaired and reported.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from broll.cli.check_cmd import _STYLE, _cache_root
from broll.cli.clip_args import expand_clip_args, refuse_clashing_names
from broll.cli.output import console, echo_clip_error, finish_clip_batch, progress_bar
from broll.errors import BrollError


def _print_result(out, res) -> None:
    from rich.table import Table

    arrow = f"[{_STYLE[res.verdict_before]}]{res.verdict_before}[/] -> [{_STYLE[res.verdict]}]{res.verdict.upper()}[/]"
    where = f"  -> {escape(res.output)}" if res.output else "  (not written)"
    out.print(f"[bold]{escape(res.path)}[/bold]  {arrow}{where}  [dim]{res.seconds:.1f} s[/dim]")
    if res.repairs:
        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
        for col in ("repair", "frames", "method", "measure", "before", "after"):
            table.add_column(col, overflow="fold")
        for st in res.repairs:
            m = st.measure
            frames = f"{st.start}" if st.start == st.end else f"{st.start}-{st.end}"
            table.add_row(st.kind, frames, st.method, f"{m.get('name', '')} ({m.get('unit', '')})",
                          str(m.get("before", "")), str(m.get("after", "")))
        out.print(table)
    for r in res.refused:
        frames = f"{r.start}" if r.start == r.end else f"{r.start}-{r.end}"
        out.print(f"  [red]not repaired[/red] {r.kind} {frames}: {escape(r.reason)}")
    if res.verdict != "pass":
        for f in res.findings:
            if f.severity != "note":
                frames = f"{f.start_frame}" if f.start_frame == f.end_frame else f"{f.start_frame}-{f.end_frame}"
                out.print(f"  [{_STYLE.get(f.severity, '')}]{f.severity}[/] {f.kind} {frames}: {escape(f.message)}")
    if res.note:
        out.print(f"  [dim]{escape(res.note)}[/dim]")
    if not res.repairs and res.verdict == "regenerate":
        out.print("  [red]cannot be repaired in place: regenerate it[/red]")


@click.command("fix")
@click.argument("clips", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the repaired copies (each keeps its file name).")
@click.option("--only", "only", metavar="KIND,...",
              help="Repair only these kinds: flicker, glitch, black, freeze, boil, shake "
                   "(default: all but shake; shake runs only when named and measured).")
@click.option("--profile", default="default", show_default=True,
              help="QC thresholds: default, strict, lenient, or a PATH.yaml profile.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with a result per clip.")
@click.option("--sheet", "sheet_dir", type=click.Path(file_okay=False),
              help="Write a before/after contact sheet PNG per repaired clip into DIR.")
@click.option("--project", type=click.Path(file_okay=False),
              help="Read and store QC reports in DIR/.broll/project.db (default: the current folder when it has .broll/).")
@click.option("--no-cache", is_flag=True, help="Analyse again even when a cached QC report exists.")
@click.pass_context
def fix_command(ctx: click.Context, clips: tuple[str, ...], out_dir: str, only: str | None, profile: str,
                as_json: bool, sheet_dir: str | None, project: str | None, no_cache: bool) -> None:
    """Repair flicker, glitch and flash frames, short freezes, boil and shake in place.

    CLIPS are files, or folders (every clip directly inside). Only the affected frames are
    rewritten; the repaired copy is checked again. Cuts, long freezes, blank clips and strobes
    cannot be repaired and are reported as such.
    """
    from broll.malloc_tune import keep_freed_memory
    from broll.media.probe import probe
    from broll.qc import load_profile
    from broll.repair import parse_only, repair_clip

    keep_freed_memory()                  # frame-size arrays come and go: reuse their memory (docs/qc.md, Repair)
    kinds = parse_only(only)             # bad --only fails before any decoding
    prof = load_profile(profile)
    clips = expand_clip_args(clips)
    refuse_clashing_names([Path(c).name for c in clips])
    for clip in clips:
        if Path(out_dir).resolve() == Path(clip).resolve().parent:
            raise BrollError(f"{clip}: -o {out_dir} is the clip's own folder; the repair would overwrite it",
                             "choose another output folder")
    out = console()
    docs: list[dict] = []
    error_code = 0
    any_regenerate = False
    for clip in clips:
        try:
            info = probe(clip)
            with progress_bar(f"repairing {Path(clip).name}", info.frame_count or None, enabled=not as_json) as update:
                res = repair_clip(clip, out_dir, profile=prof, only=kinds,
                                  cache_root=_cache_root(project, no_cache, clip), sheet_dir=sheet_dir,
                                  on_frame=update)
        except BrollError as exc:
            error_code = error_code or exc.exit_code
            docs.append({"path": clip, "verdict": "error", "error": exc.message})
            if not as_json:
                echo_clip_error(exc)
            continue
        docs.append(res.to_dict())
        any_regenerate |= res.still_regenerate
        if not as_json:
            _print_result(out, res)
    finish_clip_batch(ctx, out, docs, prof.name, as_json, error_code, any_regenerate)
