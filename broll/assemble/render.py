"""Run a plan: measure loudness (pass 1), render (pass 2) into a temp file, rename into place.

A failed or interrupted build never leaves a broken file at the output path and never
destroys the previous reel: FFmpeg writes ``.reel.PID-HOST.XXXX.part.mp4`` beside the target and
only a successful run is renamed over it (``broll.atomic``, which also sweeps the temp files of
builds killed outright).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from broll.assemble.plan import RenderPlan, measure_argv, mux_argv, needs_loudness_pass, split_plans
from broll.assemble.editlist import EditList
from broll.assemble.resolve import OutputJob, resolve_timeline
from broll.atomic import atomic_path
from broll.errors import FFmpegError
from broll.loudness import Loudness, parse_loudnorm
from broll.media.ffmpeg import FFmpegProgress, run_ffmpeg
from broll.media.long_args import spilled
from broll.templates.presets import Preset

PREVIEW_HEIGHT = 360
PREVIEW_FPS = "15"


@dataclass(frozen=True)
class RenderResult:
    """What one render run adds to its plan: where it landed, pass 1's figures, how long it took."""
    path: Path
    loudness: Optional[Loudness]
    seconds: float


def run_measure(argv: list[str]) -> Loudness:
    stderr = run_ffmpeg(argv, what="measuring loudness", loglevel="info")
    try:
        return parse_loudnorm(stderr)
    except (ValueError, KeyError) as exc:
        raise FFmpegError(f"loudness measurement gave no result ({exc})") from None


@dataclass(frozen=True)
class OutputPlan:
    """Exactly what the build runs for one output, before it runs.

    ``job.timeline`` is final (gates, style and subject crops applied); the picture and the sound
    run side by side as ``video`` and ``audio``, the sound's loudnorm taking the figures that
    ``measure`` (pass 1) prints; a stream-copy mux joins them.
    """
    job: OutputJob
    video: RenderPlan
    audio: RenderPlan
    measure: Optional[tuple[str, ...]]
    x264_preset: str

    @property
    def timeline(self):
        return self.job.timeline

    def audio_with(self, loudness: Optional[Loudness]) -> RenderPlan:
        """The sound plan with pass 1's figures filled in."""
        return split_plans(self.timeline, self.job.preset, loudness=loudness, x264_preset=self.x264_preset)[1]

    def mux_argv(self, video: str, audio: str, output: str) -> list[str]:
        return mux_argv(video, audio, output)


def plan_output(job: OutputJob, *, x264_preset: str | None = None) -> OutputPlan:
    """Subject crops on (once), then the split picture and sound plans the build runs."""
    from broll.reframe.timeline import with_subject_crops
    job = replace(job, timeline=with_subject_crops(job.timeline))
    x264 = x264_preset or job.preset.video.x264_preset
    if job.timeline.layers is not None:
        job.timeline.layers.write_files()      # the captions' .ass the picture graph reads (#18)
    video, audio = split_plans(job.timeline, job.preset, x264_preset=x264)
    measure = tuple(measure_argv(job.timeline)) if needs_loudness_pass(job.timeline) else None
    return OutputPlan(job=job, video=video, audio=audio, measure=measure, x264_preset=x264)


def render(job: OutputJob, *, x264_preset: str | None = None,
           on_progress: Callable[[FFmpegProgress], None] | None = None) -> RenderResult:
    """Plan and render one output (see :func:`render_output`)."""
    return render_output(plan_output(job, x264_preset=x264_preset), on_progress=on_progress)


def render_output(plan: OutputPlan, *, on_progress: Callable[[FFmpegProgress], None] | None = None) -> RenderResult:
    """Render one planned output: the picture in one FFmpeg process while the sound is measured and
    rendered in another, then a stream-copy mux into a temp file renamed onto the output."""
    import threading

    started = time.perf_counter()
    job = plan.job
    name = job.path.name
    audio_state: dict = {}

    with atomic_path(job.path) as tmp:
        video_tmp = tmp.with_name(tmp.name + ".video.mp4")
        audio_tmp = tmp.with_name(tmp.name + ".audio.m4a")

        def sound() -> None:
            try:
                loudness = run_measure(list(plan.measure)) if plan.measure else None
                run_ffmpeg(plan.audio_with(loudness).argv(str(audio_tmp)), what=f"rendering the sound of {name}")
                audio_state["loudness"] = loudness
            except BaseException as exc:  # handed to the main thread
                audio_state["error"] = exc

        worker = threading.Thread(target=sound, name="broll-audio", daemon=True)
        worker.start()
        try:
            with spilled(plan.video.argv(str(video_tmp)), job.path.parent) as argv:   # long crop paths via a file
                run_ffmpeg(argv, what=f"rendering {name}", total_seconds=float(plan.video.duration),
                           on_progress=on_progress or (lambda p: None))
            worker.join()
            if "error" in audio_state:
                raise audio_state["error"]
            run_ffmpeg(plan.mux_argv(str(video_tmp), str(audio_tmp), str(tmp)), what=f"muxing {name}")
        except FFmpegError as exc:
            raise FFmpegError(f"rendering {name} failed; the previous file (if any) is untouched",
                              relevant_tail(exc.stderr_tail), "run `broll plan` to see the exact commands") from None
        finally:
            worker.join(timeout=30)
            for part in (video_tmp, audio_tmp):
                part.unlink(missing_ok=True)
    return RenderResult(path=job.path, loudness=audio_state.get("loudness"), seconds=time.perf_counter() - started)


# FFmpeg's knock-on lines after the real failure: they say nothing about the cause
_CONSEQUENCES = ("Task finished with error code", "Terminating thread with return code", "Could not open encoder",
                 "Nothing was written into output file", "Error reinitializing filters", "Conversion failed")


def relevant_tail(tail: str, limit: int = 6) -> str:
    lines = [ln if len(ln) <= 240 else ln[:237] + "..." for ln in tail.splitlines()
             if ln.strip() and not any(c in ln for c in _CONSEQUENCES)]
    return "\n".join(lines[-limit:])


def preview_preset(preset: Preset) -> Preset:
    """A fast low-resolution proxy: short side 360 px, 15 fps, x264 ultrafast."""
    factor = PREVIEW_HEIGHT / min(preset.width, preset.height)
    return preset.scaled(min(1.0, factor), fps=PREVIEW_FPS, crf=28, x264_preset="ultrafast")


def preview_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.preview{path.suffix}")


def preview_jobs(edit: EditList, jobs: list[OutputJob]) -> list[OutputJob]:
    """One proxy per distinct output, written beside it as ``NAME.preview.mp4``."""
    out = []
    for job in jobs:
        small = preview_preset(job.preset)
        out.append(OutputJob(path=preview_path(job.path), preset=small,
                             timeline=resolve_timeline(edit, small, reframe=job.reframe, output=job.path.name),
                             reframe=job.reframe))
    return out
