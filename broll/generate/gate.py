"""The QC gate between download and "done": ``broll.qc.check(path) -> report.verdict``.

Injectable so tests (and other stages) can pass their own checker. A QC stage that cannot be
imported is a broken install, and it stops the batch with an :class:`~broll.errors.InstallError`
naming the import that failed: a gate that quietly skipped itself would mark paid clips done
without anyone having checked them. ``broll generate --no-qc`` turns the gate off on purpose.
"""

from __future__ import annotations

import importlib
import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from broll.errors import InstallError

VERDICTS = ("pass", "review", "regenerate")

# everything `broll.qc.check` imports, its own modules and (lazily, inside functions) the libraries
# they use: a broken install fails here, before the batch spends anything, not after a download
_QC_MODULES = ("broll.qc", "broll.qc.signals", "broll.qc.detectors", "broll.media.analysis_frames",
               "numpy", "av", "cv2", "scenedetect")

Checker = Callable[[Path], Any]
Repairer = Callable[[Path], Any]    # path -> a RepairResult (verdict, output, repairs) from broll.repair


@dataclass(frozen=True)
class GateResult:
    verdict: str            # pass | review | regenerate | skipped
    detail: str = ""


def broken_install(exc: ImportError, what: str = "the QC gate") -> InstallError:
    """An InstallError naming the module that failed to import and the line that imported it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "importlib" not in f.filename and not f.filename.endswith(("gate.py", "<string>"))]
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return InstallError(f"{what} cannot run: {exc}{where}",
                        "reinstall broll with its dependencies (pip install -e .), or pass --no-qc to "
                        "generate without the gate")


def default_checker() -> Checker:
    """``broll.qc.check``, with every module it needs imported now; raises InstallError if any fails."""
    try:
        for name in _QC_MODULES:
            importlib.import_module(name)
        from broll.qc import check
    except ImportError as exc:
        raise broken_install(exc) from exc
    return check


def run_gate(checker: Checker | None, path: Path) -> GateResult:
    if checker is None:
        return GateResult("skipped", "QC gate off")
    try:
        report = checker(path)
    except ImportError as exc:      # broken install: stop the batch, never wave the clip through
        raise broken_install(exc) from exc
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


@dataclass(frozen=True)
class Repaired:
    """What repairing a take QC wants regenerated came to."""
    result: GateResult          # the verdict to act on: the repaired take's, or still regenerate
    sha256: str | None = None   # the take's new content hash when the repaired copy replaced it
    note: str = ""              # both verdicts, for the manifest's task note ("" when nothing was repaired)


def repair_first(repairer: Repairer, path: Path, attempt: int, failed: GateResult) -> Repaired:
    """Repair before paying for a regeneration. When the repaired take passes or goes to review it
    becomes the take: the original is kept as ``.rejected/<name>-a<attempt>.mp4`` and the repair
    record moves beside the take, so review shows before and after. Otherwise the copy is dropped
    and the take is regenerated as before."""
    fixed, copy = try_repair(repairer, path)
    if copy is None:
        return Repaired(failed)
    note = f"QC regenerate: {failed.detail}; repaired take: {fixed.verdict} ({fixed.detail})"[:500]
    if fixed.verdict == "regenerate":
        copy.unlink(missing_ok=True)
        return Repaired(GateResult("regenerate", f"{failed.detail}; still regenerate after repair "
                                                 f"({fixed.detail})"[:300]), None, note)
    from broll.generate.download import keep_rejected
    from broll.hashing import file_sha256
    from broll.repair.record import rehome_record
    original = keep_rejected(path, attempt)
    os.replace(copy, path)
    rehome_record(copy, path, original)
    detail = (f"repaired {fixed.detail} (QC said regenerate: {failed.detail}; original kept as "
              f".rejected/{original.name})")
    return Repaired(GateResult(fixed.verdict, detail[:500]), file_sha256(path), note)
