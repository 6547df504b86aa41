"""Render one output as cached segments: only what changed is encoded again.

The picture is cut into segments (:mod:`broll.assemble.segments`); each is keyed by the content
hash of everything that shapes it and looked up in the project's ``.broll/segments/``
(:mod:`broll.assemble.segment_cache`). The sound is one render over the whole programme
(loudness over the whole mix, ducking and the music bed across every join), cached under its
own key. The reel is the segments joined by stream copy (FFmpeg's concat demuxer) with the
sound muxed in, written atomically.

How missing segments are rendered (decided per build, see docs/scaling.md for the figures):

- **cold** (no segment cached) on the local executor: the single graph, as before, with an IDR
  frame forced at every segment start, then split at those frames by stream copy into the
  cache. On 2 cores this costs the same as the single graph (the x264 pool is already busy)
  and leaves every segment cached for the next rebuild.
- **some cached**, or any build on Ray: each missing segment is its own FFmpeg graph from the
  same builder (:func:`broll.assemble.plan.video_plan` over the segment's items, trimmed to
  their spans), run as executor tasks, ``x264 threads x workers <= cores``.

Every segment is encoded with the same settings (codec, CRF, preset, profile, level, GOP,
pixel format) and starts with an IDR frame in a closed GOP (x264's default), so any mix of
split and separately rendered segments concatenates into one valid stream.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from broll.assemble.plan import RenderPlan, video_plan
from broll.assemble.reel_record import record, reel_key, unchanged
from broll.assemble.segment_cache import SegmentCache
from broll.assemble.segments import Segment, plan_segments_seconds, segment_key, segment_timeline
from broll.atomic import atomic_path
from broll.errors import FFmpegError, InputError
from broll.file_memo import remembered, use_project
from broll.hashing import file_sha256, text_sha256
from broll.loudness import Loudness
from broll.media.ffmpeg import FFmpegProgress, ffmpeg_path, run_ffmpeg

DEFAULT_SEGMENT_SECONDS = Fraction(6)
AUDIO_KEY_VERSION = 1


@dataclass(frozen=True)
class SegmentReport:
    """What a segmented render did, for ``broll build --json``."""

    segments: int
    rendered: int
    reused: int
    mode: str                 # single-graph (cold, split into the cache) | segments | cached (nothing
                              # encoded, joined again) | unchanged (the reel on disk is already this one)
    audio: str                # rendered | reused
    workers: int = 1
    threads: int = 0          # x264 threads per segment render (0: x264's own choice, the single graph)
    executor: str = "local"
    joined: bool = True       # whether the segments were joined and muxed into the output this time

    @property
    def encoded(self) -> int:
        """Encodes this build ran: picture segments rendered, plus one when the sound was rendered."""
        return self.rendered + (self.audio == "rendered")

    def to_dict(self) -> dict:
        return {"segments": self.segments, "rendered": self.rendered, "reused": self.reused, "mode": self.mode,
                "audio": self.audio, "encoded": self.encoded, "joined": self.joined, "workers": self.workers,
                "x264_threads": self.threads, "executor": self.executor}


@dataclass(frozen=True)
class SegmentedResult:
    path: Path
    loudness: Optional[Loudness]
    seconds: float
    report: SegmentReport


def segment_seconds() -> Fraction:
    """Target segment length: ``$BROLL_SEGMENT_SECONDS`` (default 6)."""
    text = os.environ.get("BROLL_SEGMENT_SECONDS", "")
    if not text:
        return DEFAULT_SEGMENT_SECONDS
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        value = Fraction(0)
    if value <= 0:
        raise InputError(f"BROLL_SEGMENT_SECONDS={text} is not a positive number of seconds",
                         "unset it or give e.g. BROLL_SEGMENT_SECONDS=6")
    return value


@lru_cache(maxsize=4)
def _ffmpeg_version(path: str) -> str:
    def read() -> str:
        out = run_ffmpeg(["-version"], what="reading FFmpeg's version", capture_stdout=True)
        return out.splitlines()[0].strip() if out else path
    # remembered by the binary's stat in the project's file memo: no FFmpeg start per build
    return remembered(str(Path(path).resolve()), "ffmpeg-version", read)


def ffmpeg_version() -> str:
    return _ffmpeg_version(ffmpeg_path())


# -- which files shape a picture: sources, font, files named in filters (LUTs) ----------------

def _unescape_until(text: str, i: int, stops: str) -> tuple[str, int]:
    """One level of FFmpeg's backslash escaping removed, from ``i`` up to an unescaped stop."""
    out = []
    while i < len(text) and text[i] not in stops:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def _filter_files(text: str) -> list[str]:
    """Paths in ``file=`` options of a filter chain escaped for ``-filter_complex`` (two levels:
    the graph's, then the option's; see ``broll.filtergraph.opt``)."""
    found = []
    i = 0
    while i <= len(text):
        one, i = _unescape_until(text, i, ",;")      # one filter, graph level unescaped
        i += 1
        for m in re.finditer(r"(?:^|[:=])file=", one):
            found.append(_unescape_until(one, m.end(), ":")[0])
    return found


