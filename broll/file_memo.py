"""What reading a file told us (its content hash, its probe), remembered across runs by its stat.

A rebuild with nothing changed should not read every clip again to learn what it already knew.
The project keeps ``.broll/file-memo.json``: per absolute path, the file's *stamp* (size,
mtime_ns, ctime_ns, inode, device) and the values derived from its bytes when it had that
stamp (``sha256``, ``probe/<probe code hash>``, ...). A value is served only while the stamp on
disk is the same, so an edited, replaced, re-copied or touched file is read again.

- **Racy stamps.** A file written in the same clock tick as it was read could change without
  its stamp changing (the "racy git" problem). A value is kept only when the read started at least
  :data:`RACY_NS` after the file's last change (mtime or ctime); a younger file is read again
  next time, by which point it is old enough. Files broll itself has just written
  (:meth:`FileMemo.vouch`) are trusted at once: the stamp was taken right after the rename that
  put our bytes in place.
- **Crash safety.** The memo is written whole to a temp file and renamed into place
  (:mod:`broll.atomic`); a crash loses at most the entries learnt since the last save, never
  leaves a broken file. A memo that cannot be read is ignored (and rebuilt), never an error.
- **Concurrent runs.** Saving merges with what is on disk (newest read wins per path), so two
  builds at once lose nothing but, at worst, each other's newest entries.

One process has one *active* memo (:func:`use_project`), consulted by
:func:`broll.hashing.file_sha256` and :func:`broll.media.probe.probe`; without one they work as
before (memoised within the process only).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Optional

MEMO_NAME = "file-memo.json"
FORMAT = 1
RACY_NS = 2_000_000_000          # a value read within 2 s of the file's last change is not trusted
MAX_ENTRIES = 20_000             # least recently used paths go first beyond this

Stamp = tuple[int, int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    """What must stay equal for a remembered value to still describe the file."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class FileMemo:
    """One project's memo (``<project>/.broll/file-memo.json``), loaded on first use."""

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / MEMO_NAME
        self._entries: Optional[dict[str, dict]] = None
        self._changed: set[str] = set()
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------
    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            self._entries = _read(self.path)
        return self._entries

    def get(self, path: str, kind: str, stamp: Stamp) -> Any:
        """The value of ``kind`` remembered for ``path`` with exactly this stamp, else None."""
        with self._lock:
            entry = self._load().get(path)
            if entry is None or tuple(entry["stamp"]) != stamp or kind not in entry["values"]:
                return None
            if not entry.get("own") and entry["at"] - max(stamp[1], stamp[2]) < RACY_NS:
                return None                      # read too soon after a change: read it again
            if time.time_ns() - entry.get("used", 0) > 3600 * 10**9:
                entry["used"] = time.time_ns()   # for the size cap; refreshed hourly, not every hit
                self._changed.add(path)
            return entry["values"][kind]

    # -- learning ------------------------------------------------------------------------
    def put(self, path: str, kind: str, stamp: Stamp, value: Any, read_at_ns: int) -> None:
        """Remember ``value`` for ``path``: ``stamp`` is the file's stat *before* it was read,
        ``read_at_ns`` the time (``time.time_ns()``) the read started."""
        with self._lock:
            entries = self._load()
            entry = entries.get(path)
            same = entry is not None and tuple(entry["stamp"]) == stamp
            if not (same and entry.get("own")) and read_at_ns - max(stamp[1], stamp[2]) < RACY_NS:
                return                           # could not be trusted later: not worth keeping
            if not same:
                entry = {"stamp": list(stamp), "at": read_at_ns, "values": {}}
                entries[path] = entry
            elif not entry.get("own"):
                entry["at"] = max(entry["at"], read_at_ns)
            entry["values"][kind] = value
            entry["used"] = time.time_ns()
            self._changed.add(path)

    def vouch(self, path: str | os.PathLike) -> None:
        """``path`` was just renamed into place by this process: trust its current stamp at once."""
        key = str(Path(path).resolve())
        st = os.stat(key)
        with self._lock:
            self._load()[key] = {"stamp": list(stamp_of(st)), "at": time.time_ns(), "own": True,
                                 "values": {}, "used": time.time_ns()}
            self._changed.add(key)

    # -- storing -------------------------------------------------------------------------
    def save(self) -> None:
        """Merge what this process learnt into the file on disk, atomically. Never raises:
        a memo that cannot be written costs the next run some reading, nothing else."""
        with self._lock:
            if not self._changed or self._entries is None:
                return
            try:
                merged = _read(self.path)
                for path in self._changed:
                    if path in self._entries:
                        merged[path] = self._entries[path]
                if len(merged) > MAX_ENTRIES:
                    keep = sorted(merged, key=lambda p: merged[p].get("used", 0))[-MAX_ENTRIES:]
                    merged = {p: merged[p] for p in keep}
                from broll.atomic import write_text
                write_text(self.path, json.dumps({"format": FORMAT, "entries": merged}, separators=(",", ":")))
                self._changed.clear()
            except OSError:
                pass


def _read(path: Path) -> dict[str, dict]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("entries"), dict):
        return {}
    return {p: e for p, e in doc["entries"].items()
            if isinstance(e, dict) and isinstance(e.get("stamp"), list) and isinstance(e.get("values"), dict)
            and isinstance(e.get("at"), int)}


# -- the active memo of this process ----------------------------------------------------------

_active: Optional[FileMemo] = None
_memos: dict[Path, FileMemo] = {}


def use_project(root: str | os.PathLike) -> FileMemo:
    """Make ``<root>/.broll/file-memo.json`` this process's memo (saved at exit, or by :func:`save`)."""
    global _active
    from broll.project import DB_DIR
    folder = Path(root).resolve() / DB_DIR
    if folder not in _memos:
        if not _memos:
            atexit.register(save)
        _memos[folder] = FileMemo(folder)
    _active = _memos[folder]
    return _active


def active() -> Optional[FileMemo]:
    return _active


def save() -> None:
    """Save every memo this process used (a build calls it when done; also run at exit)."""
    for memo in list(_memos.values()):
        memo.save()


def remembered(path: str | os.PathLike, kind: str, compute, *, st: Optional[os.stat_result] = None):
    """``compute()``'s value for ``path`` (resolved), from the active memo when its stamp is
    unchanged; ``compute`` must read the file. Without an active memo, just ``compute()``."""
    memo = _active
    if memo is None:
        return compute()
    key = str(path)
    stamp = stamp_of(st if st is not None else os.stat(key))
    value = memo.get(key, kind, stamp)
    if value is not None:
        return value
    started = time.time_ns()
    value = compute()
    memo.put(key, kind, stamp, value, started)
    return value


def code_stamp(*modules: str) -> str:
    """A short hash naming the code a remembered value came from: the bytes of broll's own
    modules (``"broll.reframe"`` is every module of the package) and the installed files of
    third-party packages (``"cv2"``: its stamp, so an upgrade reads files again)."""
    import importlib.util

    from broll.hashing import file_sha256, text_sha256
    parts = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None or not os.path.isfile(origin):
            parts.append((name, None))
        elif name.split(".")[0] == "broll":
            files = sorted(Path(origin).parent.glob("*.py")) if origin.endswith("__init__.py") else [Path(origin)]
            parts += [(name, f.name, file_sha256(f)) for f in files]
        else:
            parts.append((name, stamp_of(os.stat(origin))))
    return text_sha256(*parts)[:16]


__all__ = ["FileMemo", "RACY_NS", "active", "code_stamp", "remembered", "save", "stamp_of", "use_project"]
