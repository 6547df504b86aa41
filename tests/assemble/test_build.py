"""End-to-end builds on synthetic media: exact frames, audio == video, trims, sync, inputs, atomicity."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from broll.assemble.resolve import validate_edit_list
from broll.media.frames import iter_frames
from broll.media.probe import probe
from broll.media.synth import read_frame_number

from assemble_helpers import decode_audio, run_cli

AAC_FRAME = 1024 / 48000


def build(edit: Path, *extra: str) -> dict:
    proc = run_cli("build", str(edit), "--json", *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def assert_exact(path: Path, frames: int, fps: Fraction = Fraction(30)):
    info = probe(path)
    assert info.frame_count == frames
    assert info.has_audio
    video = Fraction(frames) / fps
    assert abs(info.audio_duration - video) <= Fraction(1024, 48000), (float(info.audio_duration), float(video))
    return info


def test_numbered_trim_starts_on_the_frame_at_in(media, write_edit):
    clip = media.numbered(frames=60, fps=30, audio=True)
    edit = write_edit(f"""
        version: 1
        output: out/trim.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: {clip}
            in: "17f"
            out: "40f"
          - clip: {clip}
            in: 1.0
            out: 1.5
        """)
    build(edit)
    out = edit.parent / "out/trim.mp4"
    assert_exact(out, 23 + 15)
    numbers = [read_frame_number(f.image) for f in iter_frames(out)]
    assert numbers == list(range(17, 40)) + list(range(30, 45))


def test_reel_length_is_sum_minus_overlaps_and_audio_matches(media, write_edit):
    a = media.clip("a.mp4", duration=2, fps=30, audio=440)
    b = media.clip("b.mp4", duration=2, fps=24, audio=None, source="smptebars")
    c = media.clip("c.mp4", duration=2, fps=25, audio=660, audio_duration=1.2)     # short audio
    d = media.clip("d.mp4", duration=1, fps=30, audio=330, audio_duration=1.8)     # long audio
    still = media.image("still.png", size=(500, 700))
    bed = media.tone("bed.m4a", duration=3)                                       # loops under a longer reel
    edit = write_edit(f"""
        version: 1
        output: out/reel.mp4
        preset: tiny
        defaults:
          transition: {{type: fade, duration: 0.3}}
        music: {{path: {bed}, volume: -10, fade_in: 0.5, fade_out: 1, duck: true}}
        timeline:
          - clip: {a}
            out: 1.5
          - clip: {b}
            transition: {{type: slideleft, duration: 0.5}}
            fit: blur
          - clip: {c}
            in: 0.2
            transition: cut
            fit: contain
          - image: {still}
            duration: 1.2
            motion: pan-right
            transition: {{type: dissolve, duration: 0.2}}
          - clip: {d}
            speed: 2
            transition: {{type: fade, duration: 0.2}}
          - title: "The end"
            duration: 1
            transition: cut
        """)
    _, jobs = validate_edit_list(edit)
    tl = jobs[0].timeline
    frames = [it.frames for it in tl.items]
    overlaps = [it.transition.frames for it in tl.items[1:]]
    assert frames == [45, 60, 54, 36, 15, 30]            # speed 2 halves d; c is 1.8 s at 25 fps -> 54 frames
    assert overlaps == [15, 0, 6, 6, 0]
    assert tl.frames == sum(frames) - sum(overlaps) == 213
    summary = build(edit)
    assert summary["outputs"][0]["frames"] == 213
    assert_exact(edit.parent / "out/reel.mp4", 213)


def test_no_drift_across_fifty_items(media, write_edit):
    tone = media.clip("tone.mp4", duration=1, fps=30, audio=1000, source="color=c=white")
    silent = media.clip("silent.mp4", duration=1, fps=30, audio=None, source="color=c=black")
    items = []
    for i in range(50):
        items.append(f"  - clip: {tone if i % 2 else silent}\n    out: 0.2\n    transition: cut\n")
    edit = write_edit("version: 1\noutput: out/fifty.mp4\npreset: tiny\nloudness: null\ntimeline:\n" + "".join(items))
    build(edit)
    out = edit.parent / "out/fifty.mp4"
    assert_exact(out, 50 * 6)
    samples, rate, start = decode_audio(out)
    # each odd item starts a 1 kHz burst at exactly i * 0.2 s; find the onsets and compare with the video
    loud = np.abs(samples) > 0.02
    onsets = [i for i in range(1, len(loud)) if loud[i] and not loud[max(0, i - 200):i].any()]
    times = [start + i / rate for i in onsets]
    expected = [i * 0.2 for i in range(1, 50, 2)]
    assert len(times) == len(expected)
    assert max(abs(t - e) for t, e in zip(times, expected)) < 0.004          # within 4 ms, first and last alike
    # the picture agrees: white frames exactly where the bursts are
    lum = [f.image.mean() for f in iter_frames(out, width=32)]
    white = [i for i, v in enumerate(lum) if v > 128]
    assert white[:6] == list(range(6, 12)) and white[-6:] == list(range(294, 300))


def test_real_world_inputs(media, write_edit, tmp_path):
    from broll.media.ffmpeg import run_ffmpeg

    vfr = media.clip("vfr.mp4", duration=2, fps=30, audio=None,
                     vfilters=["select='lt(mod(n,5),3)'"], extra_args=["-fps_mode", "vfr"])
    plain = media.clip("rot-src.mp4", size=(320, 180), duration=1, fps=30, audio=440)
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg(["-y", "-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated)])
    anamorphic = media.clip("sar.mp4", size=(240, 180), duration=1, vfilters=["setsar=4/3"], audio=None)
    odd = media.clip("odd.mp4", size=(321, 179), duration=1, audio=None,
                     codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"))
    ai8 = media.clip("ai8.mp4", duration=1.5, fps=8, audio=None, source="life")
    ten = media.clip("ten.mp4", duration=1, audio=220,
                     codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le"))
    gif = media.clip("anim.gif", size=(160, 120), fps=10, duration=1, audio=None, codec_args=())
    big = media.image("big.png", size=(2400, 300))
    tiny = media.image("tiny.jpg", size=(33, 47))
    assert probe(vfr).vfr and probe(rotated).rotation and probe(anamorphic).sar == Fraction(4, 3)
    assert probe(ten).bit_depth == 10 and probe(gif).animated
    edit = write_edit(f"""
        version: 1
        output: out/real.mp4
        preset: tiny
        defaults: {{transition: {{type: fade, duration: 0.2}}, fit: contain}}
        timeline:
          - clip: {vfr}
          - clip: {rotated}
            fit: cover
          - clip: {anamorphic}
          - clip: {odd}
            fit: blur
          - clip: {ai8}
          - clip: {ten}
          - clip: {gif}
          - image: {gif}
            duration: 1.5
          - image: {big}
            duration: 1
            motion: zoom-out
          - image: {tiny}
            duration: 1
            motion: none
        """)
    _, jobs = validate_edit_list(edit)
    tl = jobs[0].timeline
    build(edit)
    out = edit.parent / "out/real.mp4"
    info = assert_exact(out, tl.frames)
    assert (info.width, info.height) == (320, 180) and info.sar == 1 and not info.vfr
    # the rotated clip is shown upright: portrait content letterboxed... cover fills; check the middle frame exists
    assert tl.items[1].source.width == 180 and tl.items[1].source.height == 320


def test_text_with_special_characters_and_multiple_outputs(media, write_edit):
    a = media.clip("a.mp4", duration=1, audio=440)
    edit = write_edit(f"""
        version: 1
        output:
          - {{path: out/wide.mp4}}
          - {{path: out/tall.mp4, preset: tiny-vertical}}
        preset: tiny
        timeline:
          - title: "It's 50% off: a, b; [c] \\\\ d"
            duration: 1
          - clip: {a}
            text: {{value: "Line: one's \\"quoted\\" %{{pts}}", position: top, start: 0.2, end: 0.8}}
            transition: {{type: circleopen, duration: 0.3}}
        """)
    summary = build(edit)
    sizes = {Path(o["path"]).name: (o["width"], o["height"]) for o in summary["outputs"]}
    assert sizes == {"wide.mp4": (320, 180), "tall.mp4": (180, 320)}
    for name in sizes:
        assert_exact(edit.parent / "out" / name, 30 + 30 - 9)


def band_level(samples: np.ndarray, rate: int, lo: float, hi: float) -> float:
    """RMS (dB) of the part of the signal between lo and hi Hz."""
    spectrum = np.fft.rfft(samples * np.hanning(len(samples)))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = np.abs(spectrum[(freqs >= lo) & (freqs <= hi)])
    return 20 * np.log10(np.sqrt(np.sum(band ** 2)) + 1e-12)


def test_loudness_reaches_target_and_music_ducks(media, write_edit):
    from broll.media.ffmpeg import run_ffmpeg

    voice = media.clip("voice.mp4", duration=2, audio=2000)          # far above the bed's 220-330 Hz chord
    quiet = media.clip("quiet.mp4", duration=2, audio=None, source="smptebars")
    bed = media.tone("bed.m4a", duration=1.5)                          # shorter than the reel: loops
    edit = write_edit(f"""
        version: 1
        output: out/loud.mp4
        preset: tiny
        loudness: -16
        music: {{path: {bed}, volume: -6, fade_in: 0.2, fade_out: 0.2, duck: true}}
        timeline:
          - clip: {quiet}
          - clip: {voice}
            transition: cut
        """)
    summary = build(edit)
    assert isinstance(summary["outputs"][0]["measured_lufs"], float)
    out = edit.parent / "out/loud.mp4"
    assert_exact(out, 120)
    log = run_ffmpeg(["-i", str(out), "-af", "ebur128", "-f", "null", "-"], loglevel="info")
    integrated = float(log[log.rfind("I:"):].split()[1])
    assert abs(integrated - (-16)) < 1.5
    samples, rate, start = decode_audio(out)
    alone = samples[int(0.5 * rate):int(1.5 * rate)]                 # bed only (looped past 1.5 s too)
    under = samples[int(2.5 * rate):int(3.5 * rate)]                 # bed under the clip's own audio
    bed_alone, bed_under = band_level(alone, rate, 150, 400), band_level(under, rate, 150, 400)
    assert band_level(alone, rate, 1900, 2100) < band_level(under, rate, 1900, 2100) - 20
    assert bed_under < bed_alone - 4, (bed_alone, bed_under)          # ducked by the sidechain


def test_failed_build_keeps_the_previous_reel(media, write_edit):
    from broll.assemble.render import render
    from broll.errors import FFmpegError

    a = media.clip("a.mp4", duration=1, audio=440)
    edit = write_edit(f"""
        version: 1
        output: out/keep.mp4
        preset: tiny
        timeline:
          - clip: {a}
        """)
    build(edit)
    out = edit.parent / "out/keep.mp4"
    before = out.read_bytes()
    _, jobs = validate_edit_list(edit)
    job = jobs[0]
    broken = type(job)(path=job.path, preset=job.preset, timeline=job.timeline.with_filters({0: "nosuchfilter"}))
    with pytest.raises(FFmpegError) as info:
        render(broken)
    assert "nosuchfilter" in str(info.value)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["keep.mp4"], "no temp file is left behind"


def test_preview_and_plan(media, write_edit):
    a = media.clip("a.mp4", duration=1, audio=440)
    edit = write_edit(f"""
        version: 1
        output: out/reel.mp4
        preset: 16x9-1080p
        timeline:
          - clip: {a}
          - title: "x"
            duration: 1
            transition: {{type: fade, duration: 0.5}}
        """)
    summary = build(edit, "--preview")
    o = summary["outputs"][0]
    assert (o["width"], o["height"], o["fps"]) == (640, 360, 15.0) and o["path"].endswith("reel.preview.mp4")
    assert_exact(Path(o["path"]), 15 + 15 - 7, Fraction(15))
    assert not (edit.parent / "out/reel.mp4").exists()
    proc = run_cli("plan", str(edit))
    assert proc.returncode == 0, proc.stderr
    assert "00:00:00.500 -> 00:00:01.500" in proc.stdout and "fade 0.500s (15f)" in proc.stdout
    assert "-filter_complex" in proc.stdout and "xfade=transition=fade:duration=0.5:offset=0.5" in proc.stdout


def test_build_reports_the_same_located_errors_as_validate(media, write_edit):
    a = media.clip("a.mp4", duration=1, audio=440)
    edit = write_edit(f"""
        version: 1
        output: out/reel.mp4
        preset: tiny
        timeline:
          - clip: {a}
            out: 5
          - clip: missing.mp4
          - image: {a}
            duraton: 2
        """)
    v = run_cli("validate", str(edit))
    b = run_cli("build", str(edit))
    assert v.returncode == b.returncode == 2
    assert v.stderr == b.stderr and "Traceback" not in b.stderr
    assert "edit.yaml:9:5: timeline[2].duraton: unknown key 'duraton' (did you mean 'duration'?)" in b.stderr
    assert not (edit.parent / "out").exists()
