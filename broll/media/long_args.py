"""Move very long FFmpeg option values (a filter graph with a long crop path) into files.

Linux refuses any single argument over 128 KiB (MAX_ARG_STRLEN), and a reel's keyframed
crop expressions can exceed that. FFmpeg 7+ reads an option's value from a file when the
option is written ``-/name path``; this rewrites such arguments and cleans up afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Sequence

SPILL_OPTIONS = {"-filter_complex", "-vf", "-af", "-filter:v", "-filter:a"}
SPILL_OVER = 32 * 1024         # well under the kernel's limit, leaving room for the rest


@contextlib.contextmanager
def spilled(args: Sequence[str], folder: str | os.PathLike | None = None) -> Iterator[list[str]]:
    """``args`` with each over-long filter value replaced by ``-/option file``."""
    out: list[str] = []
    files: list[Path] = []
    it = iter(range(len(args)))
    try:
        for i in it:
            a = args[i]
            if a in SPILL_OPTIONS and i + 1 < len(args) and len(args[i + 1]) > SPILL_OVER:
                fd, name = tempfile.mkstemp(prefix=".broll-graph-", suffix=".txt", dir=folder)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(args[i + 1])
                files.append(Path(name))
                out += ["-/" + a.lstrip("-"), name]
                next(it, None)
            else:
                out.append(a)
        yield out
    finally:
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
