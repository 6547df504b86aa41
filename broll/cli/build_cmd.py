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
def build_command(edit_list: str, preview: bool, as_json: bool, quiet: bool, otio_path: str | None,
                  otio_only: bool, no_cache: bool = False, executor: str = "local") -> None:
    """Render the reel(s) an edit list describes; a rebuild encodes only the segments that changed."""
    from broll.assemble.build import build
    from broll.cli.executor_opt import make_executor

    make_executor(executor)     # without the Ray extra: one line naming the install, before any work

    if otio_only and not otio_path:
        raise click.UsageError("--otio-only needs --otio PATH")
    err = console(stderr=True)
    with BuildProgressView(bars=not (quiet or as_json), notes=not (quiet or as_json)) as view:
        result = build(edit_list, preview=preview, progress=view, otio=otio_path, render=not otio_only,
                       cache=not no_cache, executor=executor)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if as_json:
        emit_json({**result.to_dict(), "otio": otio_path})
        return
    for out in result.outputs:
        if out.otio is not None:
            err.print(f"[green]wrote[/green] {escape(str(out.otio))} (OpenTimelineIO, "
                      f"{len(out.timeline.items)} items, {float(out.duration):.3f} s at {float(out.fps):g} fps)")
        if out.probe is not None:
            seg = out.segments
            reuse = (f"; segments: {seg['rendered']} rendered, {seg['reused']} reused" if seg else "")
            err.print(f"[green]built[/green] {escape(str(out.path))}  {out.width}x{out.height} "
                      f"{float(out.duration):.3f} s ({out.frames} frames) in {out.render_seconds:.1f} s{reuse}")
            click.echo(str(out.path))
