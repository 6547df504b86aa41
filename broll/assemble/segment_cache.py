"""The project's segment cache: rendered picture segments and programme sounds, by content key.

Layout: ``<project>/.broll/segments/<key>.mp4`` (a segment's picture, closed GOP, starting with an
IDR frame) and ``<key>.m4a`` + ``<key>.json`` (a whole programme's sound and pass 1's loudness).
The key (:func:`broll.assemble.segments.segment_key`) covers everything that shapes the bytes,
so an entry is never stale: it is either right or never looked up again.

- Writes are atomic (:mod:`broll.atomic`): a render killed halfway leaves a ``.*.part.*`` temp
  file, never an entry under a real key; temp files older than an hour are swept.
- Least recently used first out: a hit touches the entry's mtime, and :meth:`SegmentCache.evict`
  deletes the oldest until the folder fits the cap (``BROLL_SEGMENT_CACHE_MB``, default 4096).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from broll.loudness import Loudness

CACHE_DIR = "segments"
DEFAULT_CAP_MB = 4096
STALE_PART_SECONDS = 3600


def cap_bytes() -> int:
    """The cache's size cap: ``$BROLL_SEGMENT_CACHE_MB`` megabytes (default 4096)."""
    from broll.errors import InputError

    text = os.environ.get("BROLL_SEGMENT_CACHE_MB", str(DEFAULT_CAP_MB))
    try:
        mb = float(text)
    except ValueError:
        raise InputError(f"BROLL_SEGMENT_CACHE_MB={text} is not a number",
                         "give the cap in megabytes, e.g. BROLL_SEGMENT_CACHE_MB=2048") from None
    return max(0, int(mb * 1024 * 1024))


@dataclass(frozen=True)
class CacheStats:
    folder: Path
    entries: int
    bytes: int
    cap: int

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "entries": self.entries, "bytes": self.bytes, "cap_bytes": self.cap}


class SegmentCache:
    """One project's ``.broll/segments/`` folder."""

    def __init__(self, project: str | os.PathLike):
        from broll.project import DB_DIR

        self.folder = Path(project) / DB_DIR / CACHE_DIR

    # -- entries ----------------------------------------------------------------------------
    def segment_path(self, key: str) -> Path:
        return self.folder / f"{key}.mp4"

    def audio_path(self, key: str) -> Path:
        return self.folder / f"{key}.m4a"

    def has(self, path: Path) -> bool:
        """True (and the entry marked as just used) when ``path`` is a finished entry."""
        try:
            if path.stat().st_size == 0:
                return False
            os.utime(path)
            return True
        except FileNotFoundError:
            return False

    def audio_loudness(self, key: str) -> tuple[bool, Optional[Loudness]]:
        """(cached?, pass 1's figures) for a programme sound."""
        side = self.folder / f"{key}.json"
        if not self.has(self.audio_path(key)) or not side.is_file():
            return False, None
        data = json.loads(side.read_text(encoding="utf-8"))
        os.utime(side)
        return True, None if data.get("loudness") is None else Loudness(**data["loudness"])

    def store_loudness(self, key: str, loudness: Optional[Loudness]) -> None:
        from dataclasses import asdict

        from broll.atomic import write_text
        write_text(self.folder / f"{key}.json",
                   json.dumps({"loudness": None if loudness is None else asdict(loudness)}))

    # -- housekeeping -----------------------------------------------------------------------
    def _entries(self) -> list[os.DirEntry]:
        try:
            return [e for e in os.scandir(self.folder) if e.is_file()]
        except FileNotFoundError:
            return []

    def stats(self) -> CacheStats:
        entries = [e for e in self._entries() if not e.name.startswith(".")]
        return CacheStats(self.folder, sum(1 for e in entries if e.name.endswith((".mp4", ".m4a"))),
                          sum(e.stat().st_size for e in entries), cap_bytes())

    def evict(self, cap: Optional[int] = None, keep: frozenset[str] = frozenset()) -> int:
        """Delete least recently used entries until the folder fits ``cap``; never those in ``keep``
        (file names this build uses). Also sweeps temp files left by killed renders. Returns bytes freed."""
        cap = cap_bytes() if cap is None else cap
        now = time.time()
        freed = 0
        live = []
        for e in self._entries():
            st = e.stat()
            if e.name.startswith("."):
                if ".part" in e.name and now - st.st_mtime > STALE_PART_SECONDS:
                    freed += _unlink(Path(e.path), st.st_size)
                continue
            live.append((st.st_mtime, e.name, st.st_size))
        total = sum(size for _, _, size in live)
        for _, name, size in sorted(live):
            if total <= cap:
                break
            if name in keep:
                continue
            freed += _unlink(self.folder / name, size)
            total -= size
        return freed

    def clear(self) -> int:
        """Empty the cache (temp files of renders running right now included). Returns bytes freed."""
        return sum(_unlink(Path(e.path), e.stat().st_size) for e in self._entries())


def _unlink(path: Path, size: int) -> int:
    try:
        path.unlink()
        return size
    except FileNotFoundError:
        return 0
