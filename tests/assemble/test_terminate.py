"""A build stopped by SIGTERM (a job runner's stop) cleans up like Ctrl-C: no temp files left."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from broll.media import synth


@pytest.mark.slow
def test_sigterm_mid_render_leaves_no_temporary_files(tmp_path, write_edit):
    synth.make_clip(tmp_path / "a.mp4", source="testsrc2", size=(1280, 720), fps=30, duration=12.0)
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: 16x9-1080p
        loudness: null
        timeline:
          - clip: a.mp4
        """)
    (tmp_path / "out").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "broll", "build", str(edit), "-q", "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (tmp_path / ".broll").exists():          # past validation: the render starts now
            break
        time.sleep(0.05)
    time.sleep(2.0)
    if proc.poll() is not None:
        pytest.skip("the build finished before it could be stopped")
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []
    leftovers = [p for p in tmp_path.rglob("*") if ".part" in p.name or p.name.endswith(".tmp")]
    assert leftovers == []
