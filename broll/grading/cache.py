"""LUT cache: ``.broll/luts/<key>.cube`` plus a row in the project database per graded clip.

Keyed by the clip's content hash, the reference's content hash, method, strength and the
fitter's version, so a rebuild never refits an unchanged clip and a changed one always is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from broll.hashing import text_sha256
from broll.project import DB_DIR, connect, register_schema

FIT_VERSION = 8          # 2: shots carry the YUV stand-in; 3: scene judged on structure, look transfer;
                         # 4: dense fallback and the colour check (same content by colour);
                         # 5: a confirmed match corrects the shadows down to pure black;
                         # 6: a match confirmed by colour alone is change-capped;
                         # 7: look book: median over stills, footage averages from 33 clips
                         # 8: look book: each still's tint weighted by how tight its greys are
LUT_DIR = "luts"

register_schema("grading", """
CREATE TABLE IF NOT EXISTS grade_luts (
    key TEXT PRIMARY KEY,
    clip_sha256 TEXT NOT NULL,
    reference_sha256 TEXT NOT NULL,
    method TEXT NOT NULL,
    strength REAL NOT NULL,
    result_json TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS grade_luts_clip ON grade_luts (clip_sha256);
""")


def cache_key(clip_sha: str, reference_sha: str, method: str, strength: float, options: dict) -> str:
    return text_sha256("grade", FIT_VERSION, clip_sha, reference_sha, method, round(strength, 4),
                       sorted(options.items()))


def lut_dir(root: str | os.PathLike) -> Path:
    return Path(root) / DB_DIR / LUT_DIR


def load(root: str | os.PathLike, key: str) -> dict | None:
    """The stored result for ``key`` if every LUT it names still exists."""
    conn = connect(root)
    try:
        row = conn.execute("SELECT result_json FROM grade_luts WHERE key = ?", (key,)).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    data = json.loads(row["result_json"])
    if not all(Path(s["lut"]).is_file() for s in data.get("shots", [])):
        return None
    return data


def store(root: str | os.PathLike, key: str, clip_sha: str, reference_sha: str, method: str,
          strength: float, result: dict) -> None:
    conn = connect(root)
    try:
        conn.execute("INSERT OR REPLACE INTO grade_luts (key, clip_sha256, reference_sha256, method, strength, result_json)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (key, clip_sha, reference_sha, method, strength, json.dumps(result)))
    finally:
        conn.close()
