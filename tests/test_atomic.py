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
