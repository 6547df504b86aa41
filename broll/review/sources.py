"""Which clips a project has: a folder, a batch spec (its ``out:`` folder) or an edit list.

Edit lists are read by the assemble stage's own parser, so review sees exactly what
``broll build`` would render and gate; batch specs through the shared YAML reader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from broll import yamlfile
from broll.errors import EditListError, InputError
from broll.hashing import text_sha256
from broll.media.clip_folders import folder_clip_paths
from broll.project import find_project
from broll.review.decisions import clip_key

@dataclass(frozen=True)
class Clip:
    id: str                 # stable, opaque: what URLs carry instead of a path
    key: str                # path relative to the project root (the decisions table key)
    path: Path              # absolute path on disk


@dataclass
class ReviewSource:
    root: Path              # the project (where .broll/ lives): broll.project.find_project
    kind: str               # folder | batch | edit
    spec: Path | None       # the YAML file, if any
    clips: list[Clip] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # edit-list clips that are not on disk

    def by_id(self) -> dict[str, Clip]:
        return {c.id: c for c in self.clips}


def clip_id(key: str) -> str:
    return text_sha256("review-clip", key)[:16]


def _clip(root: Path, path: Path) -> Clip:
    key = clip_key(root, path)
    return Clip(clip_id(key), key, path.resolve())


def _load_yaml(path: Path) -> dict:
    doc = yamlfile.load_file(path, what="spec")
    if not isinstance(doc.data, dict):
        raise doc.error("expected a mapping at the top level")
    return doc.data


def edit_list_clip_paths(path: Path) -> list[Path]:
    """The media an edit list ships (its ``clip:`` and ``image:`` items), through the real parser,
    so review sees exactly what ``broll build`` would render and gate."""
    from broll.assemble.editlist import load_edit_list

    edit = load_edit_list(path)
    out: list[Path] = []
    if edit.generate is not None:       # every take of the shots it names, so takes sit side by side
        from broll.pipeline.front import shot_take_paths
        out += [p for p in shot_take_paths(edit) if p not in out]
    for entry in edit.timeline:
        media = getattr(entry, "clip", None) or getattr(entry, "image", None)
        if media:
            p = Path(os.path.expanduser(media))
            p = p if p.is_absolute() else edit.base_dir / p
            if p not in out:
                out.append(p)
    return out


def batch_out_folder(path: Path) -> Path:
    data = _load_yaml(path)
    out = data.get("out", "clips")
    if not isinstance(out, str) or not out.strip():
        raise EditListError("`out:` must be a folder path", file=str(path), field="out")
    p = Path(os.path.expanduser(out))
    return p if p.is_absolute() else path.parent / p


def looks_like_edit_list(data_path: Path) -> bool:
    return "timeline" in _load_yaml(data_path)


def resolve_source(target: str | os.PathLike | None) -> ReviewSource:
    """Clips to review for a folder, a batch spec or an edit list (default: the current folder)."""
    p = Path(target or ".").expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file or folder", "give a project folder, a batch.yaml or an edit.yaml")
    if p.is_dir():
        root = find_project(p)
        src = ReviewSource(root, "folder", None)
        src.clips = [_clip(root, c) for c in folder_clip_paths(p.resolve())]
        return src
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"{p}: not a project folder or YAML spec",
                         "give a project folder, a batch.yaml or an edit.yaml")
    root = find_project(p)
    if looks_like_edit_list(p):
        src = ReviewSource(root, "edit", p.resolve())
        seen = set()
        for c in edit_list_clip_paths(p.resolve()):
            if not c.is_file():
                src.missing.append(clip_key(root, c))
                continue
            clip = _clip(root, c)
            if clip.id not in seen:
                seen.add(clip.id)
                src.clips.append(clip)
        return src
    out = batch_out_folder(p.resolve())
    src = ReviewSource(root, "batch", p.resolve())
    if out.is_dir():
        src.clips = [_clip(root, c) for c in folder_clip_paths(out)]
    return src
