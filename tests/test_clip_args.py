"""Clip arguments: folders expand to the clips directly inside; outputs named alike are refused."""

from __future__ import annotations

import pytest

from broll.cli.clip_args import expand_clip_args, refuse_clashing_names
from broll.errors import InputError


def test_folders_expand_in_name_order_and_a_clip_named_twice_counts_once(tmp_path):
    for name in ("b.mp4", "a.MOV", ".hidden.mp4", "c.mp4.part", "still.png", "x.gif"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.mp4").write_bytes(b"")
    extra = tmp_path / "elsewhere.mp4"
    got = expand_clip_args((str(tmp_path), str(tmp_path / "b.mp4"), "missing.mp4"))
    assert got == (str(tmp_path / "a.MOV"), str(tmp_path / "b.mp4"), str(extra.with_name("x.gif")), "missing.mp4")


def test_an_empty_folder_says_what_counts_as_a_clip(tmp_path):
    with pytest.raises(InputError, match="no clips in this folder") as err:
        expand_clip_args((str(tmp_path),))
    assert ".mp4" in err.value.hint


def test_two_clips_with_one_output_name_are_refused():
    refuse_clashing_names(["x.mp4", "y.mp4"])
    with pytest.raises(InputError, match="share the file name x.mp4"):
        refuse_clashing_names(["x.mp4", "x.mp4"])
