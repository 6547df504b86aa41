"""The project's file memo: content hashes and probes remembered across runs by the file's stat."""

from __future__ import annotations

import json
import os

import pytest

from broll import file_memo
from broll.file_memo import FileMemo, stamp_of


@pytest.fixture
def memo(tmp_path, monkeypatch):
    """A fresh active memo; files count as old at once (no racy window) unless a test says so."""
    monkeypatch.setattr(file_memo, "RACY_NS", 0)
    monkeypatch.setattr(file_memo, "_active", None)
    monkeypatch.setattr(file_memo, "_memos", {})
    (tmp_path / ".broll").mkdir()
    return file_memo.use_project(tmp_path)


def _reload(tmp_path, monkeypatch) -> FileMemo:
    """What the next run sees: a new process's memo, read from disk."""
    file_memo.save()
    monkeypatch.setattr(file_memo, "_memos", {})
    return file_memo.use_project(tmp_path)


def test_a_hash_is_read_once_across_runs_while_the_file_is_unchanged(memo, tmp_path, monkeypatch):
    from broll import hashing
    f = tmp_path / "clip.bin"
    f.write_bytes(b"a" * 1000)
    first = hashing.file_sha256(f)
    _reload(tmp_path, monkeypatch)
    reads = []
    monkeypatch.setattr(hashing, "_sha256_cached", lambda *a: reads.append(a) or "recomputed")
    assert hashing.file_sha256(f) == first and reads == []
    # same size, mtime put back: the ctime still moved, so the file is read again
    st = f.stat()
    f.write_bytes(b"b" * 1000)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert hashing.file_sha256(f) == "recomputed" and len(reads) == 1


def test_values_read_right_after_a_change_are_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(file_memo, "_active", None)
    monkeypatch.setattr(file_memo, "_memos", {})
    (tmp_path / ".broll").mkdir()
    memo = file_memo.use_project(tmp_path)
    f = tmp_path / "fresh.bin"
    f.write_bytes(b"x")
    assert file_memo.remembered(str(f), "n", lambda: 1) == 1
    assert memo.get(str(f), "n", stamp_of(f.stat())) is None     # written within RACY_NS: read again


def test_probes_come_from_the_memo(memo, tmp_path, monkeypatch):
    import importlib
    probe_module = importlib.import_module("broll.media.probe")
    from broll.media.synth import make_clip
    clip = make_clip(tmp_path / "c.mp4", duration=1, size=(160, 90), fps=10)
    info = probe_module.probe(clip)
    _reload(tmp_path, monkeypatch)

    def refuse(*a):
        raise AssertionError("probed again")
    monkeypatch.setattr(probe_module, "_probe_cached", refuse)
    assert probe_module.probe(clip) == info


def test_a_damaged_memo_is_ignored_and_rewritten(memo, tmp_path, monkeypatch):
    memo.path.write_text("{not json")
    f = tmp_path / "a.bin"
    f.write_bytes(b"1")
    assert file_memo.remembered(str(f), "n", lambda: 7) == 7
    file_memo.save()
    assert json.loads(memo.path.read_text())["entries"][str(f)]["values"] == {"n": 7}


def test_saving_merges_with_another_run(memo, tmp_path, monkeypatch):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"1")
    b.write_bytes(b"2")
    other = FileMemo(tmp_path / ".broll")          # a concurrent build of the same project
    other.put(str(b), "n", stamp_of(b.stat()), 2, 1 << 62)
    file_memo.remembered(str(a), "n", lambda: 1)
    other.save()
    file_memo.save()
    entries = json.loads(memo.path.read_text())["entries"]
    assert entries[str(a)]["values"] == {"n": 1} and entries[str(b)]["values"] == {"n": 2}


def test_without_an_active_memo_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(file_memo, "_active", None)
    f = tmp_path / "a.bin"
    f.write_bytes(b"1")
    assert file_memo.remembered(str(f), "n", lambda: 3) == 3
    assert not (tmp_path / ".broll").exists()
