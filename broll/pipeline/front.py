"""The generate and check stages in front of the build, and the binding of takes to ``shot:`` items.

Generation goes through :func:`broll.generate.run.run_batch`, the same runner and write-ahead
manifest as ``broll generate``: clips already finished are skipped without a request, tasks in
flight are polled (never resubmitted), and a clip is never paid for twice. The runner's QC gate
is the check stage: a take QC says to regenerate is resubmitted with a new seed while the spec's
``attempts`` allow. Takes generated with the gate off (``--until generate``) are checked here
on the next build, and sent back through the same manifest when QC refuses them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional

from broll.assemble.editlist import EditList, Style, StyleOverride
from broll.errors import BudgetExceeded, ProviderError
from broll.generate import manifest as M
from broll.generate.spec import BatchSpec
from broll.pipeline.bind import bind_takes
from broll.pipeline.section import batch_spec, check_shot_references, shot_items, used_spec
from broll.pipeline.takes import Choice, Take, choose, review_states, take_from_row
from broll.pipeline.warmup import ASSEMBLY, GRADING, QC, Warmup, check_installed

Say = Callable[[str, str], None]          # (stage, message)
STAGES = ("generate", "check", "grade", "review")


@dataclass
class ShotsReport:
    """What the generate and check stages did, and which take each shot uses."""
    source: str                                   # the batch spec: the edit list or its batch.yaml
    batch: str                                    # the manifest's batch id
    takes: dict[str, list[Take]] = field(default_factory=dict)
    chosen: dict[str, Choice] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)       # shot -> why it has no take
    warnings: list[str] = field(default_factory=list)
    spent_run: Decimal = Decimal("0")
    spent_total: Decimal = Decimal("0")
    budget: Optional[Decimal] = None
    submitted: int = 0                            # creates sent this build (QC regenerations included)
    regenerated: int = 0
    repaired: int = 0                             # takes QC refused that a repair saved (not paid for again)
    timings: dict[str, float] = field(default_factory=dict)
    # (start, end) wall-clock seconds of each take's QC: QC runs inside the generate stage (in the
    # runner's workers), so a measurement of orchestration overhead can tell it apart
    qc_spans: list[tuple[float, float]] = field(default_factory=list)

    @property
    def budget_left(self) -> Optional[Decimal]:
        return None if self.budget is None else self.budget - self.spent_total

    def cost_line(self) -> str:
        left = "" if self.budget is None else f", ${self.budget_left:.2f} of ${self.budget:.2f} budget left"
        return f"cost: ${self.spent_run:.2f} this run, ${self.spent_total:.2f} in total{left}"

    def take_lines(self) -> list[str]:
        lines = []
        for shot, choice in self.chosen.items():
            lines.append(f"shot {shot}: take v{choice.take.variant} ({choice.why}) {choice.take.path}")
        lines += [f"shot {shot}: no take ({why})" for shot, why in self.missing.items()]
        if self.repaired:
            lines.append(f"repaired {self.repaired} take(s) QC refused instead of paying for new ones "
                         "(originals kept in .rejected/)")
        return lines

    def to_dict(self) -> dict:
        return {"source": self.source, "batch": self.batch,
                "takes": {s: [t.to_dict() for t in ts] for s, ts in self.takes.items()},
                "chosen": {s: {**c.take.to_dict(), "why": c.why} for s, c in self.chosen.items()},
                "missing": self.missing, "warnings": self.warnings, "spent_run": float(self.spent_run),
                "spent_total": float(self.spent_total), "budget": None if self.budget is None else float(self.budget),
                "budget_left": None if self.budget is None else float(self.budget_left),
                "submitted": self.submitted, "regenerated": self.regenerated, "repaired": self.repaired,
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "qc_spans": [[round(a, 3), round(b, 3)] for a, b in self.qc_spans]}


# ------------------------------------------------------------------ the manifest's view of the spec

def planned_jobs(spec: BatchSpec, with_provider: bool = False) -> list[tuple]:
    """``(target, Job)`` for every clip the spec asks for (no network, no keys needed);
    ``(target, Job, provider adapter)`` with ``with_provider``."""
    from broll.generate.batch import plan_jobs
    from broll.generate.providers import build
    from broll.project import DB_DIR
    out = []
    for provider_name, model in spec.targets:
        arm = spec.for_target(provider_name, model)
        provider = build(provider_name, None, workdir=spec.project / DB_DIR / "offline", require_keys=False,
                         burn_caption=spec.caption)
        target = f"{provider_name}/{model}" if spec.is_ab else ""
        out += [(target, job, provider) if with_provider else (target, job) for job in plan_jobs(arm, provider)]
    return out


def current_takes(spec: BatchSpec, manifest: M.Manifest) -> dict[str, list[Take]]:
    """Every take of every shot, in spec order, as the manifest has it now."""
    takes: dict[str, list[Take]] = {s.id: [] for s in spec.shots}
    for target, job in planned_jobs(spec):
        row = manifest.get(job.key)
        takes[job.shot.id].append(take_from_row(row, target) if row is not None else
                                  Take(job.shot.id, job.variant, job.key, "not started", None, None, None, 0,
                                       target=target))
    return takes


def shot_take_paths(edit: EditList) -> list[Path]:
    """Every finished take of the shots the timeline names, shot by shot (for ``broll review``)."""
    full = batch_spec(edit, check_models=False)
    if full is None:
        return []
    spec = used_spec(edit, full)
    if not spec.shots:
        return []
    manifest = M.Manifest(spec.project)
    try:
        return [t.path for ts in current_takes(spec, manifest).values() for t in ts if t.finished]
    finally:
        manifest.close()


# ------------------------------------------------------------------ the stages

def _checker(edit: EditList, root: Path, spans: list[tuple[float, float]], warmup: Warmup):
    """QC through the project's cache, with the edit list's ``qc:`` profile: the build's QC gate
    reads the same verdicts later without decoding again. Each check's wall-clock span goes to ``spans``.

    QC's libraries are only looked up here (a missing one stops the build before anything is
    paid); the warm-up thread imports them while the provider works, and the first check waits
    for it (broll.pipeline.warmup)."""
    from broll.assemble.stages import _profile
    check_installed(QC)
    profile = _profile(edit) if edit.qc is not None else "default"

    def timed(path):
        warmup.wait()
        from broll.qc import check        # an ImportError here stops the batch (broll.generate.gate)
        started = time.time()
        try:
            return check(path, profile=profile, cache_root=root)
        finally:
            spans.append((started, time.time()))     # list.append is atomic: workers share it
    return timed


def _repairer(edit: EditList, root: Path, spans: list[tuple[float, float]], warmup: Warmup):
    """``broll fix``'s repair of a take QC wants regenerated, with the edit list's ``qc:`` profile,
    into ``.repaired/`` beside the take (the gate moves a good copy over the take). Its span counts
    as check time."""
    from broll.assemble.stages import _profile
    profile = _profile(edit) if edit.qc is not None else "default"

    def repair(path):
        warmup.wait()
        from broll.repair import repair_clip
        started = time.time()
        try:
            return repair_clip(path, Path(path).parent / ".repaired", profile=profile, cache_root=root)
        finally:
            spans.append((started, time.time()))
    return repair


class _Events:
    """Batch runner events -> one progress line per state change that matters."""
    SHOWN = {"submitted": "submitted", "done": "done", "regenerate": "QC said regenerate: resubmitting",
             "failed": "failed", "skipped-budget": "not submitted (budget)", "reconciled": "found again",
             "download-gave-up": "download gave up", "poll-gave-up": "polling gave up", "ambiguous": "ambiguous",
             "qc": "checked", "repair": "QC said regenerate: repaired"}
    WAITS = {"poll", "downloading", "retry", "failed", "error", "ambiguous", "skipped-budget", "reconciled", "qc",
             "poll-gave-up", "download-gave-up"}

    def __init__(self, say: Say, warmup: Optional[Warmup] = None, first_wave: int = 1):
        self.say = say
        self.submitted = 0
        self.regenerated = 0
        self.repaired = 0
        self.warmup, self.first_wave = warmup, first_wave

    def __call__(self, job, what: str, **info) -> None:
        if job is None:
            self.say("generate", str(info.get("message", what)))
            return
        if what == "submitted":
            self.submitted += 1
        # the later stages' imports start once the first creates are out, or at the first wait
        if self.warmup is not None and (self.submitted >= self.first_wave or what in self.WAITS):
            self.warmup.start()
        if what == "regenerate":
            self.regenerated += 1
        if what == "repair" and info.get("replaced"):
            self.repaired += 1
        if what == "done" and self.warmup is not None:
            self._probe_ahead(info.get("row"))
        if what not in self.SHOWN:
            return
        detail = self.SHOWN[what]
        if what == "qc":
            detail = f"QC {info.get('verdict')}"
        elif what == "repair":
            detail = (f"QC said regenerate: repaired, QC now says {info.get('verdict')}" if info.get("replaced")
                      else "QC said regenerate: still regenerate after repair")
        elif what == "done":
            row = info.get("row")
            detail = f"done{f' (QC {row.qc_verdict})' if row is not None and row.qc_verdict else ''}"
        elif info.get("message"):
            detail += f": {info['message']}"
        self.say("check" if what in ("qc", "repair") else "generate", f"{job.label}: {detail}")


    def _probe_ahead(self, row) -> None:
        """Probe a finished take in the worker that made it (cached by path, size and mtime), so the
        build's validation after the last take finds every probe done."""
        if row is None or not row.file or "broll.media.probe" not in self.warmup.names or not Path(row.file).is_file():
            return
        self.warmup.wait()            # the warm-up imports PyAV; this thread does not
        try:
            from broll.media.probe import probe
            probe(row.file)
        except Exception:       # noqa: BLE001 - validation probes it again and reports the problem there
            pass


