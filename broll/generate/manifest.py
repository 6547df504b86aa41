"""Write-ahead manifest: one row per clip in ``.broll/project.db``, so a paid clip is never
lost or paid for twice.

Order of writes for every submission: the row goes to ``submitting`` (with the client key
and the full request) *before* the POST; the task id is written the instant the create
answers; the file hash once the verified download is renamed into place. SQLite runs
with WAL and ``synchronous=FULL``, so a committed row survives ``kill -9``. On restart:
rows with a task id are polled, never resubmitted; ``submitting`` rows without one are
reconciled with the provider or surfaced for a person.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from broll.hashing import text_sha256
from broll.project import connect, register_schema

# Columns added in version 2 of the generate tables (for `broll generate report`): (table, column, type).
# Version 1 databases get them through the project's migration, so the report works on every manifest.
ADDED_COLUMNS = [("gen_clips", "duration", "REAL"), ("gen_clips", "requested_seed", "INTEGER"),
                 ("gen_tasks", "downloaded_at", "REAL"), ("gen_tasks", "qc_verdict", "TEXT"),
                 ("gen_tasks", "fail_kind", "TEXT")]


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, kind in ADDED_COLUMNS:
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as exc:     # another process added it first
                if "duplicate column" not in str(exc):
                    raise


register_schema("generate", """
CREATE TABLE IF NOT EXISTS gen_clips (
    clip_key     TEXT PRIMARY KEY,
    batch        TEXT NOT NULL,
    shot_id      TEXT NOT NULL,
    variant      INTEGER NOT NULL,
    provider     TEXT NOT NULL,
    model        TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    output_retries INTEGER NOT NULL DEFAULT 0,
    seed         INTEGER,
    client_key   TEXT,
    task_id      TEXT,
    submitted_at REAL,
    cost_est     TEXT NOT NULL DEFAULT '0',
    cost         TEXT NOT NULL DEFAULT '0',
    file         TEXT,
    sha256       TEXT,
    size         INTEGER,
    qc_verdict   TEXT,
    fail_kind    TEXT,
    fail_code    TEXT,
    message      TEXT,
    placeholder  INTEGER NOT NULL DEFAULT 0,
    request      TEXT,
    updated_at   REAL NOT NULL,
    duration     REAL,
    requested_seed INTEGER
);
CREATE INDEX IF NOT EXISTS gen_clips_batch ON gen_clips(batch);
CREATE TABLE IF NOT EXISTS gen_tasks (
    client_key   TEXT PRIMARY KEY,
    clip_key     TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    seed         INTEGER,
    task_id      TEXT,
    state        TEXT NOT NULL,
    cost         TEXT NOT NULL DEFAULT '0',
    reason       TEXT,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    downloaded_at REAL,
    qc_verdict   TEXT,
    fail_kind    TEXT
);
CREATE INDEX IF NOT EXISTS gen_tasks_clip ON gen_tasks(clip_key);
""", version=2, migrations={2: _add_missing_columns})

# Clip states, in the order a clip normally moves through them.
PENDING = "pending"            # known, nothing sent
SUBMITTING = "submitting"      # create about to be / being sent; no task id yet
IN_FLIGHT = "in_flight"        # task id known: poll it, never resubmit
DOWNLOADING = "downloading"
DONE = "done"                  # verified file on disk, QC pass (or gate skipped)
REVIEW = "review"              # verified file; QC asks a person to look
FAILED = "failed"              # terminal for this input (reason in fail_kind / message)
AMBIGUOUS = "ambiguous"        # a create may have reached the provider and could not be found again
SKIPPED = "skipped"            # not submitted: budget cap or no credit; re-run to resume

FINISHED = {DONE, REVIEW}

def clip_key(provider: str, model: str, prompt: str, ref_hash: str | None, seed: int | None,
             duration: int, aspect: str, variant: int, refs_hash: str | None = None, **options: object) -> str:
    """Identity of one requested clip; a changed prompt, reference or option is a different clip.

    Subject references (``refs_hash``) and ``options`` (negative prompt, explicit resolution, burnt-in
    caption) count only when set, so the keys of clips requested without them stay what they were. Every
    batch spec of a project shares its manifest, and two specs asking for different pictures must not
    share a clip.
    """
    set_options = sorted((k, v) for k, v in options.items() if v not in (None, False, ""))
    extra = ((refs_hash,) if refs_hash is not None else ()) + ((set_options,) if set_options else ())
    return text_sha256("clip/v1", provider, model, prompt, ref_hash, seed, duration, aspect, variant, *extra)[:24]


@dataclass
class ClipRow:
    data: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None


class Manifest:
    """Thread-safe access to the manifest tables of one project."""

    def __init__(self, root: Path):
        self.conn: sqlite3.Connection = connect(root)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()

    def _exec(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def _query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Read all rows while holding the lock: worker threads share one connection."""
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    # -- reads ------------------------------------------------------------------------------
    def get(self, key: str) -> ClipRow | None:
        rows = self._query("SELECT * FROM gen_clips WHERE clip_key = ?", (key,))
        return ClipRow(dict(rows[0])) if rows else None

    def rows(self, batch: str) -> list[ClipRow]:
        return [ClipRow(dict(r)) for r in
                self._query("SELECT * FROM gen_clips WHERE batch = ? ORDER BY shot_id, variant", (batch,))]

    def find(self, *, sha: str | None = None, files: tuple[str, ...] = ()) -> ClipRow | None:
        """The clip whose file has content hash ``sha`` (or sits at one of ``files``), if one was generated here."""
        where = " OR ".join(["sha256 = ?"] + ["file = ?"] * len(files))
        rows = self._query(f"SELECT * FROM gen_clips WHERE {where} LIMIT 1", (sha, *files))
        return ClipRow(dict(rows[0])) if rows else None

    def has_clips(self) -> bool:
        return bool(self._query("SELECT 1 FROM gen_clips LIMIT 1"))

    def tasks(self, key: str) -> list[dict]:
        return [dict(r) for r in
                self._query("SELECT * FROM gen_tasks WHERE clip_key = ? ORDER BY attempt, created_at", (key,))]

    def taken_task_ids(self) -> set[str]:
        return {r[0] for r in self._query("SELECT task_id FROM gen_tasks WHERE task_id IS NOT NULL")}

    def committed_cost(self, batch: str) -> Decimal:
        """Money already charged for this batch's clips in earlier runs."""
        rows = self._query("SELECT t.cost FROM gen_tasks t JOIN gen_clips c ON c.clip_key = t.clip_key "
                           "WHERE c.batch = ?", (batch,))
        return sum((Decimal(r[0]) for r in rows), Decimal("0"))

    # -- writes (each one a committed transaction) -------------------------------------------
    def ensure(self, key: str, **fields: Any) -> ClipRow:
        existing = self.get(key)
        if existing:
            return existing
        fields.update(clip_key=key, state=PENDING, updated_at=time.time())
        cols = ", ".join(fields)
        marks = ", ".join(f":{c}" for c in fields)
        self._exec(f"INSERT OR IGNORE INTO gen_clips ({cols}) VALUES ({marks})", fields)
        return self.get(key)  # type: ignore[return-value]

    def update(self, key: str, **fields: Any) -> None:
        fields = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in fields.items()}
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{c} = :{c}" for c in fields)
        self._exec(f"UPDATE gen_clips SET {sets} WHERE clip_key = :_key", {**fields, "_key": key})

    def begin_submit(self, key: str, *, client_key: str, attempt: int, seed: int | None, cost_est: Decimal,
                     request: dict) -> None:
        """The write-ahead step: recorded and committed before any byte goes to the provider."""
        now = time.time()
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "INSERT OR REPLACE INTO gen_tasks (client_key, clip_key, attempt, seed, task_id, state, cost,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, '0', ?, ?)",
                    (client_key, key, attempt, seed, SUBMITTING, now, now))
                self.conn.execute(
                    "UPDATE gen_clips SET state = ?, client_key = ?, attempt = ?, seed = ?, task_id = NULL,"
                    " submitted_at = ?, cost_est = ?, request = ?, fail_kind = NULL, fail_code = NULL,"
                    " message = NULL, updated_at = ? WHERE clip_key = ?",
                    (SUBMITTING, client_key, attempt, seed, now, str(cost_est), json.dumps(request), now, key))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def set_task(self, key: str, client_key: str, task_id: str) -> None:
        """Record the provider's task id the moment it is known."""
        now = time.time()
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute("UPDATE gen_tasks SET task_id = ?, state = ?, updated_at = ? WHERE client_key = ?",
                                  (task_id, IN_FLIGHT, now, client_key))
                self.conn.execute("UPDATE gen_clips SET task_id = ?, state = ?, updated_at = ? WHERE clip_key = ?",
                                  (task_id, IN_FLIGHT, now, key))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def settle_task(self, client_key: str, state: str, cost: Decimal, reason: str | None = None,
                    fail_kind: str | None = None) -> None:
        self._exec("UPDATE gen_tasks SET state = ?, cost = ?, reason = ?, fail_kind = ?, updated_at = ?"
                   " WHERE client_key = ?", (state, str(cost), reason, fail_kind, time.time(), client_key))

    def task_downloaded(self, client_key: str) -> None:
        """When a take's verified file landed: the end of its submit -> downloaded latency."""
        now = time.time()
        self._exec("UPDATE gen_tasks SET downloaded_at = ?, updated_at = ? WHERE client_key = ?",
                   (now, now, client_key))

    def task_verdict(self, client_key: str, verdict: str) -> None:
        self._exec("UPDATE gen_tasks SET qc_verdict = ?, updated_at = ? WHERE client_key = ?",
                   (verdict, time.time(), client_key))

    def all_tasks(self, batch: str | None = None) -> list[dict]:
        """Every take (with its clip's provider and model), for the report."""
        sql = ("SELECT t.*, c.provider, c.model, c.batch FROM gen_tasks t JOIN gen_clips c ON c.clip_key = t.clip_key"
               + (" WHERE c.batch = ?" if batch else "") + " ORDER BY t.created_at")
        return [dict(r) for r in self._query(sql, (batch,) if batch else ())]

    def all_rows(self) -> list[ClipRow]:
        return [ClipRow(dict(r)) for r in
                self._query("SELECT * FROM gen_clips ORDER BY batch, provider, model, shot_id, variant")]

    def send_back(self, key: str, attempt: int, message: str) -> None:
        """A take rejected in review: back to ``pending`` as ``attempt`` (a new seed), its file forgotten."""
        self.update(key, state=PENDING, attempt=attempt, file=None, sha256=None, task_id=None, output_retries=0,
                    qc_verdict=None, message=message[:500])

    def note_task(self, client_key: str, reason: str) -> None:
        self._exec("UPDATE gen_tasks SET reason = ?, updated_at = ? WHERE client_key = ?",
                   (reason, time.time(), client_key))
