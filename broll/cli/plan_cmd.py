"""`broll plan edit.yaml`: the resolved timeline and the FFmpeg command, without rendering."""

from __future__ import annotations

from fractions import Fraction

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
        })
    return rows


@click.command("plan")
@click.argument("edit_list", type=click.Path(dir_okay=False))
@click.option("--preview", is_flag=True, help="Plan the low-resolution proxy instead.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plan_command(edit_list: str, preview: bool, as_json: bool) -> None:
    """Print each item's place on the reel and the FFmpeg command that would render it."""
    from pathlib import Path

    from broll.assemble.plan import needs_loudness_pass, split_graph
    from broll.assemble.render import plan_for, preview_jobs
    from broll.assemble.resolve import validate_edit_list
    from broll.media.ffmpeg import ffmpeg_path

    from broll.assemble.stages import apply_style, StageReport

    edit, jobs = validate_edit_list(edit_list)
    if preview:
        jobs = preview_jobs(edit, jobs)
    jobs = apply_style(edit, jobs, StageReport(), lambda _: None)   # LUTs are cached: `build` reuses them
    report = []
    for job in jobs:
        tl = job.timeline
        x264 = job.preset.video.x264_preset
        plan = plan_for(job, x264_preset=x264)     # with subject crops, exactly what build runs
        report.append({"output": str(job.path), "preset": job.preset.name, "width": tl.width, "height": tl.height,
                       "fps": float(tl.fps), "frames": tl.frames, "duration": float(tl.duration),
                       "audio_samples": tl.samples, "loudness_pass": needs_loudness_pass(tl),
                       "items": timeline_rows(tl), "argv": [ffmpeg_path(), *plan.argv(str(job.path))],
                       "filter_complex": plan.filter_complex})
    if as_json:
        emit_json(report)
        return
    for job, rep in zip(jobs, report):
        tl = job.timeline
        click.echo(f"{rep['output']}  {job.preset.name} {tl.width}x{tl.height} @ {float(tl.fps):g} fps, "
                  f"{tl.frames} frames = {format_timecode(tl.duration)}")
        for row in rep["items"]:
            tr = row["transition"]
            into = "cut" if tr["type"] == "cut" else f"{tr['type']} {tr['seconds']:.3f}s ({tr['frames']}f)"
            trim = f"  in {row['in']:.3f} out {row['out']:.3f}" if row["kind"] == "clip" else ""
            speed = f"  x{row['speed']:g}" if row["speed"] != 1 else ""
            click.echo(f"  {row['index']:>3}  {format_timecode(row['start'])} -> {format_timecode(row['end'])}  "
                      f"{row['frames']:>5}f  {row['kind']:<5}  {Path(str(row['what'])).name if row['kind'] != 'title' else repr(row['what'])}"
                      f"{trim}{speed}  <- {into}")
        if rep["loudness_pass"]:
            click.echo(f"  loudness: two-pass loudnorm to {tl.loudness:g} LUFS (pass 1 measures the audio graph)")
        click.echo("\nFFmpeg command (one graph; `build` runs its picture and its sound as two processes side by side and muxes them, with the measured loudness filled in):")
        import shlex
        click.echo(shlex.join(rep["argv"]))
        click.echo("\nFilter graph, one statement per line:")
        for statement in split_graph(rep["filter_complex"]):
            click.echo("  " + statement)
        click.echo("")
