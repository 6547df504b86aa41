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


GEN_CLIPS_SQL = """CREATE TABLE IF NOT EXISTS gen_clips (
    clip_key TEXT PRIMARY KEY, batch TEXT NOT NULL, shot_id TEXT NOT NULL, variant INTEGER NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0, output_retries INTEGER NOT NULL DEFAULT 0, seed INTEGER, client_key TEXT,
    task_id TEXT, submitted_at REAL, cost_est TEXT NOT NULL DEFAULT '0', cost TEXT NOT NULL DEFAULT '0', file TEXT,
    sha256 TEXT, size INTEGER, qc_verdict TEXT, fail_kind TEXT, fail_code TEXT, message TEXT,
    placeholder INTEGER NOT NULL DEFAULT 0, request TEXT, updated_at REAL NOT NULL);"""


def fake_generation(root: Path, sha: str, file: str, prompt: str, *, key: str = "k1", shot: str = "shot-1",
                    attempt: int = 1) -> None:
    """A generation manifest row with broll.generate.manifest's gen_clips schema (copied column for column)."""
    conn = connect(root)
    conn.executescript(GEN_CLIPS_SQL)
    conn.execute("INSERT INTO gen_clips (clip_key, batch, shot_id, variant, provider, model, prompt, state, attempt,"
                 " seed, cost, file, sha256, task_id, qc_verdict, updated_at)"
                 " VALUES (?, 'demo', ?, 0, 'offline', 'placeholder-1', ?, 'done', ?, 42, '0.25', ?, ?, 'task-1',"
                 " 'pass', ?)", (key, shot, prompt, attempt, file, sha, time.time()))
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
    """A .cube LUT computed from ``fn`` on [0, 1] RGB (default: swap red and blue), written by
    broll's own .cube writer."""
    import numpy as np

    from broll.grading.lut import bake
    from broll.grading.lut import write_cube as write

    def transform(rgb):
        return np.stack(fn(rgb[:, 0], rgb[:, 1], rgb[:, 2]), axis=-1)

    return write(bake(transform, size=size), path)
