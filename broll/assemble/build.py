"""The one build sequence: validate, resolve, review gate, QC gate, style, plan, render, OTIO.

``broll build``, ``broll demo`` and ``broll plan`` all come through here (``plan`` stops after
:func:`plan_build`), so what the CLI renders, what ``broll.build()`` renders and what the plan
prints are the same by construction. Nothing here prints: the caller gets :class:`Progress`
events and a :class:`BuildResult`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional, Sequence

from broll.assemble.editlist import EditList
from broll.assemble.render import OutputPlan, plan_output, preview_jobs, render_output
from broll.assemble.resolve import OutputJob, validate_edit_list
from broll.assemble.stages import StageReport, apply_style, qc_gate, review_gate
from broll.errors import BrollError, InputError
from broll.loudness import Loudness
from broll.media.probe import MediaInfo

STAGES = ("generate", "check", "grade", "review")    # where --until may stop a build


@dataclass(frozen=True)
class Progress:
    """One step of a build, for a progress display.

    ``stage`` is validate | review | qc | style | plan | render | otio; while rendering,
    ``output`` names the file and ``done`` / ``total`` are seconds of the reel written / in all.
    """
    stage: str          # also generate | check (broll.pipeline), before validate's media pass
    message: str
    output: Optional[str] = None
    done: float = 0.0
    total: float = 0.0


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class BuildPlan:
    """Everything up to the render: the validated edit list, the stages' report and, per output,
    the exact FFmpeg plans the render runs (what ``broll plan`` prints)."""
    edit: EditList
    outputs: tuple[OutputPlan, ...]
    stages: StageReport
    timings: dict[str, float]
    shots: object = None                     # broll.pipeline.front.ShotsReport with a generate: section


@dataclass(frozen=True)
class BuiltOutput:
    """One rendered file, with the probe of what landed on disk."""
    path: Path
    preset: str
    width: int
    height: int
    fps: Fraction
    frames: int
    duration: Fraction
    probe: Optional[MediaInfo]               # None when nothing was rendered (``render=False``)
    loudness: Optional[Loudness]             # pass 1's figures; None without sound to normalise
    render_seconds: float
    otio: Optional[Path] = None
    timeline: object = field(default=None, repr=False, compare=False)   # the Timeline rendered
    segments: Optional[dict] = None          # segments rendered/reused (broll.assemble.segmented)

    def to_dict(self) -> dict:
        return {"path": str(self.path), "preset": self.preset, "width": self.width, "height": self.height,
                "fps": float(self.fps), "frames": self.frames, "duration": float(self.duration),
                "measured_lufs": None if self.loudness is None else self.loudness.integrated,
                "render_seconds": round(self.render_seconds, 3),
                "probed_frames": None if self.probe is None else self.probe.frame_count,
                "otio": None if self.otio is None else str(self.otio), "segments": self.segments,
                "reframe": self.framing()}

    def framing(self) -> list[dict]:
        """Per item that followed a subject (``reframe: subject|auto`` on a cover crop): how, and how
        sure. ``strategy`` ``blur`` is the honest fallback: the whole picture over a blurred fill."""
        if self.timeline is None:
            return []
        return [{"item": it.label, "strategy": it.framing[0], "confidence": it.framing[1], "widened": it.framing[2]}
                for it in self.timeline.items if it.framing]


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did: the outputs (with probes), the stages' reports, timings, warnings."""
    edit_list: Path
    outputs: tuple[BuiltOutput, ...]
    stages: StageReport
    timings: dict[str, float]                # seconds per stage (render:<file> per output)
    warnings: tuple[str, ...]
    preview: bool = False
    shots: object = None                     # broll.pipeline.front.ShotsReport: takes used, cost
    until: Optional[str] = None              # the stage the build stopped after (--until), if any

    @property
    def ok(self) -> bool:
        return all(o.probe is None or o.probe.frame_count == o.frames for o in self.outputs)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "edit_list": str(self.edit_list), "preview": self.preview,
                "outputs": [o.to_dict() for o in self.outputs], "stages": self.stages.to_dict(),
                "timings": {k: round(v, 3) for k, v in self.timings.items()}, "warnings": list(self.warnings),
                "shots": None if self.shots is None else self.shots.to_dict(), "until": self.until}

    def __str__(self) -> str:
        lines = [f"built {len(self.outputs)} output(s) from {self.edit_list} "
                 f"in {sum(v for k, v in self.timings.items()):.1f} s"]
        for o in self.outputs:
            lines.append(f"  {o.path}  {o.width}x{o.height} @ {float(o.fps):g} fps, {o.frames} frames "
                         f"({float(o.duration):.3f} s)" + (f", otio {o.otio}" if o.otio else ""))
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _select(edit: EditList, jobs: list[OutputJob], outputs: Optional[Sequence[str | os.PathLike]]) -> list[OutputJob]:
    """The outputs asked for, by path as written, resolved path or file name."""
    if outputs is None:
        return jobs
    chosen = []
    for want in outputs:
        text = str(want)
        match = [job for job, target in zip(jobs, edit.output)
                 if text in (target.path, str(job.path), job.path.name)
                 or Path(text).resolve() == job.path.resolve()]
        if not match:
            names = ", ".join(t.path for t in edit.output)
            raise InputError(f"{edit.source}: no output {text!r}", f"the edit list's outputs are: {names}")
        chosen += [j for j in match if j not in chosen]
    return chosen


