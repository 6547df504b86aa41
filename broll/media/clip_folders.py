"""Which files in a folder are clips: the one listing that ``broll review`` and the clip commands
(`broll check clips/`, `fix`, `grade`) share, so a folder means the same clips everywhere.

Pure filesystem walking: nothing is decoded here (a file with a video suffix that is not a video
fails later, at its own probe, with its own one-line error).
"""

from __future__ import annotations

import os
from pathlib import Path

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gif"})
# folders a project keeps outputs or state in: their files are not clips
SKIPPED_DIRS = frozenset({"out", "output", "outputs", "render", "renders", "export", "exports",
                          "node_modules", "__pycache__"})


def _is_clip(path: Path) -> bool:
    # hidden files and the writer's in-progress ``.part`` files are never clips
    return path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".") and ".part" not in path.suffixes


def folder_clip_paths(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Every video file in ``folder``, sorted; with ``recursive``, in its sub-folders too, skipping
    hidden folders (.broll) and output folders (out/, renders/ ...)."""
    if not recursive:
        return [p for p in sorted(Path(folder).iterdir()) if p.is_file() and _is_clip(p)]
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d.lower() not in SKIPPED_DIRS)
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if _is_clip(p):
                found.append(p)
    return found
