"""Run an export: probe, measure loudness, analyse the subject once, render, verify.

Each output is written to a temp file beside it and renamed into place only when FFmpeg
succeeds, so a failed export never leaves a broken file and never destroys the last one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from broll.atomic import atomic_path
from broll.errors import InputError, MediaError, lookup
from broll.export.plan import DEFAULT_STRATEGY, STRATEGIES, ExportSource, ExportTarget, commands
from broll.media.ffmpeg import FFmpegProgress, has_filter, run_ffmpeg
from broll.media.long_args import spilled
from broll.media.loudness_scan import scan_loudness
from broll.media.probe import probe
from broll.reframe import REFRAME_MODES, crop_geometry
from broll.reframe.analyse import path_from_samples, track_subject
from broll.templates.presets import Preset


@dataclass
class ExportedFile:
    preset: str
    path: Path
    width: int
    height: int
    fps: float
    duration: float
    codec: str
    reframe: str                           # the mode that was rendered (subject, center, blur, contain)
    keyframes: int = 0
    warnings: list[str] = field(default_factory=list)
    confidence: float | None = None        # subject analysis: how sure it is of the subject (0..1)
    requested: str = ""                    # the mode asked for, when the analysis fell back from it
    widened: float | None = None           # subject crop: share of the time the window is wider than the
                                           # output's aspect (shown over a blurred fill: a wide subject)


def draft(preset: Preset) -> Preset:
    """The same preset encoded with x264 ``superfast``: a quick check of framing and timing."""
    return preset.model_copy(update={"video": preset.video.model_copy(update={"x264_preset": "superfast"})})


def output_name(source: Path, preset: Preset) -> str:
    return f"{source.stem}-{preset.name}.mp4"


def duration_warnings(duration: float, preset: Preset, trimmed: bool) -> list[str]:
    limit = preset.max_duration
    if not limit or duration <= limit + 1e-3:
        return []
    if trimmed:
        return [f"{preset.name}: cut to the platform limit of {limit:g} s (the input runs {duration:.1f} s)"]
    return [f"{preset.name}: the input runs {duration:.1f} s, over the platform limit of {limit:g} s; "
            f"the platform may reject or cut it (use --trim-to-limit)"]


def plan_export(source_path: str | os.PathLike, presets: list[Preset], out_dir: str | os.PathLike | None = None,
                *, reframe: str = "subject", trim_to_limit: bool = False, guides: bool = False) -> tuple[ExportSource, list[ExportTarget]]:
    """Probe and analyse; the result is everything the pure planner needs."""
    lookup({m: m for m in REFRAME_MODES}, "reframe mode", reframe)
    src = Path(source_path)
    if not src.exists():
        raise MediaError(f"{src}: no such file", "check the path")
    info = probe(src)
    if info.kind != "video" and not info.animated:     # an animated GIF/WebP exports like a clip
        raise MediaError(f"{src}: is {'a still image' if info.is_still else 'not a video'}; "
                         f"export re-targets a finished video", "put stills into an edit list and run broll build")
    folder = Path(out_dir) if out_dir else src.parent
    loudness = scan_loudness(src) if info.has_audio else None
    notes: list[str] = []
    tonemap = info.is_hdr and has_filter("zscale") and has_filter("tonemap")
    if info.is_hdr:
        notes.append(f"{src.name} is HDR ({info.color_transfer}): " +
                     ("tone-mapped to SDR BT.709 for these presets" if tonemap else
                      "this FFmpeg lacks zscale/tonemap, so colours will look washed out"))
    source = ExportSource(src, info, loudness, tonemap)

    paths = {}
    if reframe == "subject":
        geometries = {crop_geometry(info.width, info.height, p.width, p.height) for p in presets}
        moving = [g for g in geometries if g.axis]
        if moving:
            samples, cuts = track_subject(src)
            paths = {(g.crop_w, g.crop_h): path_from_samples(samples, cuts, g) for g in moving}

    targets = []
    for preset in presets:
        out = folder / output_name(src, preset)
        if out.resolve() == src.resolve():
            raise InputError(f"{out}: the output would overwrite the input", "pass -o DIR")
        g = crop_geometry(info.width, info.height, preset.width, preset.height)
        trim = preset.max_duration if trim_to_limit and preset.max_duration and \
            float(info.duration) > preset.max_duration else None
        warnings = tuple(notes + duration_warnings(float(info.duration), preset, trim is not None))
        path = paths.get((g.crop_w, g.crop_h))
        mode = reframe
        if path is not None and path.strategy != "subject":
            # no subject found with confidence: show the whole picture over a blurred fill, not a wrong crop
            mode = path.strategy
            warnings += (f"{preset.name}: no subject found with confidence ({path.confidence:.2f}); "
                         f"the whole picture is contained over a blurred fill",)
        targets.append(ExportTarget(preset, out, reframe=mode, crop_path=path if mode == "subject" else None,
                                    trim=trim, guides=guides, warnings=warnings,
                                    analysis=path))
    return source, targets


def _widened(target: ExportTarget) -> float | None:
    """Share of the output's time the subject window is widened (None without a subject crop)."""
    path = target.crop_path
    if path is None or target.reframe != "subject":
        return None
    return float(path.stats.get("widened", 0.0)) if path.widened else 0.0


def run_export(source: ExportSource, targets: list[ExportTarget], *, strategy: str = DEFAULT_STRATEGY,
               on_progress: Callable[[float], None] | None = None) -> list[ExportedFile]:
    """Render every target with ``strategy``; returns what was written, as probed afterwards."""
    lookup({s: s for s in STRATEGIES}, "export strategy", strategy)
    total = source.duration * (len(targets) if strategy == "separate" else 1)
    with contextlib.ExitStack() as stack:
        pairs = [(t, stack.enter_context(atomic_path(t.output))) for t in targets]
        done_before = 0.0
        for argv in commands(source, pairs, strategy):
            span = source.duration

            def report(p: FFmpegProgress, base=done_before) -> None:
                if on_progress:
                    on_progress(min(total, base + p.out_seconds))
            with spilled(argv, targets[0].output.parent) as args:
                run_ffmpeg(args, what=f"exporting {source.path.name}", total_seconds=span,
                           on_progress=report if on_progress else None)
            done_before += span
    results = []
    for t in targets:
        info = probe(t.output)
        keyframes = t.crop_path.stats.get("keyframes", 0) if t.crop_path is not None else 0
        a = t.analysis
        results.append(ExportedFile(t.preset.name, t.output, info.width, info.height, float(info.fps),
                                    float(info.duration), info.codec, t.reframe, keyframes, list(t.warnings),
                                    confidence=a.confidence if a is not None else None,
                                    requested="subject" if a is not None and t.reframe != "subject" else "",
                                    widened=_widened(t)))
    return results
