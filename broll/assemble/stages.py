"""What runs between validation and rendering: the review gate, the QC gate, the colour match.

:func:`broll.assemble.build.plan_build` runs them in order (review, QC, style). Each reads the validated EditList and the resolved jobs and returns jobs (the timeline model
stays pure): ``review: required`` refuses unapproved clips, ``qc:`` checks every clip and stops,
warns or drops failures, and ``style:`` fits one LUT per shot and puts it on the item as an extra
video filter, so the grade is applied inside the build's single FFmpeg graph (no extra encode).
Grades and QC reports are cached in the project database by content hash: a rebuild refits nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from broll.assemble.editlist import EditList, Style, StyleOverride
from broll.assemble.resolve import OutputJob
from broll.assemble.timeline import Item, place
from broll.errors import BrollError, ExitCode
from broll.project import project_root_for

Say = Callable[[str], None]
_INDEX = re.compile(r"timeline\[(\d+)\]")


class QCGateFailed(BrollError):
    """`qc: {on_fail: stop}` and a clip came back `regenerate`."""
    exit_code = ExitCode.CHECK_FAILED


@dataclass
class StageReport:
    """What the stages did, for the build summary and --json."""
    qc: dict[str, str] = field(default_factory=dict)           # clip -> verdict
    skipped: list[str] = field(default_factory=list)           # clips dropped by qc.on_fail=skip
    graded: list[dict] = field(default_factory=list)           # one grade summary per clip and style
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"qc": self.qc, "skipped": self.skipped, "graded": self.graded, "warnings": self.warnings}


def _edit_index(item: Item) -> Optional[int]:
    m = _INDEX.fullmatch(item.label or "")
    return int(m.group(1)) if m else None


def _media_items(jobs: list[OutputJob]) -> list[Item]:
    seen, out = set(), []
    for job in jobs:
        for item in job.timeline.items:
            if item.source is not None and (item.label, item.source.path) not in seen:
                seen.add((item.label, item.source.path))
                out.append(item)
    return out


def _rel(edit: EditList, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(edit.base_dir))
    except ValueError:
        return path


# ------------------------------------------------------------------ review

def review_gate(edit: EditList, jobs: list[OutputJob]) -> None:
    """``review: required``: every clip and still must be approved and unchanged since."""
    if edit.review != "required":
        return
    from broll.review.gate import review_required, unapproved
    paths = list(dict.fromkeys(item.source.path for item in _media_items(jobs)))
    blocked = unapproved(project_root_for(edit.source), paths)
    if blocked:
        raise review_required([(_rel(edit, p), state) for p, state in blocked], spec=edit.source)


# ------------------------------------------------------------------ qc

def qc_gate(edit: EditList, jobs: list[OutputJob], report: StageReport, say: Say) -> list[OutputJob]:
    """``qc:``: check each video clip and animated image (cached by content hash) and act on
    `regenerate` verdicts. A generated GIF is a take like any other, so it is checked too."""
    if edit.qc is None:
        return jobs
    from broll.qc import check
    root = project_root_for(edit.source)
    failed: dict[str, str] = {}
    for item in _media_items(jobs):
        src = item.source
        if not (src.kind == "video" or src.animated) or src.path in report.qc:
            continue
        say(f"checking {_rel(edit, src.path)}")
        result = check(src.path, profile=_profile(edit), cache_root=root)
        report.qc[_rel(edit, src.path)] = result.verdict
        if result.verdict == "regenerate":
            worst = [f for f in result.findings if getattr(f, "severity", "") == "regenerate"]
            what = ", ".join(sorted({f.kind for f in worst})) or "defects"
            failed[src.path] = what
        elif result.verdict == "review":
            report.warnings.append(f"{_rel(edit, src.path)}: QC says review")
    if failed and edit.qc.on_fail == "repair":
        jobs, failed = _repair(edit, jobs, failed, report, say, root)
    if not failed:
        return jobs
    listed = "; ".join(f"{_rel(edit, p)} ({why})" for p, why in failed.items())
    if edit.qc.on_fail in ("stop", "repair"):
        raise QCGateFailed(f"QC: {len(failed)} clip(s) should be regenerated: {listed}",
                           "see `broll check <clip> --sheet DIR` for the evidence; set qc.on_fail to warn or skip to build anyway")
    if edit.qc.on_fail == "warn":
        report.warnings.append(f"QC: building with clip(s) that should be regenerated: {listed}")
        return jobs
    report.skipped = [_rel(edit, p) for p in failed]
    out = []
    for job in jobs:
        kept = [it for it in job.timeline.items if not (it.source is not None and it.source.path in failed)]
        if not kept:
            raise QCGateFailed("QC: every item of the timeline failed; nothing left to build", "regenerate the clips")
        if kept and not kept[0].transition.is_cut:
            kept[0] = replace(kept[0], transition=type(kept[0].transition)())
        out.append(replace(job, timeline=replace(job.timeline, items=place(kept))))
    report.warnings.append(f"QC: left out {listed}")
    return out


def _repair(edit: EditList, jobs: list[OutputJob], failed: dict[str, str], report: StageReport, say: Say,
            root: Path) -> tuple[list[OutputJob], dict[str, str]]:
    """``qc.on_fail: repair``: fix failed clips in place (``broll fix``) and build with the repaired copies.

    Copies live in ``.broll/repaired/<clip sha256[:16]>/`` so a rebuild reuses them. Returns the jobs
    with sources swapped and the clips still ``regenerate`` (with why)."""
    from broll.hashing import file_sha256
    from broll.qc import check
    from broll.repair import repair_clip
    from broll.repair.record import build_copy

    swapped: dict[str, str] = {}
    still: dict[str, str] = {}
    animated = {it.source.path for it in _media_items(jobs) if it.source.animated}
    for path, why in failed.items():
        rel = _rel(edit, path)
        if path in animated:
            report.qc[rel] = "regenerate"
            still[path] = f"{why}; not repaired: broll fix repairs video files (convert the animated image to MP4 first)"
            continue
        done = build_copy(root, path, file_sha256(path))
        out_dir = done.parent
        if done.is_file():
            verdict, what = check(done, profile=_profile(edit), cache_root=root).verdict, "repaired earlier"
        else:
            say(f"repairing {rel}")
            res = repair_clip(path, out_dir, profile=_profile(edit), cache_root=root)
            verdict = res.verdict if res.repairs else "regenerate"
            what = ", ".join(f"{s.kind} {s.start}-{s.end} ({s.method})" for s in res.repairs) or "nothing repairable"
            if res.refused:
                what += "; not repairable: " + "; ".join(f"{r.kind}: {r.reason}" for r in res.refused)
        report.qc[rel] = verdict
        if verdict == "regenerate" or not done.is_file():
            still[path] = f"{why}; after repair still regenerate: {what}"
            continue
        swapped[path] = str(done)
        report.warnings.append(f"{rel}: QC said regenerate ({why}); repaired: {what}; QC now says {verdict}")
    out = []
    for job in jobs:
        items = [replace(it, source=replace(it.source, path=swapped[it.source.path]))
                 if it.source is not None and it.source.path in swapped else it for it in job.timeline.items]
        out.append(replace(job, timeline=replace(job.timeline, items=items)))
    return out, still


def _profile(edit: EditList) -> str:
    profile = edit.qc.profile
    if profile.endswith((".yaml", ".yml")) and not Path(profile).is_absolute():
        return str(edit.base_dir / profile)
    return profile


# ------------------------------------------------------------------ style

def item_style(edit: EditList, item: Item) -> Optional[Style]:
    """The style block in force for one item: top level, overridden or switched off per item."""
    index = _edit_index(item)
    own = edit.timeline[index].style if index is not None and index < len(edit.timeline) else None
    if own == "off":
        return None
    base = edit.style
    if isinstance(own, StyleOverride):
        fields = {k: v for k, v in own.model_dump().items() if v is not None}
        if base is None:
            if "reference" not in fields:
                raise edit.locate(("timeline", index, "style"), "a per-item style needs a reference when there is no top-level style")
            return Style(**fields)
        return base.model_copy(update=fields)
    return base


def _style_reference(edit: EditList, reference):
    """The reference's path(s) resolved against the edit list's folder: one image or clip, a
    folder of stills, or a list of them (a look book)."""
    def full(r) -> Path:
        return Path(r) if Path(r).is_absolute() else edit.base_dir / r
    return [full(r) for r in reference] if isinstance(reference, list) else full(reference)


def _lut_chain(result, item: Item, apply: str = "auto") -> str:
    """The grade's filter for this item's trimmed span, with shot switches in output time."""
    end = float(item.src_out) if item.src_out > item.src_in else None
    return result.ffmpeg_filter(float(item.src_in), end, speed=float(item.speed) or 1.0, apply=apply)


def apply_style(edit: EditList, jobs: list[OutputJob], report: StageReport, say: Say) -> list[OutputJob]:
    """Fit (or reuse) one grade per clip and shot and attach its lut3d chain to the items."""
    if edit.style is None and not any(isinstance(getattr(e, "style", None), StyleOverride) for e in edit.timeline):
        return jobs
    from broll.libwarnings import quiet_library_warnings
    quiet_library_warnings()
    from broll.grading import match
    root = project_root_for(edit.source)
    results: dict[tuple, object] = {}
    out = []
    for job in jobs:
        filters: dict[int, str] = {}
        for i, item in enumerate(job.timeline.items):
            if item.source is None:
                continue
            style = item_style(edit, item)
            if style is None:
                continue
            ref = _style_reference(edit, style.reference)
            look = Path(style.look) if style.look else None
            look = look if look is None or look.is_absolute() else edit.base_dir / look
            key = (item.source.path, str(ref), style.method, style.strength, style.max_change, str(look))
            if key not in results:
                say(f"grading {_rel(edit, item.source.path)}")
                results[key] = match(item.source.path, ref, method=style.method, strength=style.strength,
                                     cache_root=root, max_change=style.max_change, look=look)
                r = results[key]
                report.graded.append({
                    "clip": _rel(edit, item.source.path), "reference": (", ".join(_rel(edit, str(r)) for r in ref) if isinstance(ref, list) else _rel(edit, str(ref))), "method": style.method, "strength": style.strength,
                    "de_before": round(r.de_before, 2), "de_after": round(r.de_after, 2),
                    "safeguards": list(r.safeguards), "shots": len(r.shots), "change": round(r.change, 2),
                    "applied_as": r.applied_as(style.apply)})
            filters[i] = _lut_chain(results[key], item, style.apply)
        out.append(replace(job, timeline=job.timeline.with_filters(filters)))
    return out
