"""project.db: schema versions, in-place upgrades of older databases, refusal of newer ones,
and one owner per table."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest

import broll
import broll.generate.manifest  # noqa: F401  (each stage registers its tables on import)
import broll.grading.cache  # noqa: F401
import broll.qc.cache  # noqa: F401
import broll.review.decisions  # noqa: F401
from broll import project
from broll.errors import ProjectError

# project.db exactly as def0763 (before schema versions) created it, tables of every stage
OLD_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS review_decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    clip_path  TEXT NOT NULL,
    clip_sha   TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    note       TEXT NOT NULL DEFAULT '',
    reviewer   TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_decisions_path ON review_decisions (clip_path, id);
CREATE TABLE IF NOT EXISTS gen_clips (
    clip_key TEXT PRIMARY KEY, batch TEXT NOT NULL, shot_id TEXT NOT NULL, variant INTEGER NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0, output_retries INTEGER NOT NULL DEFAULT 0, seed INTEGER,
    client_key TEXT, task_id TEXT, submitted_at REAL, cost_est TEXT NOT NULL DEFAULT '0',
    cost TEXT NOT NULL DEFAULT '0', file TEXT, sha256 TEXT, size INTEGER, qc_verdict TEXT, fail_kind TEXT,
    fail_code TEXT, message TEXT, placeholder INTEGER NOT NULL DEFAULT 0, request TEXT, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS gen_clips_batch ON gen_clips(batch);
CREATE TABLE IF NOT EXISTS gen_tasks (
    client_key TEXT PRIMARY KEY, clip_key TEXT NOT NULL, attempt INTEGER NOT NULL, seed INTEGER, task_id TEXT,
    state TEXT NOT NULL, cost TEXT NOT NULL DEFAULT '0', reason TEXT, created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS gen_tasks_clip ON gen_tasks(clip_key);
CREATE TABLE IF NOT EXISTS qc_results (
    clip_sha TEXT NOT NULL, profile_sha TEXT NOT NULL, qc_version TEXT NOT NULL, verdict TEXT NOT NULL,
    report TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (clip_sha, profile_sha, qc_version)
);
CREATE TABLE IF NOT EXISTS grade_luts (
    key TEXT PRIMARY KEY, clip_sha256 TEXT NOT NULL, reference_sha256 TEXT NOT NULL, method TEXT NOT NULL,
    strength REAL NOT NULL, result_json TEXT NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS grade_luts_clip ON grade_luts (clip_sha256);
"""


def _old_project(root: Path) -> Path:
    path = root / ".broll" / "project.db"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.executescript(OLD_DDL)
    conn.execute("INSERT INTO review_decisions (clip_path, clip_sha, decision, note, reviewer, decided_at)"
                 " VALUES ('clips/a.mp4', 'aa', 'approved', 'fine', 'ana', '2026-12-01T10:00:00+00:00')")
    conn.execute("INSERT INTO gen_clips (clip_key, batch, shot_id, variant, provider, model, prompt, state,"
                 " updated_at, sha256) VALUES ('k1', 'b', 'hero', 1, 'runway', 'gen4', 'a watch', 'done', 1.0, 'aa')")
    conn.execute("INSERT INTO gen_tasks VALUES ('c1', 'k1', 1, 7, 't1', 'done', '0.50', NULL, 1.0, 1.0)")
    conn.execute("INSERT INTO qc_results VALUES ('aa', 'p', '1', 'pass', '{}', 1.0)")
    conn.execute("INSERT INTO grade_luts (key, clip_sha256, reference_sha256, method, strength, result_json)"
                 " VALUES ('g', 'aa', 'rr', 'mkl', 0.8, '{}')")
    conn.commit()
    conn.close()
    return path


def _dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("review_decisions", "gen_clips", "gen_tasks", "qc_results", "grade_luts")}
    finally:
        conn.close()


def test_an_unversioned_database_is_upgraded_in_place_losing_nothing(tmp_path):
    path = _old_project(tmp_path)
    before = _dump(path)
    conn = project.connect(tmp_path)
    try:
        versions = project.schema_versions(conn)
        assert versions == {name: s.version for name, s in project.schemas().items()}
        assert versions["review"] == 2
        assert conn.execute("PRAGMA user_version").fetchone()[0] == project.FORMAT_VERSION
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "review_decisions_sha" in indexes                  # review's v2 migration ran
    finally:
        conn.close()
    after = _dump(path)
    # every row survives; migrations may only append columns (generate's v2 adds report columns, empty)
    for table, rows in before.items():
        assert [row[:len(rows[0])] for row in after[table]] == rows, table
        assert all(v is None for row in after[table] for v in row[len(rows[0]):]), table
    assert project.schema_versions(sqlite3.connect(path))["generate"] == 2
    # and the upgraded data reads through the owners' functions
    from broll.review.decisions import latest_decisions
    assert latest_decisions(tmp_path)["clips/a.mp4"].note == "fine"
    from broll.generate.manifest import Manifest
    m = Manifest(tmp_path)
    try:
        assert m.find(sha="aa").shot_id == "hero" and m.tasks("k1")[0]["cost"] == "0.50"
    finally:
        m.close()


