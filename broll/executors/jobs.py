"""The task functions and, beside each, the driver's side: which tasks to run, and what to keep.

Workers only compute and write the user's outputs (graded copies, contact sheets, exports).
Every cache read and write happens here, in the driver: it looks each clip up in the project's
content-addressed caches before any task is made (a cached clip costs no task), and stores each
result the moment its task ends (``adopt``), so a run killed halfway keeps everything finished.
One writer also suits SQLite, whose WAL mode needs every writer on one host: workers on other
nodes never open ``.broll/project.db``.

Task functions are module-level (pickled by reference, imported on the worker) and call only
the stages' public functions (``broll.qc.check``, ``broll.grading.match``, the graded-copy
writer, the export renderer), so the stages stay unaware of where they run.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Optional

from broll.errors import BrollError
from broll.executors.work import Input, Outcome, Report, Task, TaskFailed


# -- broll check -------------------------------------------------------------------------------

def check_clip(task: Task, report: Optional[Report]) -> dict:
    """QC one clip with no cache (the driver keeps it): its report as a dict, and its sheet."""
    from broll.qc import check

    clip = task.inputs[0].path
    on_frame = None
    if report is not None:
        from broll.media.probe import probe
        frames = max(1, probe(clip).frame_count or 1)
        on_frame = lambda n: report(n / frames)  # noqa: E731
    profile, sheet_dir, dump = task.param("profile", "default"), task.param("sheet_dir"), task.param("dump")
    sheet = None
    if sheet_dir or dump:
        result, signals = check(clip, profile, None, on_frame=on_frame, with_signals=True)
        if sheet_dir:
            from broll.qc.sheet import write_sheet
            sheet = str(write_sheet(result, signals, clip, sheet_dir))
        if dump:
            from broll.qc.dump import write_signals_csv
            write_signals_csv(signals, Path(dump))
    else:
        result = check(clip, profile, None, on_frame=on_frame)
    return {"report": result.to_dict(), "sheet": sheet}


def _dump_target(dump_path: str, clip: str, count: int) -> str:
    """``--dump-signals``: that file for one clip named *.csv, else DIR/<clip name>.signals.csv."""
    if count == 1 and dump_path.lower().endswith(".csv"):
        return str(Path(dump_path).resolve())
    return str((Path(dump_path) / f"{Path(clip).name}.signals.csv").resolve())


class CheckRun:
    """``broll check`` over many clips: cache lookups, tasks for the misses, results in clip order."""

    def __init__(self, clips, profile, cache_root, sheet_dir=None, dump_path=None):
        from broll.qc import QC_VERSION, load_profile

        self.clips = [str(c) for c in clips]
        self.profile = load_profile(profile)
        # the cache lives in each clip's project: a path for all, or a function of the clip
        self._root_for = cache_root if callable(cache_root) else (lambda clip: cache_root)
        self.version = QC_VERSION
        self.results: dict[int, tuple] = {}        # clip index -> (report dict, cached, sheet) | BrollError
        self.tasks: list[Task] = []
        self._task_clip: list[int] = []
        self._inputs: dict[int, Input] = {}
        sheets = str(Path(sheet_dir).resolve()) if sheet_dir else None
        for i, clip in enumerate(self.clips):
            try:
                inp = self._inputs[i] = Input.of(clip)
            except BrollError as exc:
                self.results[i] = exc
                continue
            dump = _dump_target(dump_path, clip, len(self.clips)) if dump_path else None
            hit = self._lookup(clip, inp) if not (sheets or dump) else None   # sheets and dumps need the signals
            if hit is not None:
                self.results[i] = (hit, True, None)
                continue
            self._task_clip.append(i)
            self.tasks.append(Task(check_clip, clip, (inp,), {"profile": self.profile, "sheet_dir": sheets,
                                                              "dump": dump}))

    def _lookup(self, clip: str, inp: Input) -> Optional[dict]:
        root = self._root_for(clip)
        if root is None:
            return None
        from broll.qc import cache
        return cache.load(root, inp.sha256, self.profile.digest, self.version)

    def adopt(self, outcome: Outcome) -> None:
        """Keep one finished task's result (and store it in the project cache at once)."""
        i = self._task_clip[outcome.index]
        if not outcome.ok:
            self.results[i] = TaskFailed(outcome.error)
            return
        report, sheet = outcome.value["report"], outcome.value["sheet"]
        root = self._root_for(self.clips[i])
        if root is not None:
            from broll.qc import cache
            cache.store(root, self._inputs[i].sha256, self.profile.digest, self.version, json.dumps(report),
                        report["verdict"])
        self.results[i] = (report, False, sheet)

    def result(self, index: int):
        """``(QCReport, sheet path or None)`` for clip ``index``, or raise its BrollError."""
        from broll.qc import QCReport

        got = self.results[index]
        if isinstance(got, BaseException):
            raise got
        report, cached, sheet = got
        return QCReport.from_dict(dict(report, path=self.clips[index]), cached=cached), sheet


# -- broll grade -------------------------------------------------------------------------------

