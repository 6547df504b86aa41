"""The edit list's ``style:`` block, resolved per item (pure: no YAML, no media).

Top level: ``style: {reference: style.png, strength: 0.8, method: mkl}``. Per item: ``style: off``
to leave a clip ungraded, or a mapping whose keys override the top level's. The build calls
:func:`resolve_style` for each item and :func:`broll.grading.match` with the result, then puts
``GradeResult.ffmpeg_filter(start, end)`` after the item's trim in its single FFmpeg graph.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from broll.errors import EditListError
from broll.grading.fit import DEFAULT_METHOD, DEFAULT_STRENGTH, GRADE_METHODS, MAX_CHANGE

OFF_VALUES = {False, "off", "none", "no"}
KEYS = ("reference", "strength", "method", "max_change", "look")


@dataclass(frozen=True)
class Style:
    reference: str | tuple[str, ...]     # one image/clip or folder; a tuple of stills is a look book
    strength: float = DEFAULT_STRENGTH
    method: str = DEFAULT_METHOD
    max_change: float = MAX_CHANGE
    look: str | None = None


def _check(style: Style, field: str) -> Style:
    if style.method not in GRADE_METHODS:
        from difflib import get_close_matches
        close = get_close_matches(style.method, list(GRADE_METHODS), n=1)
        hint = (f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(sorted(GRADE_METHODS))
        raise EditListError(f"unknown grade method '{style.method}'", field=f"{field}.method", hint=hint)
    if not 0.0 <= style.strength <= 1.0:
        raise EditListError(f"strength {style.strength} is out of range", field=f"{field}.strength",
                            hint="use a value from 0 (no change) to 1 (full match)")
    return style


def parse_style(value: Any, *, base: Style | None = None, field: str = "style") -> Style | None:
    """A ``style:`` value -> Style (merged over ``base``), or None for ``off``/absent."""
    if value is None:
        return base
    if isinstance(value, str) and value.strip().lower() in OFF_VALUES or value is False:
        return None
    if isinstance(value, str):           # shorthand: style: look.png
        value = {"reference": value}
    if not isinstance(value, dict):
        raise EditListError("expected a mapping {reference, strength, method} or 'off'", field=field)
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise EditListError(f"unknown key '{unknown[0]}'", field=field, hint="valid keys: " + ", ".join(KEYS))
    if base is None and "reference" not in value:
        raise EditListError("a style needs a reference image or clip", field=f"{field}.reference")
    try:
        strength = float(value["strength"]) if "strength" in value else None
    except (TypeError, ValueError):
        raise EditListError(f"strength must be a number, not {value['strength']!r}", field=f"{field}.strength") from None
    try:
        max_change = float(value["max_change"]) if "max_change" in value else None
    except (TypeError, ValueError):
        raise EditListError(f"max_change must be a number, not {value['max_change']!r}",
                            field=f"{field}.max_change") from None
    if max_change is not None and max_change <= 0:
        raise EditListError(f"max_change {max_change} must be positive", field=f"{field}.max_change",
                            hint="a mean dE00, e.g. 5 (the default)")
    merged = base or Style(reference="")
    changes = {k: v for k, v in (("reference", value.get("reference")), ("strength", strength),
                                  ("method", value.get("method")), ("max_change", max_change),
                                  ("look", value.get("look"))) if v is not None}
    if "reference" in changes:
        ref = changes["reference"]
        if isinstance(ref, (list, tuple)):
            if not ref:
                raise EditListError("an empty list of references", field=f"{field}.reference",
                                    hint="list one or more stills of the look")
            changes["reference"] = tuple(str(r) for r in ref)
        else:
            changes["reference"] = str(ref)
    return _check(replace(merged, **changes), field)


def resolve_style(top: Any, item: Any, *, item_field: str = "items[].style") -> Style | None:
    """The style for one item: the top-level block, overridden or switched off by the item's."""
    base = parse_style(top, field="style")
    if item is None:
        return base
    return parse_style(item, base=base, field=item_field)
