"""`broll export`: re-target a finished video to one or more platform presets."""

from __future__ import annotations

import click
from rich.markup import escape

from broll.cli.executor_opt import executor_option, make_executor
from broll.cli.output import console, emit_json, progress_bar


@click.command("export")
@click.argument("video", type=click.Path(dir_okay=False))
@click.option("--preset", "-p", "presets", multiple=True, required=True,
              help="Preset names or aliases, comma-separated (e.g. reels,square,youtube-1080p).")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), help="Folder for the outputs (default: beside the input).")
@click.option("--reframe", type=click.Choice(["subject", "center", "blur", "contain"]), default="subject",
              show_default=True, help="How a different aspect ratio is filled.")
@click.option("--strategy", type=click.Choice(["split", "separate"]), default=None,
              help="One FFmpeg process for all outputs (split, the measured faster) or one per output.")
@click.option("--trim-to-limit", is_flag=True, help="Cut outputs at the platform's maximum duration.")
@click.option("--file", "user_file", type=click.Path(exists=True, dir_okay=False),
              help="A YAML file of your own presets (also $BROLL_PRESETS).")
@click.option("--draft", is_flag=True, help="Encode with x264 superfast: same sizes and loudness, bigger files, much faster.")
@click.option("--guides", is_flag=True, help="Outline each preset's safe zone (where the platform's UI leaves the picture clear).")
@click.option("--dry-run", is_flag=True, help="Print the FFmpeg command(s) without rendering.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@executor_option
def export_command(video, presets, out_dir, reframe, strategy, trim_to_limit, user_file, draft, guides, dry_run, as_json,
                   executor="local"):
    """Write VIDEO once per preset as <name>-<preset>.mp4, sized, encoded and loudness-matched for each."""
    from pathlib import Path

    from broll.export import DEFAULT_STRATEGY, parse_preset_list, plan_export, run_export
    from broll.export.plan import commands
    from broll.media.ffmpeg import ffmpeg_path

    from broll.export.render import draft as draft_preset

    chosen = parse_preset_list(list(presets), user_file)
    if draft:
        chosen = [draft_preset(p) for p in chosen]
    strategy = strategy or DEFAULT_STRATEGY
    pool = make_executor(executor) if executor == "ray" and not dry_run else None
    if pool is not None:
        # one Ray task per preset, each reading the source from shared storage by absolute path
        strategy = "separate"
        out_dir = str(Path(out_dir or Path(video).parent).resolve())
        video = str(Path(video).resolve()) if Path(video).exists() else video
    err = console(stderr=True)
    source, targets = plan_export(video, chosen, out_dir, reframe=reframe, trim_to_limit=trim_to_limit,
                                  guides=guides)
    warnings = list(dict.fromkeys(w for t in targets for w in t.warnings))
    if not as_json:
        for w in warnings:
            err.print(f"[yellow]warning:[/] {escape(str(w))}")
    if dry_run:
        import shlex
        cmds = commands(source, [(t, t.output) for t in targets], strategy)
        if as_json:
            emit_json({"commands": [[ffmpeg_path(), *c] for c in cmds], "warnings": warnings})
        else:
            for c in cmds:
                click.echo(shlex.join([Path(ffmpeg_path()).name, *c]))
        return
    total = source.duration * (len(targets) if strategy == "separate" else 1)
    with progress_bar(f"exporting {Path(video).name}", total, enabled=not as_json) as update:
        if pool is None:
            results = run_export(source, targets, strategy=strategy, on_progress=update)
        else:
            from broll.executors.jobs import export_tasks
            import sys
            show = not as_json and sys.stderr.isatty()
            outcomes = pool.run(export_tasks(source, targets),
                                on_progress=(lambda done, n: update(done * source.duration)) if show else None)
            results = [r for o in outcomes for r in o.unwrap()]
    if as_json:
        emit_json({"input": str(source.path), "strategy": strategy, "outputs": results, "warnings": warnings})
        return
    out = console()
    for r in results:
        how = r.reframe
        if r.reframe == "subject" and r.confidence is None:
            how = "same shape: scaled, nothing to reframe"   # no crop axis, so no subject analysis ran
        elif r.confidence is not None:
            how = (f"subject, confidence {r.confidence:.2f}" + (f", widened {r.widened:.0%} of the time"
                                                               if r.widened else "")
                   if r.reframe == "subject" else
                   f"{r.reframe}: no confident subject ({r.confidence:.2f})")
        out.print(f"{escape(str(r.path))}  {r.width}x{r.height} {r.fps:g} fps {r.duration:.2f}s ({how})")
