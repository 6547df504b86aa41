"""The edit list's style: block, resolved per item."""

from __future__ import annotations

import pytest

from broll.errors import EditListError
from broll.grading.style import Style, parse_style, resolve_style


def test_top_level_defaults_and_item_override():
    top = {"reference": "look.png"}
    assert resolve_style(top, None) == Style("look.png", 0.8, "mkl")
    assert resolve_style(top, {"strength": 0.5}) == Style("look.png", 0.5, "mkl")
    assert resolve_style(top, {"method": "balance", "reference": "other.jpg"}) == Style("other.jpg", 0.8, "balance")
    assert resolve_style(top, "off") is None and resolve_style(top, False) is None
    assert resolve_style(None, None) is None
    assert resolve_style(None, "look.png") == Style("look.png")


def test_bad_values_are_located_errors():
    with pytest.raises(EditListError, match=r"style.method: unknown grade method 'mlk'") as exc:
        parse_style({"reference": "a.png", "method": "mlk"})
    assert "did you mean 'mkl'" in exc.value.hint
    with pytest.raises(EditListError, match="strength 2.0 is out of range"):
        parse_style({"reference": "a.png", "strength": 2})
    with pytest.raises(EditListError, match="needs a reference"):
        parse_style({"strength": 0.5})
    with pytest.raises(EditListError, match="unknown key 'strenght'"):
        parse_style({"reference": "a.png", "strenght": 0.5})


def test_style_takes_max_change_and_a_look():
    top = {"reference": "look.png", "max_change": 8, "look": "brand.cube"}
    style = resolve_style(top, {"strength": 1})
    assert style.max_change == 8.0 and style.look == "brand.cube" and style.strength == 1.0
    import pytest
    from broll.errors import EditListError
    with pytest.raises(EditListError):
        resolve_style({"reference": "look.png", "max_change": -1}, None)


def test_edit_list_style_model_takes_max_change_and_a_look():
    from broll.assemble.editlist import Style as EditStyle
    s = EditStyle(reference="a.png", max_change=7, look="brand.cube")
    assert s.max_change == 7 and s.look == "brand.cube"
    assert EditStyle(reference="a.png").max_change == 5.0


def test_style_takes_a_look_book_list():
    from broll.errors import EditListError
    assert resolve_style({"reference": ["a.png", "b.png", "c.png"]}, None).reference == ("a.png", "b.png", "c.png")
    with pytest.raises(EditListError, match="empty list"):
        resolve_style({"reference": []}, None)
