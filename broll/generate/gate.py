"""The QC gate between download and "done": ``broll.qc.check(path) -> report.verdict``.

Injectable so tests (and other stages) can pass their own checker. When ``broll.qc`` is
not installed the gate is skipped with one clear warning instead of failing the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

VERDICTS = ("pass", "review", "regenerate")

Checker = Callable[[Path], Any]
Repairer = Callable[[Path], Any]    # path -> a RepairResult (verdict, output, repairs) from broll.repair


@dataclass(frozen=True)
class GateResult:
    verdict: str            # pass | review | regenerate | skipped
    detail: str = ""


def default_checker() -> tuple[Checker | None, str | None]:
    """``broll.qc.check`` if available, else (None, reason)."""
    try:
        from broll.qc import check  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, f"QC gate skipped: broll.qc is not available ({exc}); clips are not checked"
    return check, None


def run_gate(checker: Checker | None, path: Path) -> GateResult:
    if checker is None:
        return GateResult("skipped", "QC gate off")
    try:
        report = checker(path)
    except Exception as exc:  # a checker crash must not lose a paid clip: a person looks at it
        return GateResult("review", f"QC could not check the clip: {exc}")
    verdict = str(getattr(report, "verdict", report))
    if verdict not in VERDICTS:
        return GateResult("review", f"QC returned an unknown verdict {verdict!r}")
    findings = [f for f in getattr(report, "findings", None) or [] if getattr(f, "severity", "") != "note"]
    detail = "; ".join(f"{getattr(f, 'kind', '?')}: {getattr(f, 'message', '')}" for f in findings[:3])
    return GateResult(verdict, detail[:300])


def default_repairer() -> Repairer | None:
    """``broll.repair.repair_clip`` into ``.repaired/`` beside the take, or None when unavailable."""
    try:
        from broll.repair import repair_clip
    except ImportError:
        return None
    return lambda path: repair_clip(path, Path(path).parent / ".repaired")


def try_repair(repairer: Repairer, path: Path) -> tuple[GateResult, Path | None]:
    """Repair a take QC wants regenerated: (the repaired copy's gate result, its path or None)."""
    try:
        res = repairer(path)
    except Exception as exc:  # a failed repair falls back to regenerating, as before
        return GateResult("regenerate", f"repair failed: {exc}"[:300]), None
    if not getattr(res, "repairs", None) or not getattr(res, "output", None):
        return GateResult("regenerate", "nothing repairable"), None
    what = ", ".join(f"{s.kind} {s.start}-{s.end}" for s in res.repairs)
    return GateResult(str(res.verdict), what[:300]), Path(res.output)
