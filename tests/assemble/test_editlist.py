"""Schema pass: every error located (file:line:col), named field, did-you-mean, all in one pass."""

from __future__ import annotations

from fractions import Fraction

import pytest

from broll.assemble.editlist import ClipItem, ImageItem, TitleItem, load_edit_list
from broll.errors import EditListError, EditListErrors

GOOD = """
version: 1
output: out/reel.mp4
preset: 16x9-1080p
loudness: -16
defaults:
  transition: {type: fade, duration: 0.5}
  fit: blur
music:
  path: music/bed.m4a
  volume: -12
  fade_in: 1
  fade_out: 2
  duck: true
timeline:
  - clip: clips/city.mp4
    in: 1.0
    out: "00:00:04.500"
    speed: 1.0
    audio: keep
    fit: contain
    transition: {type: wipeleft, duration: 0.4}
    text: {value: "Built for scale", position: bottom, start: 0.5, end: 3.0}
  - image: stills/product.jpg
    duration: 3
    motion: zoom-in
  - title: "Chapter two"
    duration: "45f"
    background: "#101010"
"""


def errors_of(write_edit, text) -> list[str]:
    with pytest.raises(EditListError) as info:
        load_edit_list(write_edit(text))
    exc = info.value
    return exc.lines() if isinstance(exc, EditListErrors) else [str(exc)]


def test_issue_example_parses_every_key(write_edit):
    edit = load_edit_list(write_edit(GOOD))
    assert edit.version == 1 and edit.preset == "16x9-1080p" and edit.loudness == -16
    assert [o.path for o in edit.output] == ["out/reel.mp4"]
    assert edit.defaults.transition.type == "fade" and edit.defaults.transition.duration.seconds == Fraction(1, 2)
    assert edit.defaults.fit == "blur"
    assert edit.music.volume == -12 and edit.music.duck is True and edit.music.fade_out.seconds == 2
    clip, image, title = edit.timeline
    assert isinstance(clip, ClipItem) and isinstance(image, ImageItem) and isinstance(title, TitleItem)
    assert clip.in_.seconds == 1 and clip.out.seconds == Fraction(9, 2) and clip.audio == "keep"
    assert clip.transition.type == "wipeleft" and clip.text.position == "bottom" and clip.text.end.seconds == 3
    assert image.motion == "zoom-in" and image.duration.seconds == 3
    assert title.duration.frames == 45 and title.background == "#101010"


def test_output_list_and_shorthands(write_edit):
    edit = load_edit_list(write_edit("""
        version: 1
        output:
          - {path: out/a.mp4, preset: 16x9-1080p}
          - {path: out/b.mp4, preset: 9x16-1080p}
        timeline:
          - clip: a.mp4
            transition: cut
            audio: -6
            text: "hello"
        """))
    assert [(o.path, o.preset) for o in edit.output] == [("out/a.mp4", "16x9-1080p"), ("out/b.mp4", "9x16-1080p")]
    item = edit.timeline[0]
    assert item.transition.type == "cut" and item.audio == -6.0 and item.text.value == "hello"


def test_unknown_key_is_located_with_did_you_mean(write_edit):
    lines = errors_of(write_edit, """
        version: 1
        output: out/reel.mp4
        timeline:
          - clip: a.mp4
            transiton: {type: fade, duration: 0.5}
        """)
    assert len(lines) == 1
    assert lines[0].endswith("edit.yaml:5:5: timeline[0].transiton: unknown key 'transiton' (did you mean 'transition'?)")


def test_bad_values_suggest_the_nearest_valid_value(write_edit):
    lines = errors_of(write_edit, """
        version: 1
        output: out/reel.mp4
        defaults:
          fit: cove
        timeline:
          - clip: a.mp4
            audio: kep
            transition: {type: wipelft, duration: 0.4}
          - image: b.png
            motion: zoom-inn
        """)
    text = "\n".join(lines)
    assert ":4:8: defaults.fit: expected one of cover, contain, blur, got 'cove' (did you mean 'cover'?)" in text
    assert ":7:12: timeline[0].audio: expected keep, mute or a gain in dB, got 'kep' (did you mean 'keep'?)" in text
    assert ":8:24: timeline[0].transition.type: " in text and "(did you mean 'wipeleft'?)" in text
    assert ":10:13: timeline[1].motion:" in text and "(did you mean 'zoom-in'?)" in text
    assert len(lines) == 4, "all errors are collected in one pass"


def test_item_without_a_kind_and_bad_time(write_edit):
    lines = errors_of(write_edit, """
        version: 1
        output: out/reel.mp4
        timeline:
          - titel: "Chapter two"
          - title: x
            duration: abc
          - clip: a.mp4
            in: -1
        """)
    text = "\n".join(lines)
    assert ":4:5: timeline[0]: each timeline item needs one of clip, image, title or shot (did you mean 'title'?)" in text
    assert ":6:15: timeline[1].duration: cannot read 'abc' as a time" in text
    assert ":8:9: timeline[2].in: time -1 is negative" in text


def test_missing_required_keys_and_wrong_version(write_edit):
    lines = errors_of(write_edit, """
        version: 2
        output: out/reel.mp4
        """)
    text = "\n".join(lines)
    assert ":1:10: version: expected one of 1, got 2" in text
    assert "timeline: required key 'timeline' is missing" in text


def test_yaml_syntax_error_is_located(write_edit):
    lines = errors_of(write_edit, "version: 1\ntimeline:\n  - clip: [a.mp4\n")
    assert len(lines) == 1 and "edit.yaml:4:1: not valid YAML" in lines[0]


def test_empty_file_and_not_a_mapping(write_edit):
    assert "the edit list is empty" in errors_of(write_edit, "# nothing\n")[0]
    assert "expected a mapping" in errors_of(write_edit, "- a\n- b\n")[0]


def test_out_of_range_numbers(write_edit):
    lines = errors_of(write_edit, """
        version: 1
        output: out/reel.mp4
        loudness: 3
        timeline:
          - clip: a.mp4
            speed: 0
        """)
    text = "\n".join(lines)
    assert ":3:11: loudness: Input should be less than or equal to -5, got 3" in text
    assert ":6:12: timeline[0].speed: Input should be greater than or equal to 0.1" in text
