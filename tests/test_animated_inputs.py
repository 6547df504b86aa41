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


def test_fix_refuses_an_animated_gif_with_a_way_out(tmp_path):
    result = CliRunner().invoke(main, ["fix", str(_gif(tmp_path)), "-o", str(tmp_path / "fixed")])
    assert result.exit_code != 0
    assert "animated images" in result.output and "convert it to MP4" in result.output
