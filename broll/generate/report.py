"""The comparison table, per provider and model, computed from a project's own runs.

Everything comes from what broll already recorded: the generation manifest (every take,
what it cost, when it was sent and downloaded, its QC verdict, how it failed), the review
decisions (by the clip's content hash) and the grade stage's measures (each clip's mean
L*a*b* before grading). :func:`compute` is pure; :func:`gather` reads the project database.

Definitions (docs/generate.md repeats them):
- *clip*: one shot x variant for one model; *take*: one create sent for it (regenerations
  and identical retries are takes too).
- *accepted*: a clip with a verified file that a reviewer approved, or that passed the QC
  gate (or had the gate off) and was not rejected in review. A clip QC sent to review counts
  only once a person approved it.
- cost: what the manifest says was charged for every take of the model's clips.
- QC pass rate: takes QC passed / takes QC judged. Review approval rate: approved / decided.
- regenerations per accepted clip: QC regenerations of all the model's clips / accepted clips.
- latency: submit (the write-ahead row) to verified download, per take; median and p90
  (linear interpolation between closest ranks).
- failures by kind: takes that failed, by broll's failure kind, plus QC rejections.
- palette spread: mean pairwise CIEDE2000 between the accepted clips' mean colours before
  grading (``broll grade`` measures them); "-" until two accepted clips are graded.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable

import numpy as np

ACCEPTING_QC = {"pass", "skipped", None}


@dataclass
class ReportRow:
    provider: str
    model: str
    clips: int = 0
    takes: int = 0
    cost: Decimal = Decimal("0")
    accepted: int = 0
    accepted_seconds: float = 0.0
    qc_judged: int = 0
    qc_passed: int = 0
    reviewed: int = 0
    approved: int = 0
    regenerations: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    palette_spread: float | None = None

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}" if self.provider != "all" else "all"

    def _per(self, n: float) -> float | None:
        return float(self.cost) / n if n else None

    @property
    def cost_per_clip(self) -> float | None:
        return self._per(self.clips)

    @property
    def cost_per_accepted_clip(self) -> float | None:
        return self._per(self.accepted)

    @property
    def cost_per_accepted_second(self) -> float | None:
        return self._per(self.accepted_seconds)

    @property
    def accepted_seconds_per_dollar(self) -> float | None:
        if not self.accepted_seconds:
            return 0.0 if self.clips else None
        return self.accepted_seconds / float(self.cost) if self.cost else None    # None: free (placeholders)

    @property
    def qc_pass_rate(self) -> float | None:
        return self.qc_passed / self.qc_judged if self.qc_judged else None

    @property
    def review_approval_rate(self) -> float | None:
        return self.approved / self.reviewed if self.reviewed else None

    @property
    def regenerations_per_accepted(self) -> float | None:
        return self.regenerations / self.accepted if self.accepted else None

    @property
    def latency_median(self) -> float | None:
        return float(np.median(self.latencies)) if self.latencies else None

    @property
    def latency_p90(self) -> float | None:
        return float(np.percentile(self.latencies, 90)) if self.latencies else None

    def to_dict(self) -> dict:
        return {"provider": self.provider, "model": self.model, "clips": self.clips, "takes": self.takes,
                "cost": float(self.cost), "cost_per_clip": self.cost_per_clip,
                "accepted": self.accepted, "accepted_seconds": self.accepted_seconds,
                "cost_per_accepted_clip": self.cost_per_accepted_clip,
                "cost_per_accepted_second": self.cost_per_accepted_second,
                "accepted_seconds_per_dollar": self.accepted_seconds_per_dollar,
                "qc_pass_rate": self.qc_pass_rate, "qc_judged": self.qc_judged,
                "review_approval_rate": self.review_approval_rate, "reviewed": self.reviewed,
                "regenerations_per_accepted_clip": self.regenerations_per_accepted,
                "latency_median_s": self.latency_median, "latency_p90_s": self.latency_p90,
                "failures": dict(sorted(self.failures.items())), "palette_spread_before_grading": self.palette_spread}


@dataclass
class Report:
    source: str
    batches: list[str]
    rows: list[ReportRow]
    total: ReportRow
    spent: Decimal                  # what the manifest says the batches cost, all takes

    def to_dict(self) -> dict:
        best = self.best()
        return {"source": self.source, "batches": self.batches, "spent": float(self.spent),
                "rows": [r.to_dict() for r in self.rows], "total": self.total.to_dict(),
                "most_accepted_seconds_per_dollar": best.label if best else None}

    def best(self) -> ReportRow | None:
        """The model that gave the most accepted seconds per dollar (free placeholders excluded)."""
        scored = [r for r in self.rows if r.accepted_seconds_per_dollar]
        return max(scored, key=lambda r: r.accepted_seconds_per_dollar) if scored else None


def _accepted(clip: dict, decision: str | None) -> bool:
    if not clip.get("file") or clip.get("state") not in ("done", "review"):
        return False
    if decision is not None:
        return decision == "approved"
    return clip.get("state") == "done" and clip.get("qc_verdict") in ACCEPTING_QC


def compute(clips: Iterable[dict], tasks: Iterable[dict], decisions: dict[str, str],
            mean_labs: dict[str, list[float]], *, source: str = "", batches: list[str] | None = None) -> Report:
    """The table from plain records.

    ``clips``: manifest rows (provider, model, state, file, sha256, qc_verdict, attempt, duration,
    clip_key); ``tasks``: takes (clip_key, task_id, state, cost, created_at, downloaded_at,
    qc_verdict, fail_kind); ``decisions``: clip sha256 -> approved | rejected; ``mean_labs``:
    clip sha256 -> mean L*a*b* before grading.
    """
    from broll.grading.metrics import set_spread
    groups: dict[tuple[str, str], ReportRow] = {}
    by_key: dict[str, ReportRow] = {}
    accepted_labs: dict[tuple[str, str], list] = {}
    total = ReportRow("all", "")
    all_labs: list = []
    for clip in clips:
        gid = (clip["provider"], clip["model"])
        row = groups.setdefault(gid, ReportRow(*gid))
        by_key[clip["clip_key"]] = row
        decision = decisions.get(clip.get("sha256") or "")
        for r in (row, total):
            r.clips += 1
            r.regenerations += int(clip.get("attempt") or 0)
            if decision in ("approved", "rejected") and clip.get("file"):
                r.reviewed += 1
                r.approved += decision == "approved"
        if _accepted(clip, decision):
            seconds = float(clip.get("duration") or 0.0)
            for r in (row, total):
                r.accepted += 1
                r.accepted_seconds += seconds
            lab = mean_labs.get(clip.get("sha256") or "")
            if lab is not None:
                accepted_labs.setdefault(gid, []).append(lab)
                all_labs.append(lab)
    spent = Decimal("0")
    for task in tasks:
        row = by_key.get(task["clip_key"])
        if row is None:
            continue
        cost = Decimal(str(task.get("cost") or "0"))
        spent += cost
        sent = task.get("task_id") is not None
        for r in (row, total):
            r.cost += cost
            r.takes += sent
            verdict = task.get("qc_verdict")
            if verdict in ("pass", "review", "regenerate"):
                r.qc_judged += 1
                r.qc_passed += verdict == "pass"
            if verdict == "regenerate":
                r.failures["qc_regenerate"] += 1
            if task.get("fail_kind"):
                r.failures[task["fail_kind"]] += 1
            if task.get("downloaded_at") is not None and task.get("created_at") is not None:
                r.latencies.append(float(task["downloaded_at"]) - float(task["created_at"]))
    for gid, labs in accepted_labs.items():
        if len(labs) >= 2:
            groups[gid].palette_spread = set_spread([np.asarray(v, dtype=float) for v in labs])
    if len(all_labs) >= 2:
        total.palette_spread = set_spread([np.asarray(v, dtype=float) for v in all_labs])
    rows = sorted(groups.values(), key=lambda r: (r.provider, r.model))
    return Report(source, sorted(set(batches or [])), rows, total, spent)


# -- reading a project ------------------------------------------------------------------------

def gather(target: str | Path | None) -> Report:
    """The report for a batch spec (its batch only) or a folder (every batch in its manifest)."""
    from broll.errors import InputError
    from broll.generate import manifest as M
    from broll.generate.batch import batch_id
    from broll.project import db_path
    path = Path(target) if target is not None else Path.cwd()
    if path.is_dir():
        root, batch = path.resolve(), None
    elif path.is_file():
        from broll.pipeline.section import spec_for_file
        # a batch spec or an edit list's generate: section; an old batch may name a model retired since
        spec = spec_for_file(path, check_models=False)
        root, batch = spec.project, batch_id(spec)
    else:
        raise InputError(f"{path}: no such batch spec or folder", "give a batch.yaml, an edit list with a "
                         "generate: section, or the folder that holds it")
    if not db_path(root).is_file():
        raise InputError(f"{root}: no generation manifest here (.broll/project.db)",
                         "run `broll generate batch.yaml` (or `broll build edit.yaml`) first, or point at the "
                         "folder that holds the spec")
    manifest = M.Manifest(root)
    try:
        clips = [r.data for r in (manifest.rows(batch) if batch else manifest.all_rows())]
        tasks = manifest.all_tasks(batch)
    finally:
        manifest.close()
    return compute(clips, tasks, _decisions(root), _mean_labs(root), source=str(path),
                   batches=[c["batch"] for c in clips])


def _decisions(root: Path) -> dict[str, str]:
    """Latest review decision per clip content hash."""
    from broll.review.decisions import latest_decisions
    return {d.clip_sha: d.decision for d in latest_decisions(root).values()}


def _mean_labs(root: Path) -> dict[str, list[float]]:
    """Each graded clip's mean L*a*b* before grading, as the grade stage stored it."""
    from broll.project import connect
    conn = connect(root)
    try:
        # the grade stage owns this table; before it ever ran here the table does not exist
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'grade_luts'").fetchone():
            return {}
        rows = conn.execute("SELECT clip_sha256, result_json FROM grade_luts ORDER BY created").fetchall()
    finally:
        conn.close()
    found = {}
    for row in rows:
        try:
            lab = json.loads(row["result_json"]).get("mean_lab_before")
        except ValueError:
            continue
        if lab:
            found[row["clip_sha256"]] = lab
    return found


__all__ = ["Report", "ReportRow", "compute", "gather"]