def _later_modules(edit: EditList, spec: BatchSpec, until: Optional[str], *, qc: bool) -> list[str]:
    """What the stages after generation will import: QC when takes are checked, grading when a
    style applies, assembly unless the build stops after generate or check."""
    names = list(QC) if qc else []
    if until in ("generate", "check"):
        return names
    styled = edit.style is not None or ("style" not in edit.model_fields_set and (
        spec.style_reference is not None or any(getattr(s, "style_reference", None) for s in spec.shots)))
    if styled or any(isinstance(getattr(e, "style", None), StyleOverride) for e in edit.timeline):
        names += GRADING
    return names + (list(ASSEMBLY) if until is None else [])


def _generate(spec: BatchSpec, checker, say: Say, events: _Events, client, repairer=None) -> None:
    from broll.generate.run import run_batch
    run_batch(spec, checker=checker, qc=checker is not None, on_event=events, client=client, repairer=repairer)


def _check_unchecked(spec: BatchSpec, manifest: M.Manifest, checker, say: Say, repairer=None) -> int:
    """Check takes generated with the gate off; repair QC's refusals first (broll fix), and send back
    the ones still refused (a new seed). Returns how many were sent back."""
    from broll.generate.gate import repair_first, run_gate
    sent = 0
    for shot, takes in current_takes(spec, manifest).items():
        for take in takes:
            if not take.finished or take.qc not in (None, "skipped"):
                continue
            say("check", f"checking {take.label}")
            result = run_gate(checker, take.path)
            if result.verdict == "regenerate" and repairer is not None:
                fixed = repair_first(repairer, take.path, take.attempt, result)
                if fixed.note:
                    row = manifest.get(take.key)
                    manifest.note_task(row.client_key, fixed.note)
                    now = (f"repaired, QC now says {fixed.result.verdict}" if fixed.sha256
                           else "still regenerate after repair")
                    say("check", f"{take.label}: QC said regenerate: {now}")
                if fixed.sha256 is not None:
                    manifest.update(take.key, sha256=fixed.sha256)
                result = fixed.result
            if result.verdict == "regenerate" and take.attempt < spec.attempts:
                from broll.generate.download import keep_rejected
                kept = keep_rejected(take.path, take.attempt)
                manifest.send_back(take.key, take.attempt + 1, f"QC: regenerate ({result.detail}); kept {kept.name}")
                say("check", f"{take.label}: QC said regenerate: resubmitting")
                sent += 1
                continue
            state = M.REVIEW if result.verdict in ("review", "regenerate") else M.DONE
            manifest.update(take.key, state=state, qc_verdict=result.verdict, message=result.detail or None)
    return sent


