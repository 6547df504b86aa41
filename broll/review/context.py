"""What the other stages know about a clip: QC verdict and findings, grade, generation metadata,
and for a copy ``broll fix`` wrote, what it repaired (its record beside the copy).

Those stages own their tables; review only reads them (the generation manifest through its
own ``Manifest.find``), and reads defensively: a table that does not exist yet (the stage
never ran here) means "nothing known", never an error.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Mapping

from broll.project import connect


def _query_one(conn: sqlite3.Connection, sql: str, args: tuple) -> sqlite3.Row | None:
    try:
        return conn.execute(sql, args).fetchone()
    except sqlite3.Error:       # table or column missing: the stage has not run here
        return None


def qc_summary(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    try:
        report = json.loads(row["report"])
    except (TypeError, ValueError):
        return {"verdict": row["verdict"], "findings": []}
    findings = []
    for f in report.get("findings", []) or []:
        if not isinstance(f, dict):
            continue
        findings.append({k: f.get(k) for k in ("kind", "severity", "start_frame", "end_frame", "start", "end",
                                               "value", "threshold", "message")})
    return {"verdict": report.get("verdict", row["verdict"]), "profile": report.get("profile"),
            "findings": findings}


def grade_summary(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    try:
        result = json.loads(row["result_json"])
    except (TypeError, ValueError):
        return None
    luts = [s.get("lut") for s in result.get("shots", []) or [] if isinstance(s, dict) and s.get("lut")]
    return {"method": result.get("method", row["method"]), "strength": result.get("strength", row["strength"]),
            "de_before": result.get("de_before"), "de_after": result.get("de_after"),
            "lut": luts[0] if luts else None, "reference": result.get("reference")}


_GEN_FIELDS = ("batch", "shot_id", "variant", "provider", "model", "prompt", "seed", "attempt", "cost",
               "placeholder", "state", "qc_verdict")


def generation_summary(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    keys = row.keys()
    return {k: row[k] for k in _GEN_FIELDS if k in keys}


def repair_summary(path: Path, sha: str | None, root: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """What ``broll fix`` did when this clip is a repaired copy (its record beside it), or, with the
    project ``root``, what the build's ``qc: {on_fail: repair}`` made of this clip (``copy``: the
    repaired copy the reel uses); else None."""
    from broll.repair.record import read_build_repair, read_record

    doc = read_record(path, sha)
    copy = None
    if doc is None and root is not None:
        doc = read_build_repair(root, path, sha)
        copy = None if doc is None else doc["output"]
    if doc is None:
        return None
    repairs = []
    for r in doc["repairs"]:
        if not isinstance(r, dict):
            continue
        start, end = int(r.get("start", 0)), int(r.get("end", 0))
        repairs.append({"kind": r.get("kind"), "start": start, "end": end, "frame": (start + end) // 2,
                        "method": r.get("method"), "measure": r.get("measure") or {}})
    if copy is not None:      # this clip is the original: before is itself, after the build's copy
        return {"source": str(path), "source_exists": True, "copy": copy, "verdict_before": doc.get("verdict_before"),
                "verdict": doc.get("verdict"), "repairs": repairs}
    return {"source": doc.get("source"), "source_exists": Path(str(doc.get("source"))).is_file(),
            "verdict_before": doc.get("verdict_before"), "verdict": doc.get("verdict"), "repairs": repairs}


def retime_summary(path: Path) -> dict[str, Any] | None:
    """For a reel the build retimed (its ``.frames.json`` beside it): which frames show a source
    picture for the first time, so the page can step and play those only. None for any other clip."""
    from broll.assemble.framemap import MADE_KINDS, read_frame_map, source_frames

    fmap = read_frame_map(path)
    if fmap is None:
        return None
    made = {kind: sum(end - start for start, end, k in fmap.runs if k == kind) for kind in MADE_KINDS}
    return {"fps": float(fmap.fps), "frames": fmap.frames, "source_frames": source_frames(fmap),
            "repeat": made["repeat"], "synth": made["synth"],
            "methods": sorted({m for m in fmap.methods if m})}


def clip_context(root: str | os.PathLike, path: Path, sha: str | None) -> dict[str, Any]:
    """QC, grade and generation facts for one clip (each None when that stage has nothing)."""
    conn = connect(root)
    try:
        qc = _query_one(conn, "SELECT verdict, report FROM qc_results WHERE clip_sha = ? ORDER BY created DESC LIMIT 1",
                        (sha,)) if sha else None
        grade = _query_one(conn, "SELECT method, strength, result_json FROM grade_luts WHERE clip_sha256 = ?"
                                 " ORDER BY created DESC LIMIT 1", (sha,)) if sha else None
    finally:
        conn.close()
    from broll.generate.manifest import Manifest    # the generation stage's tables, through its own reader
    manifest = Manifest(Path(root))
    try:
        found = manifest.find(sha=sha, files=(str(path), str(path.resolve())))
    finally:
        manifest.close()
    gen = found.data if found else None
    return {"qc": qc_summary(qc), "grade": grade_summary(grade), "generation": generation_summary(gen),
            "repair": repair_summary(path, sha, root), "retime": retime_summary(path)}
