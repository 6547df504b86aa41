"""`broll presets`: list export presets."""

from __future__ import annotations

import click

from broll.cli.output import console, emit_json
from broll.templates.presets import all_presets


@click.command("presets")
@click.option("--file", "user_file", type=click.Path(exists=True, dir_okay=False),
              help="A YAML file of your own presets (also $BROLL_PRESETS).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def presets_command(user_file: str | None, as_json: bool) -> None:
    """List every export preset: size, fps, codec, bitrate cap, loudness, max duration, safe zone."""
    presets = all_presets(user_file)
    if as_json:
        emit_json({name: p.model_dump(mode="json") for name, p in presets.items()})
        return
    from rich.table import Table
    table = Table(title="Export presets")
    for col in ("name", "size", "fps", "codec", "rate cap", "loudness", "max", "safe zone t/b/l/r"):
        table.add_column(col)
    for name, p in presets.items():
        sz = p.safe_zone
        table.add_row(name, f"{p.width}x{p.height}", p.fps,
                      f"H.264 {p.video.profile} {p.video.level}", p.video.maxrate or f"CRF {p.video.crf}",
                      f"{p.loudness.integrated:g} LUFS", f"{p.max_duration:g}s" if p.max_duration else "-",
                      f"{sz.top:.0%}/{sz.bottom:.0%}/{sz.left:.0%}/{sz.right:.0%}")
    console().print(table)
