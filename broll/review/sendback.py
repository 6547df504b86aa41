"""Send rejected generated clips back to `broll generate` for a new take.

A transition of the generation manifest (``gen_clips``), made here because review is where the
rejection happens; it mirrors what the batch runner does when QC says "regenerate": the row
goes back to ``pending`` with the next attempt number (so a new seed is derived), and the
rejected file moves aside to ``<out>/.rejected/<stem>-a<attempt><suffix>`` where a person can
still look at it. The next `broll generate batch.yaml` submits the new take; it has new bytes,
so it shows as unreviewed here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from broll.errors import InputError
from broll.review.decisions import REJECTED, review_states


@dataclass(frozen=True)
class SentBack:
    clip: str           # project-relative path of the rejected take
    shot: str
    attempt: int        # the attempt the new take will be
    kept_as: str        # where the rejected file went
    note: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def rejected_path(path: Path, attempt: int) -> Path:
    return path.parent / ".rejected" / f"{path.stem}-a{attempt}{path.suffix}"


def send_back(root: str | os.PathLike, clip_paths: list[Path], *, dry_run: bool = False) -> list[SentBack]:
    """Mark every rejected clip in ``clip_paths`` that came from a generation batch for a new take.

    The manifest's own functions make the change: the generation stage owns its tables.
    """
    from broll.generate.manifest import Manifest

    rejected = [s for s in review_states(root, clip_paths) if s.state == REJECTED]
    if not rejected:
        return []
    root_p = Path(root).resolve()
    manifest = Manifest(root_p)
    out: list[SentBack] = []
    try:
        if not manifest.has_clips():
            raise InputError("no generation manifest in this project",
                             "--send-back works on clips made by `broll generate`")
        for st in rejected:
            full = root_p / st.clip_path if not Path(st.clip_path).is_absolute() else Path(st.clip_path)
            row = manifest.find(sha=st.current_sha)
            if row is None:
                continue   # not a generated clip (or made elsewhere): nothing to regenerate
            attempt = int(row.attempt or 0)
            kept = rejected_path(full, attempt)
            note = st.decision.note if st.decision else ""
            out.append(SentBack(st.clip_path, row.shot_id, attempt + 1, os.path.relpath(kept, root_p), note))
            if dry_run:
                continue
            # the manifest first: if the move then failed, the next run would simply overwrite the
            # file with the new take; the other order could leave a finished row with no file
            manifest.send_back(row.clip_key, attempt + 1, f"rejected in review: {note or 'no note'}; kept {kept.name}")
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(full, kept)
    finally:
        manifest.close()
    return out
