"""`broll build edit.yaml [--preview]`: validate exactly like `broll validate`, then render."""

from __future__ import annotations

import click
from rich.markup import escape

from broll.cli.output import console, emit_json, progress_bar


@click.command("build")
@click.argument("edit_list", type=click.Path(dir_okay=False))
@click.option("--preview", is_flag=True, help="Render a fast low-resolution proxy (NAME.preview.mp4).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--otio", "otio_path", type=click.Path(dir_okay=False),
              help="Also write the timeline as OpenTimelineIO (.otio) for Resolve or Premiere.")
@click.option("--otio-only", is_flag=True, help="With --otio: write the .otio and skip rendering.")
def build_command(edit_list: str, preview: bool, as_json: bool, quiet: bool, otio_path: str | None,
                  otio_only: bool) -> None:
    """Render the reel(s) an edit list describes: one FFmpeg graph per output."""
    from broll.assemble.render import preview_jobs, render
    from broll.assemble.resolve import validate_edit_list
    from broll.assemble.stages import prepare

    edit, jobs = validate_edit_list(edit_list)
    if otio_path:
        from pathlib import Path

        from broll.export.otio_model import build_timeline, items_from_timeline, write_otio
        tl = jobs[0].timeline
        items, music = items_from_timeline(tl)
        written = write_otio(otio_path, build_timeline(Path(edit_list).stem, items, tl.fps, music))
        if not as_json:
            console(stderr=True).print(f"[green]wrote[/green] {written} (OpenTimelineIO, {len(items)} items, "
                                       f"{float(tl.duration):.3f} s at {float(tl.fps):g} fps)")
        if otio_only:
            if as_json:
                emit_json({"ok": True, "edit_list": edit.source, "otio": str(written), "outputs": []})
            return
    elif otio_only:
        raise click.UsageError("--otio-only needs --otio PATH")
    err = console(stderr=True)
    say = (lambda msg: None) if (quiet or as_json) else (lambda msg: err.print(f"[dim]{escape(msg)}[/dim]"))
    if preview:
        jobs = preview_jobs(edit, jobs)
    jobs, stages = prepare(edit, jobs, say=say)
    for warning in stages.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    results = []
    for job in jobs:
        total = float(job.timeline.duration)
        with progress_bar(f"{job.path.name}", total, enabled=not quiet) as update:
            result = render(job, x264_preset=job.preset.video.x264_preset,
                            on_progress=lambda p: update(min(p.out_seconds, total)))
        results.append(result)
        if not as_json:
            console(stderr=True).print(
                f"[green]built[/green] {result.path}  {result.width}x{result.height} "
                f"{float(result.duration):.3f} s ({result.frames} frames) in {result.seconds:.1f} s")
    if as_json:
        emit_json({"ok": True, "edit_list": edit.source, "preview": preview, "otio": otio_path,
                   "outputs": [r.to_dict() for r in results], "stages": stages.to_dict()})
    else:
        for r in results:
            click.echo(str(r.path))
