"""The edit list's generate: section and shot: items: located validation, nothing sent."""

from __future__ import annotations

import pytest
import yaml

from broll.assemble.editlist import ShotItem, load_edit_list
from broll.errors import EditListErrors
from broll.pipeline.front import prepare_shots


def _write(tmp_path, text: str):
    p = tmp_path / "edit.yaml"
    p.write_text(text)
    return p


EDIT = """\
version: 1
output: out/reel.mp4
generate:
  provider: offline
  defaults: {duration: 2}
  shots:
    - {id: city-dawn, prompt: "a city at dawn"}
    - {id: forest, prompt: "a forest path"}
timeline:
  - shot: city-dwan
    out: 1.5
    transition: fade
"""


def test_unknown_shot_is_located_with_did_you_mean(tmp_path):
    edit = load_edit_list(_write(tmp_path, EDIT))
    assert isinstance(edit.timeline[0], ShotItem)
    with pytest.raises(EditListErrors) as err:
        prepare_shots(edit)
    text = str(err.value)
    assert "edit.yaml:10" in text and "timeline[0].shot" in text
    assert "unknown shot 'city-dwan'" in text and "did you mean 'city-dawn'" in text


def test_unused_shot_is_a_warning_and_validate_sends_nothing(tmp_path):
    edit = load_edit_list(_write(tmp_path, EDIT.replace("city-dwan", "city-dawn")))
    bound = prepare_shots(edit)            # no generate=True: nothing is sent, nothing rendered
    report = bound._shots
    assert any("'forest' is never used" in w and "edit.yaml:8" in w for w in report.warnings)
    assert report.missing == {"city-dawn": "not started"}
    assert bound.timeline == []            # the shot has no take yet: left out of validation
    assert not (tmp_path / "clips").exists()


def test_shot_takes_everything_a_clip_takes(tmp_path):
    text = EDIT.replace("city-dwan", "city-dawn").replace("    transition: fade\n",
                                                           "    transition: fade\n    speed: 0.5\n    fit: contain\n"
                                                           "    text: hello\n    in: 0.2\n")
    item = load_edit_list(_write(tmp_path, text)).timeline[0]
    assert (item.shot, item.speed, item.fit, item.text.value, float(item.in_.seconds)) == \
        ("city-dawn", 0.5, "contain", "hello", 0.2)
    from broll.pipeline.bind import as_clip
    clip = as_clip(item, tmp_path / "take.mp4")
    assert clip.clip == str(tmp_path / "take.mp4") and clip.speed == 0.5 and clip.text.value == "hello"
    assert "shot" not in clip.model_fields_set and "in_" in clip.model_fields_set


def test_shot_without_generate_section_is_an_error(tmp_path):
    text = "version: 1\noutput: out/reel.mp4\ntimeline:\n  - shot: city\n"
    from broll.assemble.resolve import validate_edit_list
    with pytest.raises(EditListErrors) as err:
        validate_edit_list(_write(tmp_path, text))
    assert "edit.yaml:4" in str(err.value) and "no generate: section" in str(err.value)


def test_inline_spec_errors_name_the_edit_list_line(tmp_path):
    text = EDIT.replace("defaults: {duration: 2}", "defaults: {duration: 2}\n  budgett: 3")
    edit = load_edit_list(_write(tmp_path, text))
    with pytest.raises(EditListErrors) as err:
        prepare_shots(edit)
    assert "edit.yaml:6" in str(err.value) and "generate.budgett" in str(err.value)
    assert "did you mean 'budget'" in str(err.value)


def test_generate_names_a_batch_file(tmp_path):
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump(
        {"provider": "offline", "defaults": {"duration": 2}, "shots": [{"id": "a", "prompt": "x"}]}))
    p = _write(tmp_path, "version: 1\noutput: out/r.mp4\ngenerate: batch.yaml\ntimeline:\n  - shot: b\n")
    with pytest.raises(EditListErrors) as err:
        prepare_shots(load_edit_list(p))
    assert "unknown shot 'b'" in str(err.value)
    missing = _write(tmp_path, "version: 1\noutput: out/r.mp4\ngenerate: nope.yaml\ntimeline:\n  - shot: b\n")
    with pytest.raises(Exception) as err:
        prepare_shots(load_edit_list(missing))
    assert "edit.yaml:3" in str(err.value) and "nope.yaml does not exist" in str(err.value)