def test_a_current_database_is_left_alone_and_new_ones_start_current(tmp_path):
    conn = project.connect(tmp_path)
    conn.close()
    mtime = project.db_path(tmp_path).stat().st_mtime_ns
    for _ in range(3):
        project.connect(tmp_path).close()
    conn = project.connect(tmp_path)
    try:
        assert project.schema_versions(conn)["review"] == 2
    finally:
        conn.close()
    assert project.db_path(tmp_path).stat().st_mtime_ns == mtime


def test_a_database_from_a_newer_broll_is_refused_with_one_line(tmp_path, capsys):
    project.connect(tmp_path).close()
    conn = sqlite3.connect(project.db_path(tmp_path))
    conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema.review'")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match=r"written by a newer broll \(review tables v9; this broll knows v2\)"):
        project.connect(tmp_path)
    from broll.cli import run
    with pytest.raises(SystemExit) as exit_:
        run(["review", str(tmp_path), "--list"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("Error: ") == 1 and "newer broll" in err and "Traceback" not in err


def test_a_newer_file_layout_is_refused(tmp_path):
    project.connect(tmp_path).close()
    conn = sqlite3.connect(project.db_path(tmp_path))
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="project format 7"):
        project.connect(tmp_path)


def test_a_damaged_database_is_one_clear_error(tmp_path):
    path = project.db_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(broll.errors.BrollError, match="project.db"):
        project.connect(tmp_path)


def test_migrations_run_in_order_once_even_with_concurrent_openers(tmp_path, monkeypatch):
    calls: list[int] = []

    def to_v3(conn):
        calls.append(3)
        conn.execute("ALTER TABLE demo_items ADD COLUMN size INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(project, "_SCHEMAS", dict(project._SCHEMAS))
    project.register_schema("demo", "CREATE TABLE IF NOT EXISTS demo_items (id INTEGER PRIMARY KEY, name TEXT);")
    conn = project.connect(tmp_path)
    conn.execute("INSERT INTO demo_items (name) VALUES ('kept')")
    conn.close()
    project.register_schema("demo", """
        CREATE TABLE IF NOT EXISTS demo_items (id INTEGER PRIMARY KEY, name TEXT, tag TEXT, size INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS demo_items_tag ON demo_items (tag);
    """, version=3, migrations={2: "ALTER TABLE demo_items ADD COLUMN tag TEXT;", 3: to_v3})
    errors = []

    def open_it():
        try:
            project.connect(tmp_path).close()
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and calls == [3]
    conn = project.connect(tmp_path)
    try:
        assert [tuple(r) for r in conn.execute("SELECT name, tag, size FROM demo_items")] == [("kept", None, 0)]
        assert project.schema_versions(conn)["demo"] == 3
    finally:
        conn.close()
    with pytest.raises(ValueError, match="no migration to v2"):
        project.register_schema("bad", "CREATE TABLE IF NOT EXISTS bad_t (x);", version=2)


_WRITE = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|ALTER\s+TABLE|"
                    r"DROP\s+TABLE(?:\s+IF\s+EXISTS)?)\s+(\w+)", re.I)


def test_every_table_is_written_only_by_the_module_that_registers_it():
    package = Path(broll.__file__).parent
    owners = {}
    for schema in project.schemas().values():
        owner_file = package.parent / (schema.owner.replace(".", "/") + ".py")
        assert owner_file.is_file(), schema
        for table in schema.tables:
            owners[table] = owner_file
    assert {"gen_clips", "gen_tasks", "qc_results", "grade_luts", "review_decisions"} <= set(owners)
    offenders = []
    for path in package.rglob("*.py"):
        for match in _WRITE.finditer(path.read_text(encoding="utf-8")):
            table = match.group(1)
            if table in owners and owners[table] != path:
                offenders.append(f"{path.relative_to(package.parent)} writes {table} ({owners[table].name} owns it)")
    assert not offenders, offenders
