"""The project: a folder whose ``.broll/`` holds state for everything under it.

**Which project a file belongs to.** :func:`find_project` walks up from the file's folder (or
from the folder given) to the nearest folder that already has a ``.broll/`` folder; when none
does, the file's own folder starts a new project. The walk never adopts the home folder or the
filesystem root, which are nobody's project by accident. So ``broll review clips/``, ``broll
check clips/a.mp4`` and ``broll build edit.yaml`` beside ``clips/`` all find the same project once
any of them (or ``broll generate``, or ``broll init``) has created ``.broll/`` there.

**Nested projects.** A folder can still hold its own ``.broll/`` (someone ran ``broll review
clips/`` before the edit list existed). State keyed by content (review decisions, caches) is
looked up in every project database from a file's folder up to the root (:func:`projects_above`),
so a decision made in the inner project counts for a build in the outer one.

**The database.** ``.broll/project.db`` is SQLite in WAL mode: a crash never loses a committed
row, and readers (the review page) never block writers (a running batch). Each stage declares
its tables once with :func:`register_schema` and is their only writer (the module that
registers them owns them; other stages call its functions). Every schema has a version, kept in
the ``meta`` table; :func:`connect` upgrades an older database in place with the stage's
migrations (a database from before versions existed counts as version 1 of every stage whose
tables it has) and refuses one written by a newer broll instead of guessing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Union

from broll.errors import InputError, ProjectError

DB_DIR = ".broll"
DB_NAME = "project.db"
# the layout of project.db itself (PRAGMA user_version): 1 = stage versions in `meta`
FORMAT_VERSION = 1

Migration = Union[str, Callable[[sqlite3.Connection], None]]


@dataclass(frozen=True)
class Schema:
    """One stage's tables: current DDL, its version, and how to upgrade each older version."""

    name: str
    sql: str                                   # CREATE ... IF NOT EXISTS statements, current shape
    version: int
    migrations: dict[int, Migration] = field(default_factory=dict)   # n: upgrade from n-1 to n
    owner: str = ""                            # the module that writes these tables

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(re.findall(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", self.sql, re.I))


_SCHEMAS: dict[str, Schema] = {}
_LOCK = threading.Lock()


def register_schema(name: str, sql: str, *, version: int = 1, migrations: dict[int, Migration] | None = None,
                    owner: str | None = None) -> Schema:
    """Declare a stage's tables. The calling module owns them: it alone writes to them.

    ``migrations[n]`` (SQL or a function of the connection) upgrades version n-1 to n; every
    version from 2 to ``version`` needs one.
    """
    migrations = dict(migrations or {})
    missing = [n for n in range(2, version + 1) if n not in migrations]
    if missing:
        raise ValueError(f"schema {name!r} v{version} has no migration to v{missing[0]}")
    schema = Schema(name, sql, version, migrations, owner or sys._getframe(1).f_globals.get("__name__", "?"))
    _SCHEMAS[name] = schema
    return schema


def schemas() -> dict[str, Schema]:
    """Every registered schema by stage name (stages register when their module is imported)."""
    return dict(_SCHEMAS)


# ---------------------------------------------------------------- which project

def _never_a_project(folder: Path) -> bool:
    return folder == Path(folder.anchor) or folder == Path.home().resolve()


def find_project(path: str | os.PathLike) -> Path:
    """The project folder for ``path`` (a file or a folder): see the module docstring."""
    p = Path(path).expanduser().resolve()
    start = p if p.is_dir() else p.parent
    for folder in (start, *start.parents):
        if _never_a_project(folder):
            break
        if (folder / DB_DIR).is_dir():
            return folder
    return start


def project_root_for(path: str | os.PathLike) -> Path:
    """The folder whose ``.broll/`` holds state for ``path`` (kept for callers; same as :func:`find_project`)."""
    return find_project(path)


def projects_above(path: str | os.PathLike) -> Iterator[Path]:
    """Every folder with a project database from ``path``'s folder upwards, nearest first."""
    p = Path(path).expanduser().resolve()
    start = p if p.is_dir() else p.parent
    for folder in (start, *start.parents):
        if _never_a_project(folder):
            return
        if db_path(folder).is_file():
            yield folder


def db_path(root: str | os.PathLike) -> Path:
    return Path(root) / DB_DIR / DB_NAME


# ---------------------------------------------------------------- the database

def connect(root: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating if needed) the project database under ``root``, every schema current."""
    path = db_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"{path}: cannot open project database ({exc})",
                         "check the folder is writable") from None
    try:
        with _LOCK:
            _bring_up_to_date(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ProjectError(f"{path}: not a usable project database ({exc})",
                           "move the .broll folder aside; broll starts a fresh one") from None
    except BaseException:
        conn.close()
        raise
    return conn


def schema_versions(conn: sqlite3.Connection) -> dict[str, int]:
    """The version of each stage's tables recorded in this database (empty for an unversioned one)."""
    if not _has_table(conn, "meta"):
        return {}
    rows = conn.execute("SELECT key, value FROM meta WHERE key LIKE 'schema.%'").fetchall()
    out = {}
    for row in rows:
        try:
            out[row[0][len("schema."):]] = int(row[1])
        except ValueError:
            continue
    return out


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _check_not_newer(path: Path, conn: sqlite3.Connection, versions: dict[str, int]) -> None:
    fmt = conn.execute("PRAGMA user_version").fetchone()[0]
    if fmt > FORMAT_VERSION:
        raise ProjectError(f"{path}: written by a newer broll (project format {fmt}; this broll knows {FORMAT_VERSION})",
                           "upgrade broll to use this project")
    for name, schema in _SCHEMAS.items():
        if versions.get(name, 0) > schema.version:
            raise ProjectError(f"{path}: written by a newer broll ({name} tables v{versions[name]}; "
                               f"this broll knows v{schema.version})", "upgrade broll to use this project")


def _up_to_date(conn: sqlite3.Connection, versions: dict[str, int]) -> bool:
    return (conn.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
            and all(versions.get(name) == s.version for name, s in _SCHEMAS.items()))


def _bring_up_to_date(conn: sqlite3.Connection, path: Path) -> None:
    versions = schema_versions(conn)
    _check_not_newer(path, conn, versions)
    if _up_to_date(conn, versions):
        return
    conn.execute("BEGIN IMMEDIATE")        # one upgrader at a time; the others wait, then see it done
    try:
        versions = schema_versions(conn)
        _check_not_newer(path, conn, versions)
        _run(conn, _META_SQL)
        for name, schema in _SCHEMAS.items():
            have = versions.get(name)
            if have == schema.version:
                continue
            if have is None:
                # an unversioned database (made before versions existed) holds version 1 of every
                # stage whose tables it has; a stage that never ran here starts at its current version
                have = 1 if any(_has_table(conn, t) for t in schema.tables) else schema.version
            for n in range(have + 1, schema.version + 1):
                step = schema.migrations[n]
                if callable(step):
                    step(conn)
                else:
                    _run(conn, step)
            _run(conn, schema.sql)        # tables and indexes that are new in this version
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (f"schema.{name}", str(schema.version)))
        conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` inside the open transaction (executescript would commit it)."""
    buf = ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\n;"):
                conn.execute(buf)
            buf = ""
    if buf.strip(" \t\n;"):
        conn.execute(buf)


_META_SQL = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
