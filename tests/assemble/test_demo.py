"""`broll demo DIR`: offline sample project; the preview build keeps the test fast."""

from __future__ import annotations

from fractions import Fraction

from broll.media.probe import probe

from assemble_helpers import run_cli


def test_demo_writes_a_project_and_builds_it(tmp_path):
    proc = run_cli("demo", str(tmp_path / "demo"), "--preview")
    assert proc.returncode == 0, proc.stderr
    reel = tmp_path / "demo/out/reel.preview.mp4"
    assert f"Your reel is at {reel}" in proc.stdout
    for rel in ("edit.yaml", "clips/city.mp4", "clips/vertical.mp4", "clips/ai-8fps.mp4", "clips/square.mp4",
                "stills/product.png", "music/bed.m4a"):
        assert (tmp_path / "demo" / rel).is_file()
    info = probe(reel)
    assert (info.width, info.height, info.fps) == (640, 360, Fraction(15))
    assert abs(info.audio_duration - info.duration) <= Fraction(1024, 48000)
    # the edit list it wrote is commented and valid
    text = (tmp_path / "demo/edit.yaml").read_text()
    assert text.startswith("# A broll edit list") and "duck: true" in text
    assert run_cli("validate", str(tmp_path / "demo/edit.yaml")).returncode == 0
