"""vars, {{name}}, --set and variant rows: substitution keeps types and every error is located."""

import pytest

from broll.assemble.variables import parse_assignment, read_variant_rows, references, substitute
from broll.errors import EditListError

DATA = {"vars": {"headline": "Spring sale", "vol": -9, "slug": "spring"},
        "output": "out/{{slug}}.mp4",
        "music": {"path": "m.m4a", "volume": "{{ vol }}"},
        "timeline": [{"title": "{{headline}}!"}, {"clip": "clips/a.mp4", "text": "{{headline}} now"}]}


def locate(path):
    return (7, 3)


def test_substitute_keeps_types_and_drops_vars():
    out = substitute(DATA, source="e.yaml", locate=locate)
    assert "vars" not in out
    assert out["output"] == "out/spring.mp4"
    assert out["music"]["volume"] == -9
    assert out["timeline"][0]["title"] == "Spring sale!"
    assert references(DATA) == {"headline", "vol", "slug"}


def test_overrides_win_and_typos_are_caught():
    out = substitute(DATA, source="e.yaml", locate=locate, overrides={"headline": "Summer"})
    assert out["timeline"][1]["text"] == "Summer now"
    with pytest.raises(EditListError, match="did you mean 'headline'"):
        substitute(DATA, source="e.yaml", locate=locate, overrides={"headlin": "x"})


def test_unknown_variable_is_located():
    bad = dict(DATA, output="out/{{slg}}.mp4")
    with pytest.raises(EditListError) as err:
        substitute(bad, source="e.yaml", locate=locate)
    assert str(err.value).startswith("e.yaml:7:3: unknown variable '{{slg}}'")
    assert "did you mean 'slug'" in str(err.value)


def test_parse_assignment():
    assert parse_assignment('headline=Spring sale') == ("headline", "Spring sale")
    assert parse_assignment("vol=-6") == ("vol", -6)
    with pytest.raises(EditListError):
        parse_assignment("no equals")


def test_variant_rows(tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("headline,slug\nSpring sale,spring\n\n\"Summer, hot\",summer\n", encoding="utf-8")
    assert read_variant_rows(f) == [{"headline": "Spring sale", "slug": "spring"},
                                    {"headline": "Summer, hot", "slug": "summer"}]
    f.write_text("headline,slug\nonly one\n", encoding="utf-8")
    with pytest.raises(EditListError, match="rows.csv:2: row has 1 cells"):
        read_variant_rows(f)
    f.write_text("head line,slug\n", encoding="utf-8")
    with pytest.raises(EditListError, match="rows.csv:1:1"):
        read_variant_rows(f)
