"""Skip the final join when the reel on disk is already what this build would write.

After a segmented render joins the segments and muxes the sound into the output, it records
the *reel key* (every segment key in order, the sound's key, the join's arguments) against the
output file's stamp in the project's file memo (:mod:`broll.file_memo`). The next build with the
same reel key, every segment and the sound still cached, finds the same file as we left it (same
size, mtime, ctime, inode) and does nothing: no concat, no mux, nothing encoded. A file that was
touched, replaced or deleted since is joined again from the cached segments.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from broll.file_memo import active, stamp_of
from broll.hashing import text_sha256

REEL_KEY_VERSION = 1
KIND = "reel"


def reel_key(segment_keys: list[str], audio_key: str, join_args: list[str]) -> str:
    return text_sha256("reel", REEL_KEY_VERSION, segment_keys, audio_key, join_args)


def unchanged(output: str | os.PathLike, key: str) -> bool:
    """Is ``output`` on disk, untouched since we wrote it, the reel ``key`` describes?"""
    memo = active()
    if memo is None:
        return False
    path = str(Path(output).resolve())
    try:
        st = os.stat(path)
    except OSError:
        return False
    found = memo.get(path, KIND, stamp_of(st))
    return isinstance(found, dict) and found.get("key") == key


def record(output: str | os.PathLike, key: str) -> None:
    """``output`` was just renamed into place by this build: remember which reel it is."""
    memo = active()
    if memo is None:
        return
    path = str(Path(output).resolve())
    memo.vouch(path)
    memo.put(path, KIND, stamp_of(os.stat(path)), {"key": key}, time.time_ns())
