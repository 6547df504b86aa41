"""Animated GIFs are what several open video generators ship: `broll check` and `broll export` take
them like clips; `broll fix` says it repairs video files and what to do instead."""

from __future__ import annotations

from click.testing import CliRunner

from broll.cli import main
from broll.media import synth
from broll.media.probe import probe


def _gif(tmp_path):
    return synth.make_clip(tmp_path / "anim.gif", size=(160, 90), fps=10, duration=1.5, audio=None, codec_args=())


def test_check_reads_an_animated_gif(tmp_path):
    from broll.qc import check
    report = check(_gif(tmp_path))
    assert report.verdict in ("pass", "review", "regenerate")
    assert report.facts["frames"] == 15 and report.facts["codec"] == "gif"


def test_export_turns_an_animated_gif_into_the_preset(tmp_path):
    gif = _gif(tmp_path)
    small = tmp_path / "small.yaml"
    small.write_text("reels:\n  base: reels\n  width: 180\n  height: 320\n")
    result = CliRunner().invoke(main, ["export", str(gif), "-p", "reels", "-o", str(tmp_path / "out"),
                                       "--file", str(small), "--draft"])
    assert result.exit_code == 0, result.output
    info = probe(tmp_path / "out" / "anim-reels.mp4")
    assert (info.kind, info.width, info.height) == ("video", 180, 320)
    assert abs(float(info.duration) - 1.5) < 0.1


def test_fix_copies_a_gif_that_needs_nothing_and_refuses_one_that_needs_a_repair(tmp_path):
    import numpy as np

    from broll.media.writer import write_clip
    from broll.testing import injection as inj

    frames = inj.base("static:coffee", 30)
    fine = write_clip(tmp_path / "fine.gif", frames, fps=10, codec_args=())
    black = [f if not 12 <= i <= 13 else np.zeros_like(f) for i, f in enumerate(frames)]
    broken = write_clip(tmp_path / "broken.gif", black, fps=10, codec_args=())
    ok = CliRunner().invoke(main, ["fix", str(fine), "-o", str(tmp_path / "fixed"), "--no-cache"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "fixed" / "fine.gif").read_bytes() == fine.read_bytes()
    result = CliRunner().invoke(main, ["fix", str(broken), "-o", str(tmp_path / "fixed"), "--no-cache"])
    assert result.exit_code != 0
    assert "needs a repair (black)" in result.output and "animated images" in result.output
    assert "convert it to MP4" in result.output
    assert not (tmp_path / "fixed" / "broken.gif").exists()
