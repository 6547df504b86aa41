"""`broll plan edit.yaml`: what `broll build` runs, without rendering.

The planning half of ``broll.build`` (validation, gates, style, subject crops) runs for real, so
the timeline and the commands printed here are the ones the build runs: the picture and the
sound as two FFmpeg processes side by side (the sound's loudnorm filled in from pass 1), then a
stream-copy mux.
"""

from __future__ import annotations

import shlex
from fractions import Fraction
from pathlib import Path

import click

from broll.cli.output import emit_json
from broll.timebase import format_timecode


def timeline_rows(tl) -> list[dict]:
    rows = []
    for i, item in enumerate(tl.items):
        what = item.title if item.kind == "title" else (item.source.path if item.source else "")
        rows.append({
            "index": i, "kind": item.kind, "what": what,
            "start_frame": item.start, "end_frame": item.end, "frames": item.frames,
            "start": float(Fraction(item.start) / tl.fps), "end": float(Fraction(item.end) / tl.fps),
            "transition": {"type": item.transition.type, "frames": item.transition.frames,
                           "seconds": float(Fraction(item.transition.frames) / tl.fps)},
            "in": float(item.src_in) if item.kind == "clip" else None,
            "out": float(item.src_out) if item.kind == "clip" else None,
            "speed": float(item.speed),
            "retime": _retime_of(item, tl),
        })
    return rows


def _retime_of(item, tl) -> str:
    """How a clip reaches the reel's rate (issue 20): "24->30 repeat", "10->30 motion", or ""."""
    if item.kind != "clip" or item.source is None:
        return ""
    from broll.assemble.framerate import label
    from broll.assemble.retime import effective_rate, item_method
    method = item_method(item, tl.fps, tl.width, tl.height)
    if method == "pass":
        return method
    return f"{label(effective_rate(item.source.fps, item.speed, tl.fps))}->{label(tl.fps)} fps {method}"


def output_report(plan) -> dict:
    """One output's plan as data: the timeline and every command the build runs for it."""
    from broll.media.ffmpeg import ffmpeg_path
    job, tl = plan.job, plan.timeline
    out = str(job.path)
    ff = ffmpeg_path()
    from broll.assemble.segmented import cold_picture, join_argv, segment_seconds, split_argv
    from broll.assemble.segments import plan_segments_seconds
    segments = list(plan_segments_seconds(tl, segment_seconds()))
    picture = cold_picture(plan, segments)
    commands = {
        "picture": [ff, *picture.argv(f"{out}.video.mp4")],
        "loudness_pass": [ff, *plan.measure] if plan.measure else None,
        "sound": [ff, *plan.audio.argv(f"{out}.audio.m4a")],
        "split": [ff, *split_argv(f"{out}.video.mp4", segments, ".broll/segments/piece%05d.mp4")],
        "mux": [ff, *join_argv(Path(f"{out}.ffconcat"), Path(f"{out}.audio.m4a"), Path(out))],
    }
    return {"output": out, "preset": job.preset.name, "width": tl.width, "height": tl.height,
            "fps": float(tl.fps), "fps_reason": tl.meta.get("fps_reason", ""),
            "frames": tl.frames, "duration": float(tl.duration),
            "audio_samples": tl.samples, "loudness_pass": plan.measure is not None,
            "items": timeline_rows(tl), "commands": commands,
            "layers": tl.layers.describe() if getattr(tl, "layers", None) is not None else None,
            "picture_graph": plan.video.filter_complex, "sound_graph": plan.audio.filter_complex,
            "segments": [{"start": sg.start, "end": sg.end, "items": [sp.index for sp in sg.spans]} for sg in segments]}