def timeline_files(tl) -> list[str]:
    files = {it.source.path for it in tl.items if it.source is not None}
    files.update(it.picture.path for it in tl.items if getattr(it, "picture", None) is not None)
    if tl.font:
        files.add(tl.font)
    for it in tl.items:
        files.update(_filter_files(it.video_filter))
    layers = getattr(tl, "layers", None)      # captions, overlays, voice-over (broll.assemble.layers)
    if layers is not None:
        files.update(o.path for o in layers.overlays)
        if layers.font_file:
            files.add(layers.font_file)
        if layers.voiceover is not None:
            files.add(layers.voiceover.path)
    return sorted(files)


def _hashed(args, hashes: dict[str, str]) -> list[str]:
    """argv with every known file replaced by its content hash (escaped forms too)."""
    from broll.filtergraph import opt
    forms = [(opt(path), path, f"sha256:{hashes[path]}") for path in sorted(hashes, key=len, reverse=True)]
    out = []
    for a in args:
        for escaped, path, digest in forms:
            if path in a or escaped in a:
                a = a.replace(escaped, digest).replace(path, digest)
        out.append(a)
    return out


# -- the plan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentJob:
    segment: Segment
    key: str
    plan: RenderPlan
    inputs: tuple[str, ...]


def _with_threads(job: SegmentJob, threads: int) -> SegmentJob:
    """The same segment encoded with ``threads`` x264 threads (its key does not change: the
    thread count is how the work is spread, not what the segment shows)."""
    from dataclasses import replace
    args = list(job.plan.output_args)
    args[args.index("-threads") + 1] = str(threads)
    return replace(job, plan=replace(job.plan, output_args=tuple(args)))


