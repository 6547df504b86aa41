"""Media pass: missing/unreadable files, bad trims, long transitions, unknown presets; all located."""

from __future__ import annotations

from fractions import Fraction

import pytest

from broll.assemble.resolve import validate_edit_list
from broll.errors import EditListErrors

from assemble_helpers import run_cli


def media_errors(edit) -> str:
    with pytest.raises(EditListErrors) as info:
        validate_edit_list(edit)
    return "\n".join(info.value.lines())


def test_media_problems_are_located_and_reported_together(media, write_edit):
    clip = media.clip("two.mp4", duration=2, audio=440)
    still = media.image("s.png")
    silent = media.clip("silent.mp4", duration=1, audio=None)
    edit = write_edit(f"""
        version: 1
        output: out/reel.mp4
        preset: tiny
        music: {{path: {silent}}}
        timeline:
          - clip: {clip}
            in: 1.5
            out: 1.0
          - clip: {clip}
            out: 3
          - clip: clips/missing.mp4
          - clip: {still}
          - image: garbage.jpg
          - clip: {clip}
            out: 1.5
          - clip: {clip}
            out: 1
            transition: {{type: fade, duration: 0.6}}
        """)
    (edit.parent / "garbage.jpg").write_bytes(b"this is not an image at all" * 10)
    text = media_errors(edit)
    assert ":4:15: music.path: " in text and "has no audio track" in text
    assert ":7:9: timeline[0].in: in (1.5 s) must be before out (1 s)" in text
    assert ":10:10: timeline[1].out: out (3 s) is past the end of" in text and "(2 s)" in text
    assert ":11:11: timeline[2].clip: clips/missing.mp4: file not found" in text
    assert ":12:11: timeline[3].clip: " in text and "is a still image, not a video" in text
    assert ":13:12: timeline[4].image: garbage.jpg: " in text and "Traceback" not in text
    assert ":18:40: timeline[6].transition.duration: transition (0.6 s) is longer than half of timeline[6] (1 s)" in text


def test_unknown_preset_suggests_a_name(media, write_edit):
    clip = media.clip("a.mp4", duration=1)
    edit = write_edit(f"""
        version: 1
        output: [{{path: a.mp4}}, {{path: b.mp4, preset: 9x16-108p}}]
        preset: 16x9-1080
        timeline:
          - clip: {clip}
        """)
    text = media_errors(edit)
    assert "edit.yaml:3:9: preset: unknown preset '16x9-1080' (did you mean '16x9-1080p'?" in text
    assert "edit.yaml:2:47: output[1].preset: unknown preset '9x16-108p' (did you mean '9x16-1080p'?" in text


def test_paths_are_relative_to_the_edit_list_and_times_resolve(media, write_edit, tmp_path):
    import shutil
    (tmp_path / "clips").mkdir()
    src = media.clip("rel.mp4", duration=2, fps=25, audio=None)
    shutil.copy(src, tmp_path / "clips/rel.mp4")
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        timeline:
          - clip: clips/rel.mp4
            in: "10f"
            out: "00:00:01.5"
            speed: 0.5
        """)
    _, jobs = validate_edit_list(edit)
    item = jobs[0].timeline.items[0]
    assert jobs[0].path == tmp_path / "out/reel.mp4"
    assert item.src_in == Fraction(10, 25) and item.src_out == Fraction(3, 2)
    assert item.frames == 66            # 1.1 s of source at half speed = 2.2 s at 30 fps


def test_validate_cli_ok_and_json(media, write_edit):
    clip = media.clip("a.mp4", duration=1)
    edit = write_edit(f"""
        version: 1
        output: out/reel.mp4
        preset: tiny
        timeline:
          - clip: {clip}
        """)
    proc = run_cli("validate", str(edit), "--json")
    assert proc.returncode == 0 and '"frames": 30' in proc.stdout
    bad = write_edit("version: 1\noutput: x.mp4\ntimeline: []\n", name="bad.yaml")
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 2 and "bad.yaml:3:11: timeline: must not be empty" in proc.stderr
    assert "Traceback" not in proc.stderr
