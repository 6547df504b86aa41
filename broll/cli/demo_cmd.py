"""`broll demo DIR`: synthesise sample media and a commented edit list, build the reel (offline)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from broll.cli.output import BuildProgressView, console

EDIT_LIST = """\
# A broll edit list (version 1). Paths are relative to this file.
# Times are seconds (1.5), timecode ("00:00:01.500") or frames ("45f").
# Check it with `broll validate edit.yaml`, see the plan with `broll plan edit.yaml`,
# render with `broll build edit.yaml` (add --preview for a fast 360p proxy).
version: 1
output: out/reel.mp4            # or a list: [{path: out/reel.mp4}, {path: out/vertical.mp4, preset: 9x16-1080p}]
preset: 16x9-1080p              # see `broll presets`
loudness: -14                   # integrated LUFS of the final mix (EBU R128, two-pass)
style: {reference: style/look.png, strength: 0.8}   # colour-match every clip to one look (per item: style: off)
qc: {on_fail: warn}             # check every clip before rendering: stop | warn | skip
defaults:
  transition: {type: fade, duration: 0.5}   # any FFmpeg xfade name, or cut
  fit: cover                    # cover | contain | blur
music:
  path: music/bed.m4a
  volume: -12                   # dB
  fade_in: 1
  fade_out: 2
  duck: true                    # lower the music under clip audio
timeline:
  - title: "broll demo"
    duration: 2
    background: "#101018"
  - clip: clips/city.mp4        # 1280x720 at 30 fps, with audio, a cold cast the grade removes
    in: 0.5
    out: 3.5
    text: {value: "Built for scale", position: bottom, start: 0.3, end: 2.7}
  - clip: clips/vertical.mp4    # 720x1280 at 24 fps, no audio: blurred fill behind it
    fit: blur
    transition: {type: wipeleft, duration: 0.4}
  - clip: clips/ai-8fps.mp4     # 8 fps AI-style output, played a little slower
    speed: 0.8
    audio: mute
    transition: {type: circleopen, duration: 0.6}
  - image: stills/product.png
    duration: 3
    motion: zoom-in             # zoom-in | zoom-out | pan-left | pan-right | none
    style: off                  # keep this one as it is
  - clip: clips/square.mp4      # 640x640 at 25 fps with audio
    in: "00:00:00.500"
    out: "75f"
    audio: -6                   # gain in dB
    fit: contain
    transition: cut
  - title: "Chapter two"
    duration: 2
    background: "#101010"
    transition: {type: fadeblack, duration: 0.5}
"""


def make_demo_media(root: Path) -> None:
    from broll.media import synth

    synth.make_clip(root / "clips/city.mp4", source="testsrc2", size=(1280, 720), fps=30, duration=4, audio=330,
                    vfilters=["colorchannelmixer=rr=0.82:gg=0.95:bb=1.0"])
    synth.make_image(root / "style/look.png", source="testsrc2", size=(1280, 720))
    synth.make_clip(root / "clips/vertical.mp4", source="testsrc", size=(720, 1280), fps=24, duration=3, audio=None)
    synth.make_clip(root / "clips/ai-8fps.mp4", source="mandelbrot", size=(768, 432), fps=8, duration=3, audio=None)
    synth.make_clip(root / "clips/square.mp4", source="smptebars", size=(640, 640), fps=25, duration=4, audio=523.25)
    synth.make_image(root / "stills/product.png", source="gradients", size=(1600, 1200))
    synth.make_tone(root / "music/bed.m4a", duration=12)


@click.command("demo")
@click.argument("directory", type=click.Path(file_okay=False), default="demo-project")
@click.option("--preview", is_flag=True, help="Build the fast low-resolution proxy instead of the full reel.")
@click.option("--no-build", is_flag=True, help="Only write the sample media and edit list.")
def demo_command(directory: str, preview: bool, no_build: bool) -> None:
    """Write sample clips, a still, a music bed and a commented edit list to DIRECTORY, then build."""
    from broll.assemble.build import build

    root = Path(directory)
    err = console(stderr=True)
    root.mkdir(parents=True, exist_ok=True)
    err.print(f"synthesising sample media in {root}/ ...")
    make_demo_media(root)
    edit_path = root / "edit.yaml"
    if not edit_path.exists():
        edit_path.write_text(EDIT_LIST, encoding="utf-8")
    else:
        err.print(f"keeping your {edit_path}")
    if no_build:
        click.echo(str(edit_path))
        return
    with BuildProgressView() as view:
        result = build(edit_path, preview=preview, progress=view)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for clip, verdict in result.stages.qc.items():
        err.print(f"QC {escape(clip)}: {verdict}")
    for g in result.stages.graded:
        guard = f" ({', '.join(g['safeguards'])})" if g["safeguards"] else ""
        # the demo's look still shows other content: what matters is how far the clip moved
        err.print(f"graded {escape(g['clip'])}: moved {g.get('change', 0.0):.1f} dE00 (palette distance to the "
                  f"reference {g['de_before']:.1f} -> {g['de_after']:.1f}){guard}")
    for out in result.outputs:
        err.print(f"[green]built[/green] {escape(str(out.path))}  {out.width}x{out.height}, "
                  f"{float(out.duration):.2f} s in {out.render_seconds:.1f} s")
        click.echo(f"Your reel is at {out.path}")
    err.print(f"edit {edit_path} and run `broll build {edit_path}` to rebuild")