def plan_build(edit_list: str | os.PathLike, *, outputs: Optional[Sequence[str | os.PathLike]] = None,
               preview: bool = False, progress: Optional[ProgressCallback] = None,
               enforce_review: bool = True, style: bool = True, variables: Optional[dict] = None,
               generate: bool = False, until: Optional[str] = None) -> BuildPlan:
    """The planning half of :func:`build`: validate, resolve, gates, style, plans. Renders nothing.

    ``enforce_review=False`` (``broll plan``) reports a ``review: required`` refusal as a warning
    instead of raising, so the plan can still be read before the clips are approved.
    ``generate`` runs a ``generate:`` section's generate and check stages first (broll.pipeline);
    ``until="generate"|"check"`` stops after them.
    """
    tell = progress or (lambda p: None)
    say = lambda msg, stage: tell(Progress(stage, msg))  # noqa: E731
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock
        clock = now

    say(f"validating {edit_list}", "validate")
    _remember_files(edit_list)
    prepare = None
    if generate:      # called only for an edit list with a generate: section or shot: items
        def prepare(e):
            from broll.pipeline.front import prepare_shots
            return prepare_shots(e, generate=True, until=until, say=lambda st, m: say(m, st))
    edit, jobs = validate_edit_list(edit_list, variables, prepare=prepare)
    shots = edit._shots
    if until in ("generate", "check"):
        lap("validate")
        _split_generation(timings, shots)
        report = StageReport(warnings=list(shots.warnings) if shots else [])
        return BuildPlan(edit=edit, outputs=(), stages=report, timings=timings, shots=shots)
    jobs = _select(edit, jobs, outputs)
    if preview:
        jobs = preview_jobs(edit, jobs)
    lap("validate")
    report = StageReport(warnings=list(shots.warnings) if shots else [])
    try:
        review_gate(edit, jobs)
    except BrollError as exc:
        if enforce_review:
            raise
        report.warnings.append(f"build will stop here: {exc.message}")
    lap("review")
    jobs = qc_gate(edit, jobs, report, lambda msg: say(msg, "qc"))
    lap("qc")
    if style:
        jobs = apply_style(edit, jobs, report, lambda msg: say(msg, "style"))
        lap("style")
    jobs = _motion_pictures(edit, jobs)
    planned = []
    for job in jobs:
        say(f"planning {job.path.name}", "plan")
        planned.append(plan_output(job))
    lap("plan")
    _split_generation(timings, shots)
    return BuildPlan(edit=edit, outputs=tuple(planned), stages=report, timings=timings, shots=shots)


def _remember_files(edit_list) -> None:
    """Content hashes and probes come from the project's file memo when the files did not change."""
    from broll.file_memo import use_project
    from broll.project import project_root_for
    use_project(project_root_for(getattr(edit_list, "source", edit_list)))


def _split_generation(timings: dict[str, float], shots) -> None:
    """The generate and check stages ran inside validation: give them their own timings."""
    for name, seconds in (shots.timings.items() if shots is not None else ()):
        timings[name] = seconds
        timings["validate"] = max(0.0, timings.get("validate", 0.0) - seconds)


def _motion_pictures(edit: EditList, jobs: list[OutputJob]) -> list[OutputJob]:
    """``retime: motion`` clips take their picture from a cached flow pre-render (issue 20)."""
    from dataclasses import replace as _replace

    from broll.assemble.motion import attach_pictures
    from broll.project import project_root_for
    root = Path(project_root_for(edit.source))
    return [_replace(job, timeline=attach_pictures(job.timeline, root)) for job in jobs]


def otio_path_for(target: str | os.PathLike, output: Path, count: int) -> Path:
    """Where one output's timeline goes: ``target`` itself for a single output, else
    ``<target stem>.<output stem>.otio`` beside it."""
    target = Path(target)
    if count == 1:
        return target
    return target.with_name(f"{target.stem}.{output.stem}{target.suffix or '.otio'}")


def write_output_otio(plan: OutputPlan, target: Path, name: str) -> Path:
    """The timeline that was rendered (after the gates and the style), as OpenTimelineIO."""
    from broll.export.otio_model import build_timeline, items_from_timeline, write_otio
    tl = plan.timeline
    items, music = items_from_timeline(tl)
    return write_otio(target, build_timeline(name, items, tl.fps, music))


