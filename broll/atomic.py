"""Atomic writes: a temp file beside the target, renamed into place only on success.

An interrupted or failed write never leaves a broken file at the target path and never
destroys the previous version. A process killed outright (SIGKILL, an OOM kill) cannot remove
its temp file, so temp names carry their owner (pid and host) and the next write to the same
target sweeps the ones whose owner is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
import time
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    The temp name keeps the target's suffix (FFmpeg picks the container from it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix if suffix is None else suffix
    sweep_stale_parts(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{_owner()}.", suffix=".part" + suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if not tmp_path.exists() or tmp_path.stat().st_size == 0:
            raise OSError(f"nothing was written to {tmp_path}")
        os.chmod(tmp_path, _mode_for(target))
        os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


STALE_PART_SECONDS = 3600   # a temp file whose owner cannot be checked (another host, older name)


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def _owner() -> str:
    return f"{os.getpid()}-{_host_tag()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:        # someone else's process: alive
        return True
    return True


def sweep_stale_parts(target: str | os.PathLike) -> int:
    """Remove temp files (and their side files) left beside ``target`` by killed writers.

    A file is stale when its owner ran on this host and is no longer alive, or, when the owner
    cannot be checked, when it has not been touched for an hour. Returns how many were removed.
    """
    target = Path(target)
    stem = re.escape(target.stem)
    owned = re.compile(rf"\.{stem}\.(\d+)-([0-9a-f]{{6}})\.[a-z0-9_]+\.part\b.*")
    legacy = re.compile(rf"\.{stem}\.[a-z0-9_]+\.part\b.*")
    host, now, removed = _host_tag(), time.time(), 0
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for e in entries:
        name = e.name
        if not name.startswith(f".{target.stem}.") or ".part" not in name:
            continue
        m = owned.fullmatch(name)
        if m is None and not legacy.fullmatch(name):
            continue
        try:
            if m is not None and m.group(2) == host:
                stale = not _alive(int(m.group(1)))
            else:
                stale = now - e.stat(follow_symlinks=False).st_mtime > STALE_PART_SECONDS
            if stale:
                os.unlink(e.path)
                removed += 1
        except OSError:
            continue
    return removed


def _mode_for(target: Path) -> int:
    """Keep an existing file's mode; new files get the usual 0666 less the umask (mkstemp uses 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text(target: str | os.PathLike, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)
