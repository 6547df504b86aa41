"""Which take of each shot the build uses.

A shot with ``variants: N`` has N takes (one manifest row each; a QC regeneration replaces
a take's file, it does not add one). The build uses the take a person approved in review
(``broll review edit.yaml``; decisions bind to the file's content hash), else the one with
the best QC verdict, the first by variant when tied. Rejected takes are never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from broll.generate import manifest as M

# best first; a take generated with the gate off ("skipped") ranks below a checked one
VERDICT_RANK = {"pass": 0, "review": 1, "skipped": 2, None: 2, "regenerate": 3}


@dataclass(frozen=True)
class Take:
    shot: str
    variant: int
    key: str                      # the manifest's clip key
    state: str                    # manifest state (done / review are finished)
    path: Optional[Path]          # the verified file, when finished
    sha256: Optional[str]
    qc: Optional[str]             # pass | review | regenerate | skipped | None
    attempt: int
    cost: str = "0"
    target: str = ""              # provider/model of an A/B arm, else ""

    @property
    def finished(self) -> bool:
        return self.state in M.FINISHED and self.path is not None and self.path.is_file()

    @property
    def label(self) -> str:
        return f"{self.target + ' ' if self.target else ''}{self.shot} v{self.variant}"

    def to_dict(self) -> dict:
        return {"shot": self.shot, "variant": self.variant, "state": self.state, "qc": self.qc,
                "file": None if self.path is None else str(self.path), "attempt": self.attempt,
                "target": self.target or None}


@dataclass(frozen=True)
class Choice:
    take: Take
    why: str                      # "approved" | "best QC (pass)" | "only take"


def take_from_row(row: M.ClipRow, target: str = "") -> Take:
    return Take(shot=row.shot_id, variant=row.variant, key=row.clip_key, state=row.state,
                path=Path(row.file) if row.file else None, sha256=row.sha256, qc=row.qc_verdict,
                attempt=row.attempt or 0, cost=row.cost or "0", target=target)


def choose(takes: list[Take], review: dict[Path, str]) -> Optional[Choice]:
    """The take a shot uses: approved, else best QC verdict, else the first by variant.

    ``review`` maps a take's file to its review state (approved, rejected, unreviewed, ...).
    """
    ready = [t for t in takes if t.finished and review.get(t.path) != "rejected"]
    if not ready:
        return None
    approved = [t for t in ready if review.get(t.path) == "approved"]
    if approved:
        return Choice(approved[0], "approved in review")
    best = min(ready, key=lambda t: (VERDICT_RANK.get(t.qc, 2), t.target, t.variant))
    if len(ready) == 1:
        return Choice(best, f"only take (QC {best.qc or 'unchecked'})")
    return Choice(best, f"best QC verdict ({best.qc or 'unchecked'}) of {len(ready)} takes")


def review_states(root: Path, takes: list[Take]) -> dict[Path, str]:
    """Review state of every finished take, read from the review stage's own table."""
    files = [t.path for t in takes if t.finished]
    if not files:
        return {}
    from broll.review.decisions import review_states as states
    return {Path(f): s.state for f, s in zip(files, states(root, files))}
