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
    from rich import box
    from rich.table import Table
    table = Table(title="Export presets (broll export -p NAME)", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 1, 0, 0), show_edge=False)
    for col in ("name", "size", "fps/max", "H.264", "cap", "LUFS", "max", "safe t/b/l/r %"):
        table.add_column(col, no_wrap=True)
    for name, p in presets.items():
        sz = p.safe_zone
        table.add_row(name, f"{p.width}x{p.height}", p.fps + (f"/{p.max_fps}" if p.max_fps else ""), f"{p.video.profile}@{p.video.level}",
                      p.video.maxrate or f"crf{p.video.crf}", f"{p.loudness.integrated:g}",
                      _duration(p.max_duration),
                      "/".join(f"{v * 100:.0f}" for v in (sz.top, sz.bottom, sz.left, sz.right)))
    console().print(table)
    from broll.export.aliases import ALIASES
    console().print("aliases: " + ", ".join(f"{a}={t}" for a, t in ALIASES.items()), soft_wrap=True)


def _duration(seconds: float | None) -> str:
    if not seconds:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"
