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


def read_record(clip: str | os.PathLike, sha: str | None) -> dict | None:
    """The repair record of ``clip`` when it is still the repaired copy (hash ``sha``), else None."""
    path = record_path(clip)
    if sha is None or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("output_sha256") != sha or not isinstance(doc.get("repairs"), list):
        return None
    return doc
