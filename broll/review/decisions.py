"""Review decisions in the project database, and the review state they imply for a clip.

Every decision is kept (an audit trail). A decision binds to the clip's content hash: it
counts for those bytes wherever they sit and whichever review made it, so a clip approved by
``broll review clips/`` is approved for ``broll build edit.yaml`` one folder up, and a file
that changes after approval needs review again. Decisions are read from every project on the
way up from the clip (:func:`broll.project.projects_above`) plus the command's own project;
the latest decision for the clip's current bytes counts. Without one, the latest decision
made on the same path says whether the clip *changed* since approval or was never seen.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from broll.errors import InputError
from broll.hashing import file_sha256
from broll.project import connect, db_path, projects_above, register_schema

APPROVED, REJECTED = "approved", "rejected"
DECISIONS = (APPROVED, REJECTED)

# States a clip can be in, as the page, `--list` and the build gate name them.
UNREVIEWED = "unreviewed"
CHANGED = "changed-since-approval"
MISSING = "missing"

register_schema("review", """
CREATE TABLE IF NOT EXISTS review_decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    clip_path  TEXT NOT NULL,           -- relative to the project root when inside it
    clip_sha   TEXT NOT NULL,           -- sha256 of the bytes the reviewer saw
    decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    note       TEXT NOT NULL DEFAULT '',
    reviewer   TEXT NOT NULL,
    decided_at TEXT NOT NULL            -- ISO 8601 UTC
);
CREATE INDEX IF NOT EXISTS review_decisions_path ON review_decisions (clip_path, id);
CREATE INDEX IF NOT EXISTS review_decisions_sha ON review_decisions (clip_sha, id);
""", version=2, migrations={
    # v2: decisions are looked up by content hash
    2: "CREATE INDEX IF NOT EXISTS review_decisions_sha ON review_decisions (clip_sha, id);",
})


@dataclass(frozen=True)
class Decision:
    clip_path: str
    clip_sha: str
    decision: str
    note: str
    reviewer: str
    decided_at: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReviewState:
    """Where one clip stands: ``approved``, ``rejected``, ``unreviewed``, ``changed-since-approval`` or ``missing``."""

    clip_path: str
    state: str
    current_sha: str | None
    decision: Decision | None

    def to_dict(self) -> dict:
        return {"clip": self.clip_path, "state": self.state, "sha256": self.current_sha,
                "decision": self.decision.to_dict() if self.decision else None}


def clip_key(root: str | os.PathLike, path: str | os.PathLike) -> str:
    """The name a clip is stored under: POSIX path relative to the project root (absolute if outside)."""
    root_p = Path(root).resolve()
    p = Path(path)
    p = (p if p.is_absolute() else root_p / p).resolve()
    try:
        return p.relative_to(root_p).as_posix()
    except ValueError:
        return p.as_posix()


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): fall back to the uid
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record_decision(root: str | os.PathLike, path: str | os.PathLike, decision: str, note: str = "", *,
                    expected_sha: str | None = None, reviewer: str | None = None) -> Decision:
    """Store a decision for the clip at ``path``, bound to its current content hash.

    ``expected_sha`` is the hash of what the reviewer saw; if the file changed since, refuse
    rather than approve bytes nobody looked at.
    """
    if decision not in DECISIONS:
        raise InputError(f"unknown review decision '{decision}'", "use approved or rejected")
    key = clip_key(root, path)
    full = Path(root).resolve() / key if not Path(key).is_absolute() else Path(key)
    if not full.is_file():
        raise InputError(f"{key}: clip not found", "was it moved or deleted? reload the review page")
    sha = file_sha256(full)
    if expected_sha is not None and expected_sha != sha:
        raise ClipChanged(f"{key}: the clip changed on disk since the page loaded it",
                          "reload the page and look at it again")
    row = Decision(key, sha, decision, note.strip()[:2000], reviewer or current_user(),
                   datetime.now(timezone.utc).isoformat(timespec="seconds"))
    conn = connect(root)
    try:
        conn.execute("INSERT INTO review_decisions (clip_path, clip_sha, decision, note, reviewer, decided_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (row.clip_path, row.clip_sha, row.decision, row.note, row.reviewer, row.decided_at))
    finally:
        conn.close()
    return row


class ClipChanged(InputError):
    """A decision was sent for bytes that are no longer on disk."""


def latest_decisions(root: str | os.PathLike) -> dict[str, Decision]:
    """The latest decision per clip path."""
    conn = connect(root)
    try:
        rows = conn.execute(
            "SELECT d.* FROM review_decisions d JOIN (SELECT clip_path, MAX(id) AS id FROM review_decisions"
            " GROUP BY clip_path) m ON d.id = m.id ORDER BY d.clip_path").fetchall()
    finally:
        conn.close()
    return {r["clip_path"]: Decision(r["clip_path"], r["clip_sha"], r["decision"], r["note"], r["reviewer"],
                                     r["decided_at"]) for r in rows}


def history(root: str | os.PathLike) -> list[Decision]:
    """Every decision ever made, oldest first."""
    conn = connect(root)
    try:
        rows = conn.execute("SELECT * FROM review_decisions ORDER BY id").fetchall()
    finally:
        conn.close()
    return [Decision(r["clip_path"], r["clip_sha"], r["decision"], r["note"], r["reviewer"], r["decided_at"])
            for r in rows]


def state_for(key: str, current_sha: str | None, decision: Decision | None) -> str:
    """The pure rule: a decision only counts for the bytes it was made on."""
    if current_sha is None:
        return MISSING
    if decision is None:
        return UNREVIEWED
    if decision.clip_sha != current_sha:
        # an approved clip that changed must be looked at again; a rejected take that was
        # replaced is a new clip nobody has seen yet
        return CHANGED if decision.decision == APPROVED else UNREVIEWED
    return decision.decision


def _latest_in(root: Path, shas: set[str], keys: set[str]) -> tuple[dict[str, Decision], dict[str, Decision]]:
    """The latest decision per content hash (of ``shas``) and per clip path (of ``keys``) in one project."""
    conn = connect(root)
    try:
        rows = conn.execute("SELECT * FROM review_decisions ORDER BY id").fetchall()
    finally:
        conn.close()
    by_sha: dict[str, Decision] = {}
    by_key: dict[str, Decision] = {}
    for r in rows:
        dec = Decision(r["clip_path"], r["clip_sha"], r["decision"], r["note"], r["reviewer"], r["decided_at"])
        if dec.clip_sha in shas:
            by_sha[dec.clip_sha] = dec
        if dec.clip_path in keys:
            by_key[dec.clip_path] = dec
    return by_sha, by_key


def review_states(root: str | os.PathLike, paths: Iterable[str | os.PathLike]) -> list[ReviewState]:
    """The review state of each clip in ``paths`` (relative to ``root`` or absolute).

    ``root`` is the command's project; decisions also come from every project database above
    each clip (a nested ``clips/.broll`` made by ``broll review clips/`` counts).
    """
    root_p = Path(root).resolve()
    clips = []
    for path in paths:
        key = clip_key(root_p, path)
        full = Path(key) if Path(key).is_absolute() else root_p / key
        clips.append((key, full, file_sha256(full) if full.is_file() else None))
    projects: dict[Path, None] = {root_p: None} if db_path(root_p).is_file() else {}
    for _, full, _ in clips:
        projects.update(dict.fromkeys(projects_above(full.parent)))
    shas = {sha for _, _, sha in clips if sha}
    by_sha: dict[str, Decision] = {}
    by_key: dict[tuple[Path, str], Decision] = {}
    for project in projects:
        keys = {clip_key(project, full) for _, full, _ in clips}
        found_sha, found_key = _latest_in(project, shas, keys)
        for sha, dec in found_sha.items():
            if sha not in by_sha or dec.decided_at > by_sha[sha].decided_at:
                by_sha[sha] = dec            # ties: the nearer project (listed first) wins
        for key, dec in found_key.items():
            by_key[(project, key)] = dec
    out = []
    for key, full, sha in clips:
        dec = by_sha.get(sha) if sha else None
        if dec is None:                  # nothing on these bytes: what was decided on this path?
            same_path = [by_key[(p, clip_key(p, full))] for p in projects if (p, clip_key(p, full)) in by_key]
            dec = max(same_path, key=lambda d: d.decided_at, default=None)
        out.append(ReviewState(key, state_for(key, sha, dec), sha, dec))
    return out
