"""`broll build edit.yaml [--preview]`: the CLI face of ``broll.build`` (which runs every stage)."""

from __future__ import annotations

import click
from rich.markup import escape

from broll.cli.executor_opt import executor_option
from broll.cli.output import BuildProgressView, console, emit_json


@click.command("build")
@click.argument("edit_list", type=click.Path(dir_okay=False))
@click.option("--preview", is_flag=True, help="Render a fast low-resolution proxy (NAME.preview.mp4).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--otio", "otio_path", type=click.Path(dir_okay=False),
              help="Also write the rendered timeline as OpenTimelineIO (.otio) for Resolve or Premiere; "
                   "with several outputs, one file per output named PATH-STEM.OUTPUT-STEM.otio.")
@click.option("--otio-only", is_flag=True, help="With --otio: write the .otio (after the review and QC gates) "
                                                "and skip rendering.")
@click.option("--no-cache", is_flag=True, help="Render every segment again (the project's .broll/segments/ "
                                               "cache is refreshed, not read).")
@executor_option
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="Override a variable of the edit list's vars: (repeatable), e.g. --set headline=\"Spring sale\".")
@click.option("--variants", "variants_csv", type=click.Path(dir_okay=False),
              help="Build one reel per row of a CSV whose header names variables; outputs are named from "
                   "{{column}} in output: or get the row number.")
@click.option("--dry-run", is_flag=True, help="With a generate: section: print every request, the estimated "
                                              "cost and the plan; send nothing.")
@click.option("--until", type=click.Choice(["generate", "check", "grade", "review"]), default=None,
              help="Stop after this stage (e.g. generate and check, review, then assemble later).")
def build_command(edit_list: str, preview: bool, as_json: bool, quiet: bool, otio_path: str | None,
                  otio_only: bool, no_cache: bool = False, executor: str = "local",
                  assignments: tuple[str, ...] = (), variants_csv: str | None = None,
                  dry_run: bool = False, until: str | None = None) -> None:
    """Render the reel(s) an edit list describes; a rebuild encodes only the segments that changed.

    With a generate: section, the shots the timeline names are generated first (only what is
    missing; re-running resumes and never pays twice), checked, graded and reviewed.
    """
    from broll.assemble.build import build
    from broll.assemble.variables import parse_assignment
    from broll.cli.executor_opt import make_executor

    if executor != "local":     # without the Ray extra: one line naming the install, before any work
        make_executor(executor)     # (local needs no check: its pool loads with the render, not before)

    if otio_only and not otio_path:
        raise click.UsageError("--otio-only needs --otio PATH")
    if dry_run:
        _dry_run(edit_list, as_json)
        return
    variables = dict(parse_assignment(a) for a in assignments) or None
    err = console(stderr=True)
    if variants_csv:
        if otio_path:
            raise click.UsageError("--otio is for one reel; leave it out with --variants")
        _build_variants(edit_list, variants_csv, variables, preview=preview, as_json=as_json, quiet=quiet,
                        cache=not no_cache, executor=executor)
        return
    with BuildProgressView(bars=not (quiet or as_json), notes=not (quiet or as_json)) as view:
        result = build(edit_list, preview=preview, progress=view, otio=otio_path, render=not otio_only,
                       cache=not no_cache, executor=executor, variables=variables, until=until)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if as_json:
        emit_json({**result.to_dict(), "otio": otio_path})
        return
    if result.shots is not None:
        for line in result.shots.take_lines():
            err.print(escape(line), highlight=False)
        err.print(escape(result.shots.cost_line()), highlight=False)
    if until is not None:
        err.print(f"stopped after {until}: run `broll build {escape(edit_list)}` to go on", highlight=False)
    for out in result.outputs:
        if out.otio is not None:
            err.print(f"[green]wrote[/green] {escape(str(out.otio))} (OpenTimelineIO, "
                      f"{len(out.timeline.items)} items, {float(out.duration):.3f} s at {float(out.fps):g} fps)")
        if out.probe is not None:
            seg = out.segments
            reuse = (f"; segments: {seg['rendered']} rendered, {seg['reused']} reused" if seg else "")
            err.print(f"[green]built[/green] {escape(str(out.path))}  {out.width}x{out.height} "
                      f"{float(out.duration):.3f} s ({out.frames} frames) in {out.render_seconds:.1f} s{reuse}")
            framing = out.framing()
            if framing:
                err.print("  reframe: " + "; ".join(escape(_framing_text(f)) for f in framing), highlight=False)
            click.echo(str(out.path))


