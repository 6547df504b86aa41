"""Content hashes: caches are keyed by what a file holds, not by its name."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from broll.file_memo import remembered


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes; memoised on (path, size, mtime) within the process, and across
    runs in the project's file memo when a command made one active (:mod:`broll.file_memo`)."""
    p = Path(path).resolve()
    st = p.stat()
    return remembered(str(p), "sha256", lambda: _sha256_cached(str(p), st.st_size, st.st_mtime_ns), st=st)


@lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def text_sha256(*parts: object) -> str:
    """A stable hash of several values (strings, numbers, None), e.g. a cache key."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()
