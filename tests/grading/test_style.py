"""The edit list's style: block: the schema's defaults, per-item overrides and located errors.

The block has one parser (the edit list's pydantic model) and one merge (``stages.item_style``);
these tests hold them to the grading defaults so the two packages cannot drift apart.
"""

from __future__ import annotations

import pytest

from broll.assemble.editlist import Style, validate_data
from broll.assemble.stages import item_style
from broll.assemble.timeline import Item
from broll.errors import EditListErrors
from broll.grading.fit import DEFAULT_METHOD, DEFAULT_STRENGTH, MAX_CHANGE


def _edit(style=None, items=None):
    data = {"version": 1, "output": "reel.mp4", "timeline": items or [{"clip": "a.mp4"}]}
    if style is not None:
        data["style"] = style
    return validate_data(data, {}, "edit.yaml")


def _style_of(edit, index=0):
    return item_style(edit, Item(kind="clip", frames=1, label=f"timeline[{index}]"))


def test_schema_defaults_are_the_grading_defaults():
    s = Style(reference="look.png")
    assert (s.strength, s.method, s.max_change) == (DEFAULT_STRENGTH, DEFAULT_METHOD, MAX_CHANGE)


def test_top_level_style_with_item_overrides_and_off():
    edit = _edit({"reference": "look.png", "max_change": 8, "look": "brand.cube"},
                 [{"clip": "a.mp4"}, {"clip": "b.mp4", "style": {"strength": 0.5, "method": "balance"}},
                  {"clip": "c.mp4", "style": "off"}, {"clip": "d.mp4", "style": False}])
    assert _style_of(edit, 0) == edit.style
    second = _style_of(edit, 1)
    assert (second.reference, second.strength, second.method, second.max_change, second.look) == \
        ("look.png", 0.5, "balance", 8.0, "brand.cube")
    assert _style_of(edit, 2) is None and _style_of(edit, 3) is None


def test_item_style_without_a_top_level_block():
    assert _style_of(_edit()) is None
    edit = _edit(items=[{"clip": "a.mp4", "style": {"reference": "look.png"}}])
    assert _style_of(edit).reference == "look.png" and _style_of(edit).strength == DEFAULT_STRENGTH


def test_a_look_book_is_a_list_of_stills():
    assert _edit({"reference": ["a.png", "b.png", "c.png"]}).style.reference == ["a.png", "b.png", "c.png"]


@pytest.mark.parametrize("style, message", [
    ({"reference": "a.png", "method": "mlk"}, "style.method: expected grade method, got 'mlk' (did you mean 'mkl'?)"),
    ({"reference": "a.png", "strength": 2}, "style.strength"),
    ({"strength": 0.5}, "style.reference"),
    ({"reference": "a.png", "strenght": 0.5}, "strenght"),
    ({"reference": "a.png", "max_change": -1}, "style.max_change"),
])
def test_bad_values_are_located_errors(style, message):
    with pytest.raises(EditListErrors) as exc:
        _edit(style)
    assert message in str(exc.value)
