"""Reconcile an ambiguous create through a vendor's list endpoint (Luma, Replicate).

Neither vendor stores a client key, so a candidate must match the prompt exactly, be
created after the submit began, and not already belong to another clip. Anything less
certain returns None and the clip is surfaced for a person instead of being resent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        text = str(value).replace("Z", "+00:00")
        when = datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def pick(items: list[dict], prompt: str, since: datetime | None, taken: set[str], *,
         prompt_of, id_of, created_of) -> str | None:
    floor = (since - timedelta(seconds=5)) if since else None
    matches = []
    for item in items:
        if prompt_of(item) != prompt or id_of(item) in taken:
            continue
        created = parse_time(created_of(item))
        if floor and created and created < floor:
            continue
        matches.append(id_of(item))
    return matches[0] if len(matches) == 1 else None
