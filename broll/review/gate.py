"""The build gate: an edit list with ``review: required`` ships only approved, unchanged clips.

Pure functions over the decisions table; the assemble stage calls :func:`unapproved` with its
timeline's clip paths and raises :func:`review_required` when the list is not empty.
"""

from __future__ import annotations

import os
from typing import Iterable

from broll.errors import ReviewRequired
from broll.review.decisions import APPROVED, review_states

_SHOWN = 8  # clips named in one error message before "and N more"


def unapproved(project_root: str | os.PathLike, clip_paths: Iterable[str | os.PathLike]) -> list[tuple[str, str]]:
    """``(clip path, state)`` for every clip that may not ship, in the order given.

    state is ``unreviewed``, ``rejected``, ``changed-since-approval`` or ``missing``.
    A clip listed twice is reported once.
    """
    seen: set[str] = set()
    out = []
    for st in review_states(project_root, clip_paths):
        if st.state != APPROVED and st.clip_path not in seen:
            seen.add(st.clip_path)
            out.append((st.clip_path, st.state))
    return out


def review_required_message(blocked: list[tuple[str, str]]) -> str:
    """One line naming the clips that block the build and why."""
    shown = ", ".join(f"{path} ({state})" for path, state in blocked[:_SHOWN])
    more = f" and {len(blocked) - _SHOWN} more" if len(blocked) > _SHOWN else ""
    n = len(blocked)
    return f"review required: {n} clip{'s' if n != 1 else ''} not approved: {shown}{more}"


def review_required(blocked: list[tuple[str, str]], spec: str | None = None) -> ReviewRequired:
    """The error the build raises; the hint says which command fixes it."""
    target = f" {spec}" if spec else ""
    return ReviewRequired(review_required_message(blocked),
                          f"run `broll review{target}` and approve them, or drop `review: required`")


def require_approved(project_root: str | os.PathLike, clip_paths: Iterable[str | os.PathLike],
                     spec: str | None = None) -> None:
    """Raise ReviewRequired unless every clip is approved as it is now (the one call `broll build` makes)."""
    blocked = unapproved(project_root, clip_paths)
    if blocked:
        raise review_required(blocked, spec)
