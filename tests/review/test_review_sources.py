from __future__ import annotations


import pytest

from broll.errors import EditListError, InputError
from broll.review.sources import edit_list_clip_paths, resolve_source


def test_folder_lists_videos_but_not_state_or_outputs(project):
    (project / ".broll").mkdir(exist_ok=True)
    (project / ".broll" / "cached.mp4").write_bytes(b"x")
    (project / "clips" / "notes.txt").write_text("hi")
    src = resolve_source(project)
    assert src.kind == "folder" and src.root == project.resolve()
    assert [c.key for c in src.clips] == ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4"]
    assert len({c.id for c in src.clips}) == 3 and all("/" not in c.id for c in src.clips)


def test_batch_spec_reviews_its_out_folder(project):
    spec = project / "batch.yaml"
    spec.write_text("provider: offline\nout: clips\nshots:\n  - prompt: a beach\n")
    src = resolve_source(spec)
    assert src.kind == "batch" and [c.key for c in src.clips] == ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4"]


def test_edit_list_reviews_its_timeline_clips_relative_to_the_yaml(project):
    edit = project / "edit.yaml"
    edit.write_text("version: 1\noutput: out/reel.mp4\ntimeline:\n  - clip: clips/b.mp4\n    in: 0.2\n"
                    "  - title: Hello\n  - clip: clips/a.mp4\n  - clip: clips/b.mp4\n  - clip: clips/gone.mp4\n")
    src = resolve_source(edit)
    assert src.kind == "edit"
    assert [c.key for c in src.clips] == ["clips/b.mp4", "clips/a.mp4"]
    assert src.missing == ["clips/gone.mp4"]
    assert edit_list_clip_paths(edit)[0] == project / "clips" / "b.mp4"


def test_bad_inputs_are_named(project, tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        resolve_source(tmp_path / "nope")
    (tmp_path / "x.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="not a project folder or YAML spec"):
        resolve_source(tmp_path / "x.mp4")
    bad = tmp_path / "edit.yaml"
    bad.write_text("timeline: [\n")
    with pytest.raises(EditListError, match="edit.yaml"):
        resolve_source(bad)
    bad.write_text("version: 1\noutput: o.mp4\ntimeline:\n  - clip: [3]\n")
    with pytest.raises(EditListError, match=r"timeline\[0\]\.clip"):
        resolve_source(bad)