def grade_clip(task: Task, report: Optional[Report]) -> dict:
    """Fit one clip to the reference (unless the driver had it cached) and write its graded copy.

    A fresh fit's LUTs come back as bytes (the driver files them in the project's LUT cache);
    the worker's own copies live in a temporary folder only as long as the render needs them.
    """
    from broll.grading import GradeResult, match

    clip = task.inputs[0].path
    refs = [inp.path for inp in task.inputs[1:]]
    reference = refs[0] if len(refs) == 1 else refs       # several: a look book
    output = task.param("output")
    with tempfile.TemporaryDirectory(prefix="broll-grade-task-") as scratch:
        luts: dict[str, bytes] = {}
        cached = task.param("cached")
        if cached is not None:
            result = GradeResult.from_dict(cached)
        else:
            result = match(clip, reference, method=task.param("method"), strength=task.param("strength"),
                           cache_root=scratch, **(task.param("options") or {}))
            luts = {Path(s.lut).name: Path(s.lut).read_bytes() for s in result.shots}
        if report is not None:
            report(0.5 if output else 1.0)
        if output:
            from broll.grading.render import write_graded_copy
            on_progress = None
            if report is not None:
                on_progress = lambda p: report(0.5 + 0.5 * (p.fraction or 0.0))  # noqa: E731
            write_graded_copy(result, output, on_progress=on_progress, apply=task.param("apply", "exact"))
        return {"result": result.to_dict(), "luts": luts, "written": output}


def grade_key(clip: Input, reference_sha: str, method: str, strength: float, options: dict | None = None) -> str:
    """The LUT cache key ``broll.grading.match`` uses for these options (``max_change``, ``look``)."""
    from broll.grading import cache
    from broll.grading.fit import MAX_CHANGE
    from broll.hashing import file_sha256
    options = options or {}
    look = options.get("look")
    return cache.cache_key(clip.sha256, reference_sha, method, strength,
                           {"max_change": options.get("max_change") or MAX_CHANGE, "paired": None, "cuts": True,
                            "look": file_sha256(look) if look else ""})


class GradeRun:
    """``broll grade`` over many clips: cached fits are reused, fresh ones filed in the LUT cache."""

    def __init__(self, clips, reference, *, method: str, strength: float, cache_root, out_dir, lut_only: bool,
                 apply: str, options: dict | None = None, reference_sha: str | None = None):
        """``reference``: one path, or a list of them (a look book; pass its ``reference_sha`` as loaded)."""
        from broll.grading import cache

        from broll.grading.match import reference_paths

        refs = [str(r) for r in reference_paths(reference)]
        self.clips, self.reference = [str(c) for c in clips], refs[0] if len(refs) == 1 else refs
        self.method, self.strength, self.root = method, strength, Path(cache_root)
        self.results: dict[int, dict] = {}
        self.tasks: list[Task] = []
        self._task_clip: list[int] = []
        self._inputs: dict[int, Input] = {}
        self.refs = tuple(Input.of(r) for r in refs)
        if reference_sha is None:
            if len(refs) > 1:
                from broll.grading import load_reference
                reference_sha = load_reference(refs).sha256
            else:
                reference_sha = self.refs[0].sha256
        self.ref_sha = reference_sha
        options = dict(options or {})
        if options.get("look"):
            options["look"] = str(Path(options["look"]).resolve())
        out = Path(out_dir).resolve()
        for i, clip in enumerate(self.clips):
            inp = self._inputs[i] = Input.of(clip)
            hit = cache.load(self.root, grade_key(inp, self.ref_sha, method, strength, options))
            if hit is not None:
                hit = dict(hit, cached=True)
                if lut_only:
                    self.results[i] = hit
                    continue
            self._task_clip.append(i)
            self.tasks.append(Task(grade_clip, clip, (inp, *self.refs),
                                   {"method": method, "strength": strength, "apply": apply, "cached": hit,
                                    "options": options,
                                    "output": None if lut_only else str(out / Path(clip).name)}))

    def adopt(self, outcome: Outcome) -> None:
        from broll.atomic import atomic_path
        from broll.grading import cache

        i = self._task_clip[outcome.index]
        if not outcome.ok:
            self.results[i] = TaskFailed(outcome.error)
            return
        result, luts = dict(outcome.value["result"]), outcome.value["luts"]
        if luts:                          # a fresh fit: file its LUTs and its row in the project cache
            folder = cache.lut_dir(self.root)
            for name, data in luts.items():
                with atomic_path(folder / name) as tmp:
                    tmp.write_bytes(data)
            result["shots"] = [dict(s, lut=str(folder / Path(s["lut"]).name)) for s in result["shots"]]
            cache.store(self.root, result["key"], self._inputs[i].sha256, self.ref_sha, self.method,
                        self.strength, result)
        self.results[i] = result

    def result(self, index: int):
        """The clip's :class:`GradeResult` (LUT paths in the project cache), or raise its error."""
        from broll.grading import GradeResult

        got = self.results[index]
        if isinstance(got, BaseException):
            raise got
        result = GradeResult.from_dict(got)
        result.clip, result.reference = self.clips[index], self.reference
        return result


# -- broll export ------------------------------------------------------------------------------

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
