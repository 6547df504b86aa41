"""What ``broll fix`` did to a clip, kept next to the repaired copy so review can show before/after.

One JSON file per repaired copy, ``DIR/.broll-fix/<name>.json`` (written atomically): the source
path and hash, the repaired copy's hash, the repairs with their frame ranges and measurements,
and both verdicts. A record is only believed while the copy still has the hash it names: a copy
replaced or edited since is not presented as repaired.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

RECORD_DIR = ".broll-fix"


def record_path(output: str | os.PathLike) -> Path:
    out = Path(output)
    return out.parent / RECORD_DIR / (out.name + ".json")


def write_record(result, source_sha: str, output_sha: str) -> Path:
    """Store ``result`` (a :class:`~broll.repair.run.RepairResult` with an output) beside its copy."""
    from broll.atomic import write_text

    doc = {"source": str(Path(result.path).resolve()), "source_sha256": source_sha,
           "output": str(Path(result.output).resolve()), "output_sha256": output_sha,
           "verdict_before": result.verdict_before, "verdict": result.verdict,
           "repairs": [s.to_dict() for s in result.repairs],
           "not_repaired": [r.to_dict() for r in result.refused]}
    target = record_path(result.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text(target, json.dumps(doc, indent=1))


def rehome_record(old_output: str | os.PathLike, new_output: str | os.PathLike,
                  source: str | os.PathLike) -> Path | None:
    """Move a record along with its copy: the generation gate moves a repaired copy over the take
    it repaired, after keeping the original at ``source`` (``.rejected/``). Returns the new record
    (None when the copy had none)."""
    from broll.atomic import write_text

    old = record_path(old_output)
    try:
        doc = json.loads(old.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    doc.update(source=str(Path(source).resolve()), output=str(Path(new_output).resolve()))
    target = record_path(new_output)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = write_text(target, json.dumps(doc, indent=1))
    old.unlink(missing_ok=True)
    return written


def build_copy(root: str | os.PathLike, clip: str | os.PathLike, sha: str) -> Path:
    """Where ``qc: {on_fail: repair}`` keeps the build's repaired copy of a clip (content hash
    ``sha``): ``.broll/repaired/<sha[:16]>/<name>``, reused by every rebuild."""
    return Path(root) / ".broll" / "repaired" / sha[:16] / Path(clip).name


def read_build_repair(root: str | os.PathLike, clip: str | os.PathLike, sha: str | None) -> dict | None:
    """The record of the build's repaired copy of ``clip`` (hash ``sha``), when that copy still is
    what the record says and was made from this very clip; else None. For review's before/after."""
    if sha is None:
        return None
    copy = build_copy(root, clip, sha)
    doc = _load_record(record_path(copy)) if copy.is_file() else None
    if doc is None or doc.get("source_sha256") != sha:
        return None
    from broll.hashing import file_sha256

    if file_sha256(copy) != doc.get("output_sha256"):
        return None
    return {**doc, "output": str(copy)}


def read_record(clip: str | os.PathLike, sha: str | None) -> dict | None:
    """The repair record of ``clip`` when it is still the repaired copy (hash ``sha``), else None."""
    doc = _load_record(record_path(clip)) if sha is not None else None
    if doc is None or doc.get("output_sha256") != sha:
        return None
    return doc


def _load_record(path: Path) -> dict | None:
    """A repair record as written by this module, or None when absent, unreadable or malformed:
    a record that can't be trusted only costs the review its before/after."""
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("repairs"), list):
        return None
    return doc
