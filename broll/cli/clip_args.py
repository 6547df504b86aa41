"""Clip arguments as users type them: files, or folders of clips (``broll check clips/``).

A folder stands for the clips directly inside it (not its sub-folders: a repaired or graded
copy written to ``clips/fixed/`` must not be taken up again by the next run).
"""

from __future__ import annotations

from pathlib import Path

from broll.errors import InputError
from broll.media.clip_folders import VIDEO_SUFFIXES, folder_clip_paths


def expand_clip_args(args: tuple[str, ...]) -> tuple[str, ...]:
    """Each argument as given, or, for a folder, its clips in name order; a clip named twice once."""
    out: list[str] = []
    for arg in args:
        if Path(arg).is_dir():
            found = folder_clip_paths(Path(arg), recursive=False)
            if not found:
                raise InputError(f"{arg}: no clips in this folder",
                                 f"clips are files ending {', '.join(sorted(VIDEO_SUFFIXES))}; or name the files")
            out.extend(str(p) for p in found)
        else:
            out.append(arg)
    seen: set[Path] = set()
    unique = []
    for clip in out:
        key = Path(clip).resolve()
        if key not in seen:
            seen.add(key)
            unique.append(clip)
    return tuple(unique)


def refuse_clashing_names(names: list[str]) -> None:
    """Outputs named after their clips would overwrite each other when two clips share a name."""
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"two clips share the file name {dupes[0]}; outputs would overwrite each other",
                         "rename one, or run them separately with different -o folders")
