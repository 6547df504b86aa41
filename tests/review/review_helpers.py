"""Other stages' tables faked exactly as those stages store them, and a tiny .cube writer."""

from __future__ import annotations

import json
import time
from pathlib import Path

from broll.project import connect


def fake_qc(root: Path, sha: str, verdict: str, findings: list[dict]) -> None:
    """A QC result as broll.qc.cache stores it (qc_results table, report JSON)."""
    conn = connect(root)
    conn.executescript("""CREATE TABLE IF NOT EXISTS qc_results (clip_sha TEXT NOT NULL, profile_sha TEXT NOT NULL,
        qc_version TEXT NOT NULL, verdict TEXT NOT NULL, report TEXT NOT NULL, created REAL NOT NULL,
        PRIMARY KEY (clip_sha, profile_sha, qc_version));""")
    report = {"path": "x", "verdict": verdict, "profile": "default", "findings": findings, "facts": {}, "metrics": {}}
    conn.execute("INSERT OR REPLACE INTO qc_results VALUES (?, 'p', '1', ?, ?, ?)",
                 (sha, verdict, json.dumps(report), time.time()))
    conn.close()


def fake_generation(root: Path, sha: str, file: str, prompt: str) -> None:
    """A generation manifest row as broll.generate.manifest stores it (subset of gen_clips columns)."""
    conn = connect(root)
    conn.executescript("""CREATE TABLE IF NOT EXISTS gen_clips (clip_key TEXT PRIMARY KEY, batch TEXT, shot_id TEXT,
        variant INTEGER, provider TEXT, model TEXT, prompt TEXT, state TEXT, attempt INTEGER, seed INTEGER,
        cost TEXT, file TEXT, sha256 TEXT, placeholder INTEGER);""")
    conn.execute("INSERT INTO gen_clips VALUES ('k1', 'demo', 'shot-1', 0, 'offline', 'placeholder-1', ?, 'done',"
                 " 1, 42, '0.25', ?, ?, 0)", (prompt, file, sha))
    conn.close()


def fake_grade(root: Path, sha: str, lut: Path) -> None:
    """A grade result as broll.grading.cache stores it (grade_luts table, result JSON naming the LUT)."""
    conn = connect(root)
    conn.executescript("""CREATE TABLE IF NOT EXISTS grade_luts (key TEXT PRIMARY KEY, clip_sha256 TEXT NOT NULL,
        reference_sha256 TEXT NOT NULL, method TEXT NOT NULL, strength REAL NOT NULL, result_json TEXT NOT NULL,
        created TEXT NOT NULL DEFAULT (datetime('now')));""")
    result = {"method": "mkl", "strength": 0.8, "de_before": 12.5, "de_after": 3.1, "shots": [{"lut": str(lut)}]}
    conn.execute("INSERT INTO grade_luts (key, clip_sha256, reference_sha256, method, strength, result_json)"
                 " VALUES ('g1', ?, 'ref', 'mkl', 0.8, ?)", (sha, json.dumps(result)))
    conn.close()


def write_cube(path: Path, size: int = 5, fn=lambda r, g, b: (b, g, r)) -> Path:
    """A .cube LUT computed from ``fn`` on [0, 1] RGB (default: swap red and blue)."""
    lines = ["TITLE \"test\"", f"LUT_3D_SIZE {size}"]
    for bi in range(size):
        for gi in range(size):
            for ri in range(size):
                r, g, b = (ri / (size - 1), gi / (size - 1), bi / (size - 1))
                lines.append("%.6f %.6f %.6f" % fn(r, g, b))
    path.write_text("\n".join(lines) + "\n")
    return path
