"""The #18 keys in the schema: typos and bad values are located, with did-you-mean (no media touched)."""

from __future__ import annotations

import pytest

from broll.assemble.editlist import load_edit_list
from broll.errors import EditListErrors

BASE = "version: 1\noutput: out.mp4\ntimeline:\n  - clip: a.mp4\n"


@pytest.mark.parametrize("body, expect", [
    ("captions:\n  style: {sise: 0.05}\n", "edit.yaml:6:11: captions.style.sise: unknown key 'sise' (did you mean 'size'?)"),
    ("captions:\n  words: hilight\n", "captions.words: expected one of highlight, reveal, none, got 'hilight' "
                                      "(did you mean 'highlight'?)"),
    ("overlays:\n  - {image: l.png, anchor: top-rigth}\n", "overlays[0].anchor: expected an anchor"),
    ("overlays:\n  - {image: l.png, opasity: 0.5}\n", "unknown key 'opasity' (did you mean 'opacity'?)"),
    ("overlays:\n  - {image: l.png, outputs: {a.mp4: {scael: 2}}}\n", "unknown key 'scael' (did you mean 'scale'?)"),
    ("voiceover: {path: v.m4a, volum: -3}\n", "voiceover.volum: unknown key 'volum' (did you mean 'volume'?)"),
    ("captions:\n  cues: [{start: 0, end: 1, txt: hi}]\n", "unknown key 'txt' (did you mean 'text'?)"),
])
def test_layer_keys_are_checked_and_located(tmp_path, body, expect):
    path = tmp_path / "edit.yaml"
    path.write_text(BASE + body)
    with pytest.raises(EditListErrors) as info:
        load_edit_list(path)
    assert any(expect in line for line in info.value.lines()), info.value.lines()


def test_item_caption_shorthand_and_vars(tmp_path):
    path = tmp_path / "edit.yaml"
    path.write_text("version: 1\nvars: {who: Ada}\noutput: out.mp4\ntimeline:\n  - clip: a.mp4\n    caption: \"Hi {{who}}\"\n")
    edit = load_edit_list(path)
    assert edit.timeline[0].caption.text == "Hi Ada"
    assert load_edit_list(path, {"who": "Grace"}).timeline[0].caption.text == "Hi Grace"
