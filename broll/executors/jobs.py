"""The task functions: thin adapters from a :class:`Task` to broll's public stage APIs.

Each is module-level (pickled by reference, imported on the worker) and calls only the stages'
public functions (``broll.qc.check``, ``broll.grading.match``, the graded-copy writer, the
export renderer), so the stages stay unaware of where they run. Results are plain data (the
stage's own ``to_dict()`` shapes); the caches the stages write (QC reports, grade LUTs in
``.broll/``) are what make a rerun after a crash cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from broll.executors.work import Input, Report, Task


def check_clip(task: Task, report: Optional[Report]) -> dict:
    """QC one clip (``broll check``): its report as a dict, whether it came from the cache, its sheet."""
    from broll.qc import check

    clip = task.inputs[0].path
    on_frame = None
    if report is not None:
        from broll.media.probe import probe
        frames = max(1, probe(clip).frame_count or 1)
        on_frame = lambda n: report(n / frames)  # noqa: E731
    profile, cache_root, sheet_dir = task.param("profile", "default"), task.param("cache_root"), task.param("sheet_dir")
    sheet = None
    if sheet_dir:
        from broll.qc.sheet import write_sheet
        result, signals = check(clip, profile, cache_root, on_frame=on_frame, with_signals=True)
        sheet = str(write_sheet(result, signals, clip, sheet_dir))
    else:
        result = check(clip, profile, cache_root, on_frame=on_frame)
    return {"report": result.to_dict(), "cached": bool(result.cached), "sheet": sheet}


def check_tasks(clips, profile, cache_root, sheet_dir=None) -> list[Task]:
    """One check task per clip; the clip's hash is taken here, once, by the driver."""
    root = str(Path(cache_root).resolve()) if cache_root is not None else None
    sheets = str(Path(sheet_dir).resolve()) if sheet_dir else None
    return [Task(check_clip, str(c), (Input.of(c),), {"profile": profile, "cache_root": root, "sheet_dir": sheets})
            for c in clips]


def grade_clip(task: Task, report: Optional[Report]) -> dict:
    """Fit one clip to the reference (``broll grade``) and, given ``output``, write its graded copy."""
    from broll.grading import match

    clip, reference = task.inputs[0].path, task.inputs[1].path
    result = match(clip, reference, method=task.param("method"), strength=task.param("strength"),
                   cache_root=task.param("cache_root"))
    output = task.param("output")
    if report is not None:
        report(0.5 if output else 1.0)
    written = None
    if output:
        from broll.grading.render import write_graded_copy
        on_progress = None
        if report is not None:
            on_progress = lambda p: report(0.5 + 0.5 * (p.fraction or 0.0))  # noqa: E731
        written = str(write_graded_copy(result, output, on_progress=on_progress, apply=task.param("apply", "exact")))
    return {"result": result.to_dict(), "written": written}


def grade_tasks(clips, reference, *, method: str, strength: float, cache_root, out_dir, lut_only: bool,
                apply: str) -> list[Task]:
    ref = Input.of(reference)
    root = str(Path(cache_root).resolve())
    out = Path(out_dir).resolve()
    return [Task(grade_clip, str(c), (Input.of(c), ref),
                 {"method": method, "strength": strength, "cache_root": root, "apply": apply,
                  "output": None if lut_only else str(out / Path(c).name)})
            for c in clips]


def export_target(task: Task, report: Optional[Report]) -> list:
    """Render one export preset from an already-analysed source (``broll export --executor ray``)."""
    from broll.export import run_export

    source, target = task.param("source"), task.param("target")
    on_progress = None
    if report is not None:
        on_progress = lambda seconds: report(seconds / max(source.duration, 1e-9))  # noqa: E731
    return run_export(source, [target], strategy="split", on_progress=on_progress)


def export_tasks(source, targets) -> list[Task]:
    """One task per preset: the source is probed and analysed once, by the driver."""
    src = Input.of(source.path)
    return [Task(export_target, f"{Path(source.path).name} -> {t.preset.name}", (src,),
                 {"source": source, "target": t}) for t in targets]
