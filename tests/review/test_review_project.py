"""Approvals follow the clips: which project a command finds, and decisions keyed by content.

The scenario from issue 14: clips reviewed with `broll review clips/` must count for a
`review: required` build of `edit.yaml` one folder up. On def0763 that build exited 6 with
every clip `unreviewed`.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from broll.project import DB_DIR, find_project, projects_above
from broll.review.decisions import APPROVED, REJECTED, record_decision
from broll.review.sources import resolve_source

TINY = """\
tiny:
  base: 16x9-1080p
  width: 320
  height: 180
  video: {x264_preset: ultrafast, crf: 30}
"""

EDIT = """\
version: 1
output: out/reel.mp4
preset: tiny
loudness: null
review: required
timeline:
  - clip: clips/%s.mp4
  - clip: clips/b.mp4
"""


@pytest.fixture
def reel(tmp_path, media, monkeypatch) -> Path:
    """reel/edit.yaml (review: required) over reel/clips/{a,b}.mp4; no .broll anywhere yet."""
    presets = tmp_path / "tiny-presets.yaml"
    presets.write_text(TINY)
    monkeypatch.setenv("BROLL_PRESETS", str(presets))
    root = tmp_path / "reel"
    (root / "clips").mkdir(parents=True)
    shutil.copy(media.clip("a.mp4", duration=1.0, audio=None), root / "clips" / "a.mp4")
    shutil.copy(media.clip("b.mp4", source="smptebars", duration=1.0, audio=None), root / "clips" / "b.mp4")
    (root / "edit.yaml").write_text(EDIT % "a")
    monkeypatch.chdir(root)
    return root


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from broll.cli import run
    try:
        run(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def _review_list(capsys, target: str) -> dict:
    code, out, err = _cli(capsys, "review", target, "--list", "--json")
    assert code == 0, err
    return json.loads(out)


def _approve_all_in(target: str, decision: str = APPROVED) -> None:
    """What clicking Approve on the review page does: record_decision in the page's project."""
    src = resolve_source(target)
    for clip in src.clips:
        record_decision(src.root, clip.path, decision)


def test_clips_reviewed_in_their_folder_count_for_the_build_one_folder_up(reel, capsys):
    listed = _review_list(capsys, "clips")
    assert listed["project"] == str(reel / "clips")          # no project yet: clips/ starts one
    assert [c["state"] for c in listed["clips"]] == ["unreviewed", "unreviewed"]
    _approve_all_in("clips")
    code, _, err = _cli(capsys, "build", "edit.yaml", "-q")
    assert code == 0, err
    assert (reel / "out" / "reel.mp4").is_file()
    # the edit list's own review sees the same decisions
    assert [c["state"] for c in _review_list(capsys, "edit.yaml")["clips"]] == ["approved", "approved"]


def test_once_the_folder_is_a_project_every_command_finds_it(reel, capsys):
    (reel / DB_DIR).mkdir()                                  # e.g. `broll init`, `generate` or a build made it
    assert _review_list(capsys, "clips")["project"] == str(reel)
    assert find_project(reel / "clips" / "a.mp4") == find_project(reel / "edit.yaml") == reel
    _approve_all_in("clips")
    src = resolve_source("clips")
    record_decision(src.root, reel / "clips" / "b.mp4", REJECTED, note="soft focus")
    assert not (reel / "clips" / DB_DIR).exists()             # one database for the project
    code, _, err = _cli(capsys, "build", "edit.yaml", "-q")
    assert code == 6, err
    assert "clips/b.mp4 (rejected)" in err and "clips/a.mp4" not in err
    record_decision(src.root, reel / "clips" / "b.mp4", APPROVED)
    code, _, err = _cli(capsys, "build", "edit.yaml", "-q")
    assert code == 0, err


def test_an_approval_follows_the_bytes_not_the_name(reel, capsys):
    _approve_all_in("clips")
    (reel / "clips" / "a.mp4").rename(reel / "clips" / "renamed.mp4")
    (reel / "edit.yaml").write_text(EDIT % "renamed")
    code, _, err = _cli(capsys, "build", "edit.yaml", "-q")
    assert code == 0, err
    # new bytes at an approved path need a look again
    shutil.copy(reel / "clips" / "b.mp4", reel / "clips" / "renamed.mp4")
    (reel / "clips" / "b.mp4").write_bytes((reel / "clips" / "b.mp4").read_bytes() + b"\0")
    code, _, err = _cli(capsys, "build", "edit.yaml", "-q")
    assert code == 6 and "clips/b.mp4 (changed-since-approval)" in err, err


def test_find_project_walks_up_to_the_nearest_dot_broll(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))                # the home folder is never adopted
    (tmp_path / DB_DIR).mkdir()
    deep = tmp_path / "work" / "reel" / "clips"
    deep.mkdir(parents=True)
    (deep / "a.mp4").write_bytes(b"x")
    assert find_project(deep / "a.mp4") == deep               # home's .broll does not count
    (tmp_path / "work" / DB_DIR).mkdir()
    assert find_project(deep / "a.mp4") == tmp_path / "work"
    assert find_project(deep) == tmp_path / "work"
    (tmp_path / "work" / DB_DIR / "project.db").write_bytes(b"")
    (deep / DB_DIR).mkdir()
    (deep / DB_DIR / "project.db").write_bytes(b"")
    assert find_project(deep / "a.mp4") == deep               # the nearest wins
    assert list(projects_above(deep / "a.mp4")) == [deep, tmp_path / "work"]


def test_docs_define_the_project():
    root = Path(__file__).resolve().parents[2]
    for doc in ("docs/review.md", "docs/architecture.md"):
        text = textwrap.dedent((root / doc).read_text())
        assert "nearest folder" in text and "content hash" in text, doc


def test_broll_init_marks_the_project_for_every_later_command(tmp_path, media, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(capsys, "init", "reel")
    assert code == 0, err
    shutil.copy(media.clip("a.mp4", duration=1.0, audio=None), tmp_path / "reel" / "clips" / "a.mp4")
    assert _review_list(capsys, "reel/clips")["project"] == str(tmp_path / "reel")
