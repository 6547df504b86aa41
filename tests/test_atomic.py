import os
import stat

import pytest

from broll.atomic import atomic_path, write_text


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out" / "reel.mp4"
    write_text(target, "first")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("render failed")
    assert target.read_text() == "first"
    assert [p.name for p in target.parent.iterdir()] == ["reel.mp4"]


def test_new_files_get_normal_permissions(tmp_path):
    target = tmp_path / "new.txt"
    write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    os.chmod(target, 0o640)
    write_text(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def _dead_pid() -> int:
    """A pid that no process has right now (a child that has exited and been reaped)."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_of_a_killed_writer_are_swept_by_the_next_write(tmp_path):
    from broll.atomic import _host_tag
    target = tmp_path / "reel.mp4"
    dead = f".reel.{_dead_pid()}-{_host_tag()}.abcd1234.part.mp4"
    mine = f".reel.{os.getpid()}-{_host_tag()}.efgh5678.part.mp4"
    for name in (dead, dead + ".video.mp4", dead + ".audio.m4a", mine, ".reel.v2.1-000000.x.part.mp4"):
        (tmp_path / name).write_bytes(b"x")
    write_text(target, "done")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([mine, ".reel.v2.1-000000.x.part.mp4", "reel.mp4"])   # a live writer and another target keep theirs


def test_temp_files_whose_owner_cannot_be_checked_go_only_when_old(tmp_path):
    import time
    from broll.atomic import STALE_PART_SECONDS, sweep_stale_parts
    other_host_fresh = tmp_path / ".reel.12-ffffff.abcd1234.part.mp4"
    other_host_old = tmp_path / ".reel.13-ffffff.abcd1234.part.mp4"
    legacy_old = tmp_path / ".reel.korvvi5o.part.mp4.video.mp4"
    for p in (other_host_fresh, other_host_old, legacy_old):
        p.write_bytes(b"x")
    old = time.time() - STALE_PART_SECONDS - 60
    for p in (other_host_old, legacy_old):
        os.utime(p, (old, old))
    from broll.atomic import _host_tag
    if _host_tag() == "ffffff":
        pytest.skip("this host's tag collides with the test's")
    assert sweep_stale_parts(tmp_path / "reel.mp4") == 2
    assert [p.name for p in tmp_path.iterdir()] == [other_host_fresh.name]