def build(edit_list: str | os.PathLike, *, outputs: Optional[Sequence[str | os.PathLike]] = None,
          progress: Optional[ProgressCallback] = None, preview: bool = False,
          otio: str | os.PathLike | bool | None = None, render: bool = True,
          cache: bool = True, executor: Optional[str] = None, segmented: bool = True,
          variables: Optional[dict] = None, until: Optional[str] = None, vary: Optional[dict] = None) -> BuildResult:
    """Build the reel(s) an edit list describes; the same sequence as ``broll build``.

    ``outputs`` picks some of the edit list's outputs (by path or file name; default all);
    ``preview`` renders the fast 360p proxies; ``otio`` also writes each rendered timeline as
    OpenTimelineIO (a path, or True for ``<output>.otio`` beside each output); ``render=False``
    stops after the gates (with ``otio``: the timeline only); ``variables`` override the edit list's
    ``vars:`` (``--set``). ``edit_list`` may be a path or a loaded ``EditList``. Raises ``BrollError`` subclasses.

    The picture renders through the project's segment cache (``.broll/segments/``): a rebuild
    encodes only the segments that changed. ``cache=False`` renders every segment again;
    ``executor`` (``local``/``ray``, default ``$BROLL_EXECUTOR``) runs segment renders;
    ``segmented=False`` renders one graph per output and caches nothing.
    A ``generate:`` section's shots are generated and checked first (only what is missing);
    ``until`` stops after generate | check | grade | review.
    ``vary`` (``--variants``): per output path, the frames where sibling variants differ, which the
    segments fence in (:mod:`broll.assemble.variant_spans`).
    """
    if until is not None and until not in STAGES:
        raise InputError(f"unknown stage {until!r} for until", "valid: " + ", ".join(STAGES))
    tell = progress or (lambda p: None)
    render = render and until is None
    planned = plan_build(edit_list, outputs=outputs, preview=preview, progress=progress,
                         style=render or until in ("grade", "review"), generate=True, until=until,
                         enforce_review=until != "grade", variables=variables)
    timings = dict(planned.timings)
    built = []
    for plan in planned.outputs:
        job, tl = plan.job, plan.timeline
        name = job.path.name
        total = float(tl.duration)
        result = None
        info = None
        if render:
            started = time.perf_counter()
            from broll.assemble.motion import render_pictures      # flow pre-renders not cached yet (issue 20)
            render_pictures(tl, lambda msg, name=name: tell(Progress("render", msg, name, 0.0, total)))
            tell(Progress("render", f"rendering {name}", name, 0.0, total))
            show = lambda p, name=name: tell(  # noqa: E731
                Progress("render", f"rendering {name}", name, min(p.out_seconds, total), total))
            if segmented:
                result = _render_cached(plan, planned.edit, cache=cache, executor=executor, on_progress=show,
                                        vary=(vary or {}).get(job.path))
            else:
                result = render_output(plan, on_progress=show)
            from broll.media.probe import probe
            info = probe(job.path)
            from broll.assemble.framemap import write_frame_map    # repeated/interpolated frames, for QC (issue 20)
            write_frame_map(job.path, tl)
            tell(Progress("render", f"built {name}", name, total, total))
            timings[f"render:{name}"] = time.perf_counter() - started
        written = None
        if otio:
            started = time.perf_counter()
            target = job.path.with_suffix(".otio") if otio is True else otio_path_for(otio, job.path, len(planned.outputs))
            tell(Progress("otio", f"writing {target.name}", name))
            written = write_output_otio(plan, target, Path(planned.edit.source).stem)
            timings["otio"] = timings.get("otio", 0.0) + time.perf_counter() - started
        built.append(BuiltOutput(path=job.path, preset=job.preset.name, width=tl.width, height=tl.height,
                                 fps=tl.fps, frames=tl.frames, duration=tl.duration, probe=info,
                                 loudness=result.loudness if result else None,
                                 render_seconds=result.seconds if result else 0.0, otio=written, timeline=tl,
                                 segments=getattr(result, "report", None) and result.report.to_dict()))
    from broll.file_memo import save
    save()
    return BuildResult(edit_list=Path(planned.edit.source), outputs=tuple(built), stages=planned.stages,
                       timings=timings, warnings=tuple(planned.stages.warnings), preview=preview,
                       shots=planned.shots, until=until)


def _render_cached(plan: OutputPlan, edit: EditList, *, cache: bool, executor: Optional[str], on_progress,
                   vary=None):
    """One output through the segment cache of the edit list's project (broll.assemble.segmented)."""
    from broll.assemble.segmented import render_segmented
    from broll.executors import get_executor
    from broll.project import project_root_for
    pool = get_executor(executor)
    try:
        return render_segmented(plan, project=project_root_for(edit.source), executor=pool, use_cache=cache,
                                on_progress=on_progress, vary=vary)
    finally:
        close = getattr(pool, "close", None)
        if close is not None:
            close()


__all__ = ["BuildPlan", "BuildResult", "BuiltOutput", "Progress", "build", "plan_build"]
