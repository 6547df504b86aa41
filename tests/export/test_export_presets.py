"""Every preset renders a valid file: size, fps, codec, profile/level, audio, loudness, limits."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from broll.cli import main
from broll.export.aliases import ALIASES, parse_preset_list
from broll.media import synth
from broll.media.loudness_scan import scan_loudness
from broll.media.probe import probe
from broll.templates.presets import all_presets, builtin_presets
from click.testing import CliRunner

PROFILES = {"high": "High", "main": "Main", "baseline": "Constrained Baseline"}


def _export(*args: str):
    result = CliRunner().invoke(main, ["export", *args], catch_exceptions=False)
    return result


def _stream_facts(path: Path) -> dict:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return {"profile": v.codec_context.profile, "level": v.codec_context.level,
                "pix_fmt": v.codec_context.pix_fmt, "audio_codec": a.codec_context.name,
                "rate": a.codec_context.sample_rate, "channels": a.codec_context.channels}


def _moov_before_mdat(path: Path) -> bool:
    head = path.read_bytes()[:200_000]
    return 0 <= head.find(b"moov") < head.find(b"mdat") or head.find(b"mdat") < 0


@pytest.mark.slow
def test_every_builtin_preset_renders_a_valid_file(tmp_path):
    clip = synth.make_clip(tmp_path / "short.mp4", size=(640, 360), fps=30, duration=0.5, audio=440.0)
    presets = builtin_presets()
    result = _export(str(clip), "--preset", ",".join(presets), "-o", str(tmp_path / "out"), "--draft",
                     "--reframe", "center", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert len(summary["outputs"]) == len(presets) == 13
    for item in summary["outputs"]:
        p = presets[item["preset"]]
        out = Path(item["path"])
        assert out.name == f"short-{p.name}.mp4"
        info = probe(out)
        assert (info.width, info.height) == (p.width, p.height), p.name
        assert info.fps == p.rate and info.codec == "h264" and info.has_audio
        assert abs(float(info.duration) - 0.5) < 0.05
        facts = _stream_facts(out)
        assert facts["profile"] == PROFILES[p.video.profile], p.name
        assert facts["level"] == int(round(float(p.video.level) * 10)), p.name
        assert facts["pix_fmt"] == p.video.pix_fmt
        assert (facts["audio_codec"], facts["rate"], facts["channels"]) == ("aac", 48000, 2)
        assert _moov_before_mdat(out), f"{p.name}: not faststart"


def test_loudness_lands_on_target(reel, tmp_path):
    small = tmp_path / "small.yaml"        # the platforms' audio settings at a small picture size (faster)
    small.write_text("reels:\n  base: reels\n  width: 270\n  height: 480\n"
                     "youtube-1080p:\n  base: youtube-1080p\n  width: 480\n  height: 270\n"
                     "quiet:\n  base: youtube-1080p\n  width: 480\n  height: 270\n  loudness: {integrated: -23}\n")
    result = _export(str(reel), "-p", "reels,youtube,quiet", "-o", str(tmp_path), "--draft", "--file", str(small))
    assert result.exit_code == 0, result.output
    assert scan_loudness(reel).integrated < -18          # the source is quiet, so this proves a change
    for name, target in (("reels", -14), ("youtube-1080p", -14), ("quiet", -23)):
        assert all_presets(small)[name].loudness.integrated == target
        measured = scan_loudness(tmp_path / f"reel-{name}.mp4").integrated
        assert abs(measured - target) <= 1.0, f"{name}: {measured} LUFS"


def test_no_audio_gets_silence_and_fps_conversion(silent_reel, tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text("sq:\n  base: instagram-square\n  width: 240\n  height: 240\n")
    result = _export(str(silent_reel), "-p", "sq", "-o", str(tmp_path), "--draft", "--file", str(small))
    assert result.exit_code == 0, result.output
    out = tmp_path / "silent-sq.mp4"
    info = probe(out)
    assert info.has_audio and info.audio_rate == 48000 and info.fps == 30
    assert abs(float(info.audio_duration) - float(info.duration)) < 0.05


def test_duration_limit_warns_and_trims(reel, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("story:\n  base: reels\n  max_duration: 1\n  width: 360\n  height: 640\n")
    result = _export(str(reel), "-p", "story", "--file", str(mine), "-o", str(tmp_path), "--draft", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert "over the platform limit of 1 s" in summary["warnings"][0]
    assert abs(summary["outputs"][0]["duration"] - 2.0) < 0.05
    result = _export(str(reel), "-p", "story", "--file", str(mine), "-o", str(tmp_path), "--draft",
                     "--trim-to-limit", "--json")
    summary = json.loads(result.output)
    assert "cut to the platform limit" in summary["warnings"][0]
    assert abs(probe(tmp_path / "reel-story.mp4").duration - 1) < 0.05


def test_aliases_and_did_you_mean():
    assert [p.name for p in parse_preset_list("square,yt,reels,square")] == \
        ["instagram-square", "youtube-1080p", "reels"]
    assert all(target in builtin_presets() for target in ALIASES.values())
    result = CliRunner().invoke(main, ["export", "x.mp4", "-p", "reel"])
    assert result.exit_code != 0


def test_cli_errors_are_one_line(tmp_path, media, capsys):
    from broll.cli import run
    still = media.image("still.png")
    for args, expected in ((["export", str(tmp_path / "none.mp4"), "-p", "reels"], "no such file"),
                           (["export", str(still), "-p", "reels"], "still image"),
                           (["export", str(still), "-p", "reel"], "did you mean 'reels'")):
        with pytest.raises(SystemExit) as exc:
            run(args)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err


def test_dry_run_prints_one_command_with_split(reel, tmp_path):
    result = _export(str(reel), "-p", "reels,square", "-o", str(tmp_path), "--dry-run")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "split=2" in lines[0] and "+faststart" in lines[0]
    result = _export(str(reel), "-p", "reels,square", "-o", str(tmp_path), "--dry-run", "--strategy", "separate")
    assert len(result.output.strip().splitlines()) == 2
    assert not list(tmp_path.glob("*.mp4"))


def test_real_world_inputs(tmp_path):
    """Rotation metadata, 8 fps AI output, 10-bit, non-square pixels: all come out square-pixel 1:1 at 30 fps."""
    from broll.media.ffmpeg import run_ffmpeg
    base = synth.make_clip(tmp_path / "base.mp4", size=(320, 180), duration=0.5)
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg(["-y", "-display_rotation", "90", "-i", str(base), "-c", "copy", str(rotated)])
    inputs = [rotated,
              synth.make_clip(tmp_path / "ai8.mp4", size=(250, 142), fps=8, duration=1.0, audio=None),
              synth.make_clip(tmp_path / "ten.mp4", size=(320, 180), duration=0.5,
                              codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le")),
              synth.make_clip(tmp_path / "anamorphic.mp4", size=(240, 180), duration=0.5, vfilters=["setsar=4/3"])]
    assert probe(rotated).rotation in (90, 270) and probe(inputs[3]).width == 320
    for clip in inputs:
        result = _export(str(clip), "-p", "square", "-o", str(tmp_path / "out"), "--draft")
        assert result.exit_code == 0, result.output
        info = probe(tmp_path / "out" / f"{clip.stem}-instagram-square.mp4")
        assert (info.width, info.height, info.fps, info.bit_depth) == (1080, 1080, 30, 8), clip.name
        assert abs(float(info.duration) - float(probe(clip).duration)) < 0.05


def test_hdr_source_is_tone_mapped_to_sdr(tmp_path):
    pq = synth.make_clip(tmp_path / "pq.mp4", size=(320, 180), duration=0.5, audio=None,
                         codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                                     "-x264-params", "transfer=smpte2084:colorprim=bt2020:colormatrix=bt2020nc"])
    result = _export(str(pq), "-p", "16x9", "-o", str(tmp_path), "--draft", "--json")
    assert result.exit_code == 0, result.output
    assert "tone-mapped to SDR" in json.loads(result.output)["warnings"][0]
    info = probe(tmp_path / "pq-16x9-1080p.mp4")
    assert not info.is_hdr and info.color_transfer == "bt709" and info.bit_depth == 8


def test_guides_outline_the_safe_zone(silent_reel, tmp_path):
    result = _export(str(silent_reel), "-p", "reels", "-o", str(tmp_path), "--draft", "--guides", "--reframe", "contain")
    assert result.exit_code == 0, result.output
    from broll.media.frames import iter_frames
    frame = next(iter_frames(tmp_path / "silent-reels.mp4")).image.astype(int)
    zone = builtin_presets()["reels"].safe_zone
    y_top, x_left = round(zone.top * 1920), round(zone.left * 1080)
    yellow = (frame[..., 0] > 150) & (frame[..., 1] > 150) & (frame[..., 2] < 110)
    assert yellow[y_top + 2, 300:700].mean() > 0.9              # the top edge of the box
    assert yellow[y_top + 200: y_top + 600, x_left + 1].mean() > 0.9   # its left edge
    assert yellow[50, :].mean() < 0.05                          # nothing outside it


def test_a_same_shape_export_does_not_claim_a_subject_crop(tmp_path):
    """16:9 into a 16:9 preset has nothing to crop, so no subject analysis runs: the summary
    says it was scaled, not '(subject)' with no confidence behind it."""
    clip = synth.make_clip(tmp_path / "wide.mp4", size=(320, 180), fps=30, duration=0.4, audio=None)
    result = _export(str(clip), "--preset", "16x9-1080p", "-o", str(tmp_path / "out"), "--draft")
    assert result.exit_code == 0, result.output
    assert "(same shape: scaled, nothing to reframe)" in result.output