@click.command("plan")
@click.argument("edit_list", type=click.Path(dir_okay=False))
@click.option("--preview", is_flag=True, help="Plan the low-resolution proxy instead.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE", help="Override a variable (as build).")
def plan_command(edit_list: str, preview: bool, as_json: bool, assignments: tuple[str, ...]) -> None:
    """Print each item's place on the reel and the FFmpeg commands `build` runs for it."""
    from broll.assemble.build import plan_build
    from broll.assemble.variables import parse_assignment
    from broll.filtergraph import split_graph

    variables = dict(parse_assignment(a) for a in assignments) or None
    planned = plan_build(edit_list, preview=preview, enforce_review=False,   # QC and LUTs are cached: build reuses them
                         variables=variables)
    report = [output_report(p) for p in planned.outputs]
    if as_json:
        emit_json({"outputs": report, "stages": planned.stages.to_dict(), "warnings": planned.stages.warnings})
        return
    for warning in planned.stages.warnings:
        click.echo(f"warning: {warning}", err=True)
    for plan, rep in zip(planned.outputs, report):
        tl = plan.timeline
        click.echo(f"{rep['output']}  {rep['preset']} {tl.width}x{tl.height} @ {float(tl.fps):g} fps, "
                   f"{tl.frames} frames = {format_timecode(tl.duration)}")
        if rep["fps_reason"]:
            click.echo(f"  frame rate {float(tl.fps):g} fps: {rep['fps_reason']}")
        for row in rep["items"]:
            tr = row["transition"]
            into = "cut" if tr["type"] == "cut" else f"{tr['type']} {tr['seconds']:.3f}s ({tr['frames']}f)"
            trim = f"  in {row['in']:.3f} out {row['out']:.3f}" if row["kind"] == "clip" else ""
            speed = f"  x{row['speed']:g}" if row["speed"] != 1 else ""
            speed += f"  {row['retime']}" if row.get("retime") not in (None, "", "pass") else ""
            name = Path(str(row["what"])).name if row["kind"] != "title" else repr(row["what"])
            click.echo(f"  {row['index']:>3}  {format_timecode(row['start'])} -> {format_timecode(row['end'])}  "
                       f"{row['frames']:>5}f  {row['kind']:<5}  {name}{trim}{speed}  <- {into}")
        _print_layers(rep["layers"])
        cmds = rep["commands"]
        click.echo("\nWhat a cold `build` runs: the picture and the sound side by side, the picture split into "
                   f"{len(rep['segments'])} cached segments, then a stream-copy join (temp files beside the output; "
                   "renamed onto it only when all succeed). A rebuild renders only changed segments, each "
                   "its own graph over its items.")
        click.echo("\n1. picture:\n" + shlex.join(cmds["picture"]))
        click.echo("   graph, one statement per line:")
        for statement in split_graph(rep["picture_graph"]):
            click.echo("     " + statement)
        if cmds["loudness_pass"]:
            click.echo(f"\n2a. sound, loudness pass 1 (measures toward {tl.loudness:g} LUFS):\n"
                       + shlex.join(cmds["loudness_pass"]))
            click.echo("2b. sound, pass 2 (at run time its loudnorm gets the measured_* figures pass 1 prints):")
        else:
            click.echo("\n2. sound:")
        click.echo(shlex.join(cmds["sound"]))
        click.echo("   graph, one statement per line:")
        for statement in split_graph(rep["sound_graph"]):
            click.echo("     " + statement)
        click.echo("\n3. split into segments (stream copy):\n" + shlex.join(cmds["split"]))
        click.echo("\n4. join the segments and mux the sound (stream copy):\n" + shlex.join(cmds["mux"]) + "\n")


def _print_layers(layers: dict | None) -> None:
    """Captions, overlays and voice-over over the reel (#18)."""
    if not layers:
        return
    z = layers["safe_zone"]
    click.echo(f"  layers (inside the safe zone top {z['top']:g} right {z['right']:g} bottom {z['bottom']:g} "
               f"left {z['left']:g}):")
    if layers["captions"]:
        click.echo(f"    captions: {layers['captions']['cues']} cue(s) -> {layers['captions']['ass']}")
    for o in layers["overlays"]:
        when = f"{o['start']:g}s -> " + (f"{o['end']:g}s" if o["end"] is not None else "end")
        text = f"  text {o['text']!r}" if o["text"] else ""
        click.echo(f"    overlay: {Path(o['image']).name} {o['anchor']} scale {o['scale']:g} "
                   f"opacity {o['opacity']:g} {when}{text}")
    if layers["voiceover"]:
        v = layers["voiceover"]
        click.echo(f"    voice-over: {Path(v['path']).name} from {v['start']:g}s at {v['volume']:+g} dB "
                   "(music ducks under it)")