def _missing_error(report: ShotsReport, spec: BatchSpec, skipped_for_budget: bool) -> Exception:
    names = "; ".join(f"{s} ({why})" for s, why in report.missing.items())
    kept = ", ".join(f"{s} v{c.take.variant}" for s, c in report.chosen.items()) or "none"
    if skipped_for_budget:
        return BudgetExceeded(f"budget: stopped before submitting; shots without a take: {names}. "
                              f"Kept (paid for): {kept}. {report.cost_line()}",
                              f"raise `budget:` in {report.source} and run the same command again "
                              "(nothing already paid for is generated again)")
    return ProviderError(f"generation left {len(report.missing)} shot(s) without a take: {names}",
                         f"`broll generate status {spec.path}` shows each clip's note; re-run the same command "
                         "to resume (nothing already paid for is generated again)")


def prepare_shots(edit: EditList, *, generate: bool = False, until: Optional[str] = None,
                  say: Optional[Say] = None, client=None) -> EditList:
    """Bind every ``shot:`` item to its take, generating and checking first when ``generate``.

    Without ``generate`` (``broll validate``, ``broll plan``) nothing is sent: shots without a
    take are left out of the timeline with a warning. With it, a shot left without a take stops
    the build: :class:`~broll.errors.BudgetExceeded` (exit 5) when the budget stopped it, else
    :class:`~broll.errors.ProviderError`. The report is on the returned edit list's ``_shots``.
    """
    say = say or (lambda stage, msg: None)
    full = batch_spec(edit)
    warnings = check_shot_references(edit, full)
    if full is None:
        return edit
    spec = used_spec(edit, full)
    from broll.generate.batch import batch_id
    report = ShotsReport(source=str(spec.path), batch=batch_id(spec), warnings=warnings,
                         budget=None if spec.budget is None else Decimal(str(spec.budget)))
    report.warnings += [w for w in spec.warnings if w not in report.warnings]
    if not spec.shots:
        edit._shots = report
        return edit
    root = spec.project
    manifest = M.Manifest(root)
    warmup: Optional[Warmup] = None
    try:
        before = manifest.committed_cost(report.batch)
        if generate:
            started = time.perf_counter()
            takes = [t for ts in current_takes(spec, manifest).values() for t in ts]
            todo = [t for t in takes if not t.finished]
            unchecked = any(t.finished and t.qc in (None, "skipped") for t in takes)
            # QC is loaded only when there is something to check (a rebuild loads none of it), and
            # with the later stages, in the background once the first creates are out
            warmup = Warmup(_later_modules(edit, spec, until, qc=until != "generate" and bool(todo or unchecked)))
            checker = None if until == "generate" or not (todo or unchecked) else \
                _checker(edit, root, report.qc_spans, warmup)
            # a take QC refuses is repaired first; regenerated only when the repaired take still fails
            repairer = None if checker is None else _repairer(edit, root, report.qc_spans, warmup)
            events = _Events(say, warmup, first_wave=max(1, min(spec.concurrency, len(todo))))
            if todo:
                say("generate", f"generating {len(todo)} clip(s) with {', '.join(f'{p}/{m}' for p, m in spec.targets)}")
                _generate(spec, checker, say, events, client, repairer)
            else:
                say("generate", "every take is already generated: nothing to send")
            report.timings["generate"] = time.perf_counter() - started
            if checker is not None:
                started = time.perf_counter()
                for _ in range(spec.attempts):
                    if not _check_unchecked(spec, manifest, checker, say, repairer):
                        break
                    _generate(spec, checker, say, events, client, repairer)
                report.timings["check"] = time.perf_counter() - started
            report.submitted, report.regenerated = events.submitted, events.regenerated
            report.repaired = events.repaired
        report.takes = current_takes(spec, manifest)
        report.spent_total = manifest.committed_cost(report.batch)
        report.spent_run = report.spent_total - before
        skipped_for_budget = any(t.state == M.SKIPPED for ts in report.takes.values() for t in ts)
        rows = {t.key: manifest.get(t.key) for ts in report.takes.values() for t in ts}
    finally:
        manifest.close()
        if warmup is not None:    # joined however the stage ended: no import runs in two threads at once,
            warmup.wait(start=False)      # and none is cut off at exit
    states = review_states(root, [t for ts in report.takes.values() for t in ts])
    for shot, takes in report.takes.items():
        choice = choose(takes, states)
        if choice is not None:
            report.chosen[shot] = choice
            continue
        notes = [rows[t.key].message for t in takes if rows.get(t.key) is not None and rows[t.key].message]
        why = "; ".join(dict.fromkeys(notes)) or ", ".join(sorted({t.state for t in takes}))
        if takes and all(states.get(t.path) == "rejected" for t in takes if t.finished) and any(t.finished for t in takes):
            why = "every take rejected in review; `broll review` can send one back for a new take"
        report.missing[shot] = why[:300]
    if report.missing and generate:
        raise _missing_error(report, spec, skipped_for_budget)
    for shot, why in report.missing.items():
        report.warnings.append(f"shot {shot}: no take yet ({why}); left out until `broll build` generates it")
    bound = bind_takes(edit, spec, {s: c.take.path for s, c in report.chosen.items()})
    bound._shots = report
    return bound


__all__ = ["STAGES", "ShotsReport", "current_takes", "planned_jobs", "prepare_shots", "shot_items"]
