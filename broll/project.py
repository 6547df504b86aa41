"""Project state in SQLite: ``.broll/project.db`` beside the edit list or batch spec.

Each stage owns its tables and declares them with :func:`register_schema`; the database
runs in WAL mode so a crash never loses a committed row, and readers (the review page)
never block writers (a running batch).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from broll.errors import InputError

DB_DIR = ".broll"
DB_NAME = "project.db"

_SCHEMAS: dict[str, str] = {}
_LOCK = threading.Lock()


def register_schema(name: str, sql: str) -> None:
    """Declare a stage's tables (idempotent ``CREATE TABLE IF NOT EXISTS`` statements)."""
    _SCHEMAS[name] = sql


def project_root_for(path: str | os.PathLike) -> Path:
    """The folder whose ``.broll/`` holds state for ``path`` (a spec file or a folder)."""
    p = Path(path).resolve()
    return p if p.is_dir() else p.parent


def db_path(root: str | os.PathLike) -> Path:
    return Path(root) / DB_DIR / DB_NAME


def connect(root: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating if needed) the project database under ``root`` with every schema applied."""
    path = db_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"{path}: cannot open project database ({exc})",
                         "check the folder is writable") from None
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    with _LOCK:
        for sql in _SCHEMAS.values():
            conn.executescript(sql)
    return conn


register_schema("meta", """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
""")
