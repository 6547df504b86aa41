"""QC reports cached in the project database, keyed by clip content hash + profile hash + QC version."""

from __future__ import annotations

import json
import os
import time

from broll.project import connect, register_schema

register_schema("qc", """
CREATE TABLE IF NOT EXISTS qc_results (
    clip_sha TEXT NOT NULL,
    profile_sha TEXT NOT NULL,
    qc_version TEXT NOT NULL,
    verdict TEXT NOT NULL,
    report TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (clip_sha, profile_sha, qc_version)
);
""")


def load(root: str | os.PathLike, clip_sha: str, profile_sha: str, version: str) -> dict | None:
    conn = connect(root)
    try:
        row = conn.execute("SELECT report FROM qc_results WHERE clip_sha=? AND profile_sha=? AND qc_version=?",
                           (clip_sha, profile_sha, version)).fetchone()
    finally:
        conn.close()
    return json.loads(row["report"]) if row else None


def store(root: str | os.PathLike, clip_sha: str, profile_sha: str, version: str, report_json: str,
          verdict: str) -> None:
    conn = connect(root)
    try:
        conn.execute("INSERT OR REPLACE INTO qc_results VALUES (?, ?, ?, ?, ?, ?)",
                     (clip_sha, profile_sha, version, verdict, report_json, time.time()))
    finally:
        conn.close()


def latest_verdict(root: str | os.PathLike, clip_sha: str) -> str | None:
    """The most recent verdict stored for a clip under any profile (for the review stage)."""
    conn = connect(root)
    try:
        row = conn.execute("SELECT verdict FROM qc_results WHERE clip_sha=? ORDER BY created DESC LIMIT 1",
                           (clip_sha,)).fetchone()
    finally:
        conn.close()
    return row["verdict"] if row else None