def threads_for(workers: int) -> int:
    from broll.executors import cores
    return max(1, cores() // max(1, workers))


def segment_jobs(tl, preset, x264_preset: str, hashes: dict[str, str], threads: int,
                 target_seconds: Fraction | None = None, edges: tuple[int, ...] = ()) -> list[SegmentJob]:
    """Every segment of ``tl`` with its key and its own graph (from the one builder); ``edges``:
    boundaries that must be there (see :func:`broll.assemble.segments.plan_segments`)."""
    version = ffmpeg_version()
    jobs = []
    for seg in plan_segments_seconds(tl, target_seconds or segment_seconds(), edges=edges):
        sub, spans = segment_timeline(tl, seg)
        plan = video_plan(sub, preset, x264_preset=x264_preset, spans=spans, frames=seg.frames,
                          extra_args=("-threads", str(threads)), start_frame=seg.start)
        if sub.layers is not None:
            sub.layers.write_files()       # this segment's own caption script (content-addressed)
        argv = [a for spec in plan.inputs for a in spec] + [plan.filter_complex, *plan.output_args[:-2]]
        # the key: the pure description of the segment's items (segments.segment_key) and the exact
        # graph and encoder arguments, files by content, so a change to the builder also misses
        key = segment_key(tl, seg, file_hashes=hashes, ffmpeg_version=version,
                          encoder={"argv": _hashed(argv, hashes)})
        inputs = tuple(sorted({it.source.path for it in sub.items if it.source is not None}
                              | {it.picture.path for it in sub.items if getattr(it, "picture", None) is not None}))
        jobs.append(SegmentJob(seg, key, plan, inputs))
    return jobs


def audio_key(audio_plan: RenderPlan, measure: Optional[tuple[str, ...]], hashes: dict[str, str]) -> str:
    argv = [a for spec in audio_plan.inputs for a in spec] + [audio_plan.filter_complex, *audio_plan.output_args]
    return text_sha256("audio", AUDIO_KEY_VERSION, ffmpeg_version(), _hashed(argv, hashes),
                       _hashed(list(measure or ()), hashes))


# -- running -------------------------------------------------------------------------------

def keyframe_args(starts: list[int]) -> tuple[str, ...]:
    """Force an IDR frame at each segment start (frame numbers of the output)."""
    if not starts:
        return ()
    return ("-force_key_frames", "expr:" + "+".join(f"eq(n,{s})" for s in starts))


def cold_picture(plan, segments: Optional[list[Segment]] = None) -> RenderPlan:
    """The single graph a cold local build runs: the plan's picture with an IDR frame forced at
    every segment start (``broll plan`` prints this command)."""
    segments = segments if segments is not None else list(plan_segments_seconds(plan.timeline, segment_seconds()))
    return video_plan(plan.timeline, plan.job.preset, x264_preset=plan.x264_preset,
                      extra_args=keyframe_args([s.start for s in segments[1:]]))


def split_argv(video: str, segments: list[Segment], pattern: str) -> list[str]:
    args = ["-y", "-i", video, "-map", "0:v:0", "-c", "copy", "-f", "segment", "-reset_timestamps", "1",
            "-segment_format", "mp4"]
    # cut only at the segment starts (the muxer's default would also cut every 2 s)
    args += ["-segment_frames", ",".join(str(s.start) for s in segments[1:]) or str(1 << 30)]
    return args + [pattern]


def split_into(video: Path, jobs: list[SegmentJob], cache: SegmentCache, *, fresh: bool) -> None:
    """Cut the single graph's picture at the segment starts by stream copy; store each piece."""
    from broll.media.probe import probe

    cache.folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".split.", dir=cache.folder))
    try:
        run_ffmpeg(split_argv(str(video), [j.segment for j in jobs], str(work / "piece%05d.mp4")),
                   what="splitting the picture into segments")
        for k, job in enumerate(jobs):
            piece = work / f"piece{k:05d}.mp4"
            count = probe(piece).frame_count if piece.is_file() else -1
            if count != job.segment.frames:
                raise FFmpegError(f"segment {k} split into {count} frames, expected {job.segment.frames}",
                                  hint="rebuild with --no-cache; if it persists, report it as a bug")
            target = cache.segment_path(job.key)
            if fresh or not cache.has(target):
                os.replace(piece, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def concat_list(paths: list[Path], where: Path) -> Path:
    lines = ["ffconcat version 1.0"]
    for p in paths:
        quoted = str(p.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    where.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def join_argv(listing: Path, audio: Path, output: Path) -> list[str]:
    return ["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
            "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart", str(output)]


def render_segmented(plan, *, project: Path, executor=None, use_cache: bool = True,
                     on_progress: Callable[[FFmpegProgress], None] | None = None,
                     target_seconds: Fraction | None = None, cold: str | None = None,
                     vary=None) -> SegmentedResult:
    """Render ``plan`` (an :class:`~broll.assemble.render.OutputPlan`) through the segment cache.

    ``use_cache=False`` (``--no-cache``) renders everything again and refreshes the entries.
    ``cold``: ``auto`` (single graph + split when nothing is cached and the executor is local),
    ``segments`` (always separate segment graphs), ``single`` (the single graph whenever every
    segment is missing). ``vary``: the frames where sibling variants differ
    (:class:`broll.assemble.variant_spans.VaryingSpans`), fenced in by segment boundaries.
    """
    from broll.assemble.render import relevant_tail, run_measure
    from broll.executors import get_executor

    started = time.perf_counter()
    cold = cold or os.environ.get("BROLL_SEGMENT_COLD", "auto")
    if cold not in ("auto", "single", "segments"):
        raise InputError(f"BROLL_SEGMENT_COLD={cold} is not one of auto, single, segments",
                         "unset it (auto: the single graph for cold local builds)")
    job, tl = plan.job, plan.timeline
    name = job.path.name
    tell = on_progress or (lambda p: None)
    total = float(tl.duration)
    cache = SegmentCache(project)
    cache.folder.mkdir(parents=True, exist_ok=True)
    use_project(project)                 # hashes, probes and the reel record: broll.file_memo
    executor = executor or get_executor("local")

    audio_plan = plan.audio_with(None)
    files = sorted(set(timeline_files(tl)) | _audio_files(audio_plan))
    hashes = {f: file_sha256(f) for f in files}
    a_key = audio_key(audio_plan, plan.measure, hashes)

    # picture: which segments are missing, and how to make them
    edges = ()
    if vary is not None and vary.fits(tl):
        from broll.assemble.variant_spans import fence_edges
        edges = tuple(fence_edges(tl, vary.spans))
    jobs = segment_jobs(tl, job.preset, plan.x264_preset, hashes, threads=1, target_seconds=target_seconds,
                        edges=edges)
    missing = [j for j in jobs if not (use_cache and cache.has(cache.segment_path(j.key)))]
    single = (len(missing) == len(jobs) > 0 and
              (cold == "single" or (cold == "auto" and executor.name == "local")))
    workers, threads = 1, 0
    if missing and not single:
        from broll.executors import cores
        workers = max(1, min(cores(), len(missing))) if executor.name == "local" else len(missing)
        threads = threads_for(workers) if executor.name == "local" else 1
        if threads != 1:
            missing = [_with_threads(j, threads) for j in missing]

    # sound: cached whole, or measured + rendered beside the picture
    audio_state: dict = {}
    audio_file = cache.audio_path(a_key)
    cached_audio, cached_loudness = cache.audio_loudness(a_key) if use_cache else (False, None)
    if cached_audio:
        audio_state["loudness"] = cached_loudness
    # nothing changed, every piece is cached and the reel on disk is the one we wrote: no join,
    # nothing encoded (broll.assemble.reel_record)
    whole_key = reel_key([j.key for j in jobs], a_key, join_argv(Path("segments"), Path("sound"), Path("reel")))
    if cached_audio and not missing and unchanged(job.path, whole_key):
        tell(FFmpegProgress(out_seconds=total, total_seconds=total, done=True))
        report = SegmentReport(segments=len(jobs), rendered=0, reused=len(jobs), mode="unchanged",
                               audio="reused", executor=executor.name, joined=False)
        return SegmentedResult(job.path, cached_loudness, time.perf_counter() - started, report)

    def sound() -> None:
        try:
            loudness = run_measure(list(plan.measure)) if plan.measure else None
            with atomic_path(audio_file) as tmp:
                run_ffmpeg(plan.audio_with(loudness).argv(str(tmp)), what=f"rendering the sound of {name}")
            cache.store_loudness(a_key, loudness)
            audio_state["loudness"] = loudness
        except BaseException as exc:  # handed to the main thread
            audio_state["error"] = exc

    worker = None
    if not cached_audio:
        worker = threading.Thread(target=sound, name="broll-audio", daemon=True)
        worker.start()
    try:
        try:
            if single:
                _render_single(plan, jobs, cache, fresh=not use_cache, on_progress=tell, total=total)
            elif missing:
                _render_segments(missing, cache, executor, workers, on_progress=tell, total=total, name=name)
            if worker is not None:
                worker.join()
            if "error" in audio_state:
                raise audio_state["error"]
            with atomic_path(job.path) as tmp:
                listing = concat_list([cache.segment_path(j.key) for j in jobs],
                                      tmp.with_name(tmp.name + ".ffconcat"))
                try:
                    run_ffmpeg(join_argv(listing, audio_file, tmp), what=f"joining the segments of {name}")
                finally:
                    listing.unlink(missing_ok=True)
            record(job.path, whole_key)
        except FFmpegError as exc:
            raise FFmpegError(f"rendering {name} failed; the previous file (if any) is untouched",
                              relevant_tail(exc.stderr_tail), "run `broll plan` to see the exact commands") from None
    finally:
        if worker is not None:
            worker.join(timeout=30)
    keep = frozenset({cache.segment_path(j.key).name for j in jobs} |
                     {audio_file.name, f"{a_key}.json"})
    cache.evict(keep=keep)
    tell(FFmpegProgress(out_seconds=total, total_seconds=total, done=True))
    rendered = len(missing) if not single else len(jobs)
    report = SegmentReport(segments=len(jobs), rendered=rendered, reused=len(jobs) - rendered,
                           mode="single-graph" if single else ("segments" if missing else "cached"),
                           audio="reused" if cached_audio else "rendered", workers=workers, threads=threads,
                           executor=executor.name)
    return SegmentedResult(job.path, audio_state.get("loudness"), time.perf_counter() - started, report)


def _audio_files(audio_plan: RenderPlan) -> set[str]:
    files = set()
    for spec in audio_plan.inputs:
        if "-i" in spec:
            files.add(spec[spec.index("-i") + 1])
    return files


def _render_single(plan, jobs: list[SegmentJob], cache: SegmentCache, *, fresh: bool,
                   on_progress: Callable[[FFmpegProgress], None], total: float) -> None:
    """The single graph (x264 on every core) with IDR frames at the segment starts, split into the cache."""
    from broll.media.long_args import spilled

    video = cold_picture(plan, [j.segment for j in jobs])
    fd, name = tempfile.mkstemp(prefix=".single.", suffix=".part.mp4", dir=cache.folder)
    os.close(fd)
    tmp = Path(name)
    try:
        with spilled(video.argv(str(tmp)), cache.folder) as argv:
            run_ffmpeg(argv, what=f"rendering {plan.job.path.name}", total_seconds=total, on_progress=on_progress)
        split_into(tmp, jobs, cache, fresh=fresh)
    finally:
        tmp.unlink(missing_ok=True)


def render_segment_task(task, report) -> dict:
    """Executor task: render one segment's graph into its cache entry, atomically (a killed
    render leaves only a temp file, swept later; the entry appears whole or not at all)."""
    from broll.media.long_args import spilled

    plan: RenderPlan = task.param("plan")
    target = Path(task.param("target"))
    total = float(plan.duration)
    on_progress = None
    if report is not None:
        on_progress = lambda p: report(min(1.0, p.out_seconds / total) if total else 0.0)  # noqa: E731
    with atomic_path(target) as tmp:
        with spilled(plan.argv(str(tmp)), target.parent) as argv:
            run_ffmpeg(argv, what=f"rendering {task.label}", total_seconds=total, on_progress=on_progress)
    return {"target": str(target), "frames": plan.frames}


def _render_segments(missing: list[SegmentJob], cache: SegmentCache, executor, workers: int, *,
                     on_progress: Callable[[FFmpegProgress], None], total: float, name: str) -> None:
    """Each missing segment as an executor task (a local process pool or Ray)."""
    from broll.executors import Input, Task

    hashes = {}
    tasks = []
    for job in missing:
        inputs = []
        for path in job.inputs:
            if path not in hashes:
                hashes[path] = Input.of(path)
            inputs.append(hashes[path])
        tasks.append(Task(render_segment_task, f"segment {job.segment.index} of {name}", tuple(inputs),
                          {"plan": job.plan, "target": str(cache.segment_path(job.key).resolve())}))

    def progress(done: float, count: int) -> None:
        on_progress(FFmpegProgress(out_seconds=total * done / max(1, count), total_seconds=total))

    if executor.name == "local" and getattr(executor, "workers", workers) != workers:
        from broll.executors import LocalExecutor
        executor = LocalExecutor(workers=workers, max_retries=executor.max_retries)
    for outcome in executor.run(tasks, on_progress=progress):
        outcome.unwrap()