def _framing_text(f: dict) -> str:
    if f["strategy"] == "subject":
        return f"{f['item']} subject {f['confidence']:.2f}" + (", widened" if f["widened"] else "")
    return f"{f['item']} blurred fill (no confident subject, {f['confidence']:.2f})"


def _build_variants(edit_list: str, rows_csv: str, variables, *, preview: bool, as_json: bool, quiet: bool,
                    cache: bool = True, executor: str | None = None) -> None:
    """Every row validated first (nothing renders when one is bad), then one build per row, in turn."""
    import time

    from broll.assemble.variants import build_variants

    err = console(stderr=True)
    started = time.perf_counter()
    on_variant = None if (quiet or as_json) else (
        lambda v: err.print(f"[bold]variant {v.row}[/bold] " + escape(", ".join(f"{k}={val}" for k, val in v.values.items()))))
    with BuildProgressView(bars=not (quiet or as_json), notes=not (quiet or as_json)) as view:
        results = build_variants(edit_list, rows_csv, overrides=variables, progress=view, preview=preview,
                                 cache=cache, executor=executor,
                                 on_variant=on_variant)
    total = time.perf_counter() - started
    if as_json:
        emit_json({"ok": all(r.ok for _, r in results), "edit_list": edit_list, "variants_file": rows_csv,
                   "seconds": round(total, 3),
                   "variants": [{"row": v.row, "variables": {k: str(x) for k, x in v.values.items()},
                                 **r.to_dict()} for v, r in results]})
        return
    for variant, result in results:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/yellow] variant {variant.row}: {escape(warning)}")
        for out in result.outputs:
            err.print(f"[green]built[/green] variant {variant.row}: {escape(str(out.path))}  {out.width}x{out.height} "
                      f"{float(out.duration):.3f} s ({out.frames} frames) in {out.render_seconds:.1f} s")
            click.echo(str(out.path))
    err.print(f"{len(results)} variant(s) in {total:.1f} s")


def _dry_run(edit_list: str, as_json: bool) -> None:
    """Every request, the estimated cost and the plan; nothing is sent."""
    import json

    from broll.pipeline.dryrun import dry_run
    plan = dry_run(edit_list)
    if as_json:
        emit_json(plan)
        return
    out = console()
    for note in plan["warnings"]:
        console(stderr=True).print(f"warning: {note}", markup=False, highlight=False)
    for r in plan["requests"]:
        what = "poll (in flight)" if r["in_flight"] else f"est ${r['estimate']:.2f}"
        out.print(f"{r['target']} {r['shot']} v{r['variant']} -> {r['file']}  seed={r['seed']}  {what}",
                  markup=False, highlight=False)
        out.print(json.dumps(r["request"], indent=2), markup=False, highlight=False)
    budget = plan["budget"]
    out.print(f"\n{len(plan['requests'])} request(s), estimated ${plan['estimated_cost']:.2f}; "
              f"${plan['spent_so_far']:.2f} spent so far"
              + (f" of a ${budget:.2f} budget" if budget is not None else "")
              + (" (over budget: the build would stop before submitting)" if plan["over_budget"] else ""),
              markup=False, highlight=False)
    out.print("plan:", markup=False)
    for line in plan["stages"]:
        out.print(f"  {line}", markup=False, highlight=False)
    for line in plan["timeline"]:
        out.print(f"  {line}", markup=False, highlight=False)
    out.print("nothing was sent.", markup=False)
