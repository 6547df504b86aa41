"""`broll probe FILE...`: what broll sees in a media file."""

from __future__ import annotations

import click

from broll.cli.output import console, emit_json
from broll.media.probe import probe


@click.command("probe")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def probe_command(files: tuple[str, ...], as_json: bool) -> None:
    """Show size (after rotation), frame rate, duration, audio and colour tags of media files."""
    infos = [probe(f) for f in files]
    if as_json:
        emit_json([{k: v for k, v in info.__dict__.items() if k != "extra"} for info in infos])
        return
    out = console()
    for name, info in zip(files, infos):
        out.print(f"[bold]{name}[/bold]: {info.kind}, {info.describe()}")
