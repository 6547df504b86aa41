"""`broll validate edit.yaml`: schema and media checks, every error located."""

from __future__ import annotations

import click

from broll.cli.output import emit_json


def summarise(edit, jobs) -> dict:
    return {
        "edit_list": edit.source,
        "items": len(edit.timeline),
        "outputs": [{"path": str(j.path), "preset": j.preset.name, "frames": j.timeline.frames,
                     "duration": float(j.timeline.duration), "fps": float(j.timeline.fps)} for j in jobs],
    }


@click.command("validate")
@click.argument("edit_list", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate_command(edit_list: str, as_json: bool) -> None:
    """Check an edit list and the media it names, without rendering."""
    from broll.assemble.resolve import validate_edit_list

    edit, jobs = validate_edit_list(edit_list)
    if as_json:
        emit_json({"ok": True, **summarise(edit, jobs)})
        return
    for note in (edit._shots.warnings if edit._shots is not None else ()):   # generate: section notes
        click.echo(f"warning: {note}", err=True)
    if not jobs and edit._shots is not None:
        click.echo(f"ok {edit_list}: schema and shots checked; no shot has a take yet (broll build generates them)")
    for job in jobs:
        click.echo(f"ok {edit_list}: {len(edit.timeline)} items -> {job.path} "
                  f"({job.preset.name}, {float(job.timeline.duration):.3f} s, {job.timeline.frames} frames)")
