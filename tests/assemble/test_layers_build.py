"""Captions, overlays, voice-over, --set and --variants end to end through `broll build` (#18).

Every test renders small synthetic media through the real CLI and reads the pixels or samples back.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from assemble_helpers import decode_audio, run_cli
from broll.media import synth
from broll.media.ffmpeg import run_ffmpeg
from broll.media.fonts import find_font
from broll.media.frames import iter_frames

LAYER_PRESETS = """\
tiny:
  base: 16x9-1080p
  width: 320
  height: 180
  video: {x264_preset: ultrafast, crf: 18}
tiny25:
  base: 16x9-1080p
  width: 320
  height: 180
  fps: 25
  video: {x264_preset: ultrafast, crf: 18}
tiny-vertical:
  base: 9x16-1080p
  width: 180
  height: 320
  video: {x264_preset: ultrafast, crf: 18}
tiny-square:
  base: 1x1-1080p
  width: 240
  height: 240
  video: {x264_preset: ultrafast, crf: 18}
"""

pytestmark = pytest.mark.skipif(find_font() is None, reason="no font on this machine")


@pytest.fixture(autouse=True)
def layer_presets(tmp_path_factory, monkeypatch):
    path = tmp_path_factory.getbasetemp() / "layer-presets.yaml"
    if not path.exists():
        path.write_text(LAYER_PRESETS)
    monkeypatch.setenv("BROLL_PRESETS", str(path))
    return path


def _black(tmp_path: Path, name: str = "black.mp4", seconds: float = 2.0, audio: float | None = None) -> Path:
    return synth.make_clip(tmp_path / name, source="color=c=black", size=(320, 180), fps=30, duration=seconds,
                           audio=audio)


def _lit_frames(path: Path, threshold: int = 100) -> list[np.ndarray]:
    return [f.image > threshold for f in iter_frames(path, fmt="gray")]


def _ok(proc) -> None:
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ captions land on the right frames

@pytest.mark.parametrize("preset, fps", [("tiny", Fraction(30)), ("tiny25", Fraction(25))])
def test_cue_first_and_last_frame_exact_through_build(tmp_path, write_edit, preset, fps):
    _black(tmp_path)
    edit = write_edit(f"""
        version: 1
        output: out.mp4
        preset: {preset}
        loudness: null
        timeline:
          - clip: black.mp4
        captions:
          cues:
            - {{start: 0.5, end: 1.2, text: "Hello"}}
            - {{start: 1.3, end: 1.9, text: "World"}}
          style: {{size: 0.15, outline: 0}}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    lit = [i for i, f in enumerate(_lit_frames(tmp_path / "out.mp4")) if f.sum() > 20]
    expected = [i for a, b in ((Fraction(1, 2), Fraction(6, 5)), (Fraction(13, 10), Fraction(19, 10)))
                for i in range(math.ceil(a * fps), math.ceil(b * fps))]
    assert lit == expected


def test_item_caption_follows_its_item_after_a_transition(tmp_path, write_edit):
    _black(tmp_path, "a.mp4", 2.0)
    _black(tmp_path, "b.mp4", 2.0)
    edit = write_edit("""
        version: 1
        output: out.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: a.mp4
          - clip: b.mp4
            transition: {type: fade, duration: 0.5}
            caption: {text: "Second shot", start: 0.2, end: 1.0}
        captions:
          style: {size: 0.15, outline: 0}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    lit = [i for i, f in enumerate(_lit_frames(tmp_path / "out.mp4")) if f.sum() > 20]
    start = 60 - 15                      # item 2 starts 15 frames (0.5 s) before item 1 ends
    assert lit == list(range(start + 6, start + 30))


# ------------------------------------------------------------------ safe zones, wrapping

LONG = ("Spring collection now in stores everywhere with free delivery on every single order today "
        "and a second sentence that no safe zone could hold on two lines at this size")


@pytest.mark.parametrize("preset, size, zone", [
    ("tiny-vertical", (180, 320), (0.14, 0.14, 0.35, 0.06)),   # 9:16: union of the platform presets' zones
    ("tiny-square", (240, 240), (0.05, 0.05, 0.05, 0.05)),
    ("tiny", (320, 180), (0.05, 0.05, 0.05, 0.05)),
])
@pytest.mark.parametrize("text", ["Spring sale: 20% off everything", LONG])
def test_caption_text_inside_the_safe_zone(tmp_path, write_edit, preset, size, zone, text):
    _black(tmp_path, seconds=1.0)
    edit = write_edit(f"""
        version: 1
        output: out.mp4
        preset: {preset}
        loudness: null
        defaults: {{fit: contain}}
        timeline:
          - clip: black.mp4
        captions:
          cues:
            - {{start: 0, end: 1, text: "{text}"}}
          style: {{size: 0.08, outline: 0}}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    frames = _lit_frames(tmp_path / "out.mp4")
    ys, xs = np.nonzero(np.any(frames, axis=0))
    w, h = size
    top, right, bottom, left = zone
    assert len(xs) > 50, "no caption was drawn"
    assert xs.min() >= left * w - 1 and xs.max() <= w * (1 - right) + 1
    assert ys.min() >= top * h - 1 and ys.max() <= h * (1 - bottom) + 1
    if text == LONG:   # too long for two lines: split in time, both halves shown, nothing clipped
        shown = [f.sum() for f in frames]
        assert all(s > 20 for s in shown)
        assert not np.array_equal(frames[0], frames[-1])


# ------------------------------------------------------------------ overlays

def _logo(path: Path, size=(64, 32), color="white") -> Path:
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c={color}:s={size[0]}x{size[1]}", "-frames:v", "1",
                "-pix_fmt", "rgba", "-y", str(path)])
    return path


def test_logo_overlay_by_anchor_with_per_output_override(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    _logo(tmp_path / "logo.png")
    edit = write_edit("""
        version: 1
        output:
          - {path: wide.mp4, preset: tiny}
          - {path: tall.mp4, preset: tiny-vertical}
        loudness: null
        defaults: {fit: contain}
        timeline:
          - clip: black.mp4
        overlays:
          - image: logo.png
            anchor: top-right
            scale: 0.2
            start: 0.5
            outputs:
              tall.mp4: {anchor: bottom-left, scale: 0.3}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    wide = _lit_frames(tmp_path / "wide.mp4", 128)
    assert [i for i, f in enumerate(wide) if f.sum() > 20] == list(range(15, 30))
    ys, xs = np.nonzero(wide[20])
    assert xs.max() <= 320 * 0.95 and xs.min() > 160 and ys.max() < 90          # top right, inside the zone
    assert abs((xs.max() - xs.min() + 1) - 64) <= 2
    tall = _lit_frames(tmp_path / "tall.mp4", 128)
    ys, xs = np.nonzero(tall[20])
    assert xs.min() >= 0.06 * 180 - 1 and xs.max() < 90 and ys.min() > 160 and ys.max() <= 320 * 0.65 + 1
    assert abs((xs.max() - xs.min() + 1) - 54) <= 2                               # 0.3 x 180


def test_lower_third_text_is_drawn_on_its_image(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    _logo(tmp_path / "bar.png", size=(400, 80), color="0x202020")
    edit = write_edit("""
        version: 1
        output: out.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: black.mp4
        overlays:
          - {image: bar.png, anchor: bottom-left, scale: 0.6, text: "Ada Lovelace", margin: 0}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    frame = next(iter(iter_frames(tmp_path / "out.mp4", fmt="gray"))).image
    ys, xs = np.nonzero(frame > 128)
    assert len(xs) > 30                                  # white text on the dark bar
    assert xs.min() >= 16 and xs.max() <= 16 + 192 and ys.min() >= 171 - 40 and ys.max() <= 171


def test_captions_move_up_while_a_bottom_lower_third_is_on_screen(tmp_path, write_edit):
    _black(tmp_path, seconds=2.0)
    _logo(tmp_path / "plate.png", size=(400, 100), color="0x808080")
    edit = write_edit("""
        version: 1
        output: out.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: black.mp4
        captions:
          cues: [{start: 0, end: 0.9, text: "Captions at the bottom"}, {start: 1, end: 2, text: "Captions above the plate"}]
          style: {size: 0.08, outline: 0}
        overlays:
          - {image: plate.png, anchor: bottom-left, scale: 0.6, start: 1}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    frames = [f.image for f in iter_frames(tmp_path / "out.mp4", fmt="gray")]
    before, during = frames[10], frames[50]
    plate_rows = np.nonzero(((during > 100) & (during < 160)).sum(axis=1) > 150)[0]   # the 192 px wide grey plate
    plate_top = plate_rows.min()
    assert np.nonzero(during > 200)[0].max() < plate_top                # caption clear of the plate
    assert np.nonzero(before > 200)[0].max() > plate_top                # a cue before the plate sits lower
    # (a cue keeps one position: one that overlaps the plate's time at all is raised for its whole span)


# ------------------------------------------------------------------ voice-over

def _band(signal: np.ndarray, rate: int, freq: float, a: float, b: float) -> float:
    part = signal[int(a * rate):int(b * rate)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / rate)
    return float(spectrum[np.abs(freqs - freq) < 15].max())


def test_voiceover_is_mixed_in_and_the_music_ducks_under_it(tmp_path, write_edit):
    _black(tmp_path, seconds=6.0)
    synth.make_tone(tmp_path / "music.m4a", duration=8.0, notes=(220,), volume=0.3)
    # a voice at a speaking level (peaks near -6 dBFS); the sine source's own amplitude is 1/8
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=2", "-af", "volume=4",
                "-c:a", "aac", "-y", str(tmp_path / "voice.m4a")])
    edit = write_edit("""
        version: 1
        output: out.mp4
        preset: tiny
        timeline:
          - clip: black.mp4
        music: {path: music.m4a, volume: 0, fade_in: 0, fade_out: 0}
        voiceover: {path: voice.m4a, start: 2.5}
        """)
    _ok(run_cli("build", str(edit), "-q"))
    audio, rate, _ = decode_audio(tmp_path / "out.mp4")
    # windows of one whole period of the music's 2 s tremolo
    voice_during, voice_before = _band(audio, rate, 1000, 2.5, 4.5), _band(audio, rate, 1000, 0.3, 2.3)
    assert voice_during > 20 * voice_before                     # the voice lands where it was placed
    music_before, music_during = _band(audio, rate, 220, 0.3, 2.3), _band(audio, rate, 220, 2.5, 4.5)
    assert music_during < 0.5 * music_before                    # ducked by more than 6 dB under the voice


# ------------------------------------------------------------------ variables and variants

def test_set_overrides_a_variable(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    edit = write_edit("""
        version: 1
        vars: {slug: default, headline: "Spring"}
        output: "out/{{slug}}.mp4"
        preset: tiny
        loudness: null
        timeline:
          - clip: black.mp4
        captions:
          cues: [{start: 0, end: 1, text: "{{headline}} sale"}]
        """)
    proc = run_cli("plan", str(edit), "--json", "--set", "slug=autumn", "--set", "headline=Autumn")
    _ok(proc)
    report = json.loads(proc.stdout)["outputs"][0]
    assert report["output"].endswith("out/autumn.mp4")
    assert report["layers"]["captions"]["cues"] == 1
    ass = Path(report["layers"]["captions"]["ass"]).read_text()
    assert "Autumn sale" in ass


def test_variants_build_one_reel_per_row(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    (tmp_path / "rows.csv").write_text("slug,headline\nred,Red shoes\ngreen,Green hats\nblue,Blue socks\n")
    edit = write_edit("""
        version: 1
        vars: {slug: x, headline: x}
        output: "out/{{slug}}.mp4"
        preset: tiny
        loudness: null
        timeline:
          - clip: black.mp4
            caption: "{{headline}}"
        """)
    proc = run_cli("build", str(edit), "--variants", str(tmp_path / "rows.csv"), "--json")
    _ok(proc)
    report = json.loads(proc.stdout)
    assert [v["row"] for v in report["variants"]] == [1, 2, 3]
    for slug in ("red", "green", "blue"):
        assert (tmp_path / "out" / f"{slug}.mp4").is_file()
    assert report["variants"][1]["variables"] == {"slug": "green", "headline": "Green hats"}


def test_variants_without_a_naming_column_get_row_numbers(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    (tmp_path / "rows.csv").write_text("headline\nOne\nTwo\n")
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: black.mp4
            caption: "{{headline}}"
        """)
    _ok(run_cli("build", str(edit), "--variants", str(tmp_path / "rows.csv"), "-q"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["reel-1.mp4", "reel-2.mp4"]


# ------------------------------------------------------------------ located errors, nothing rendered

@pytest.mark.parametrize("case, expect", [
    ("srt", "bad.srt:6"),
    ("var", "unknown variable '{{headlin}}'"),
    ("overlay", "overlays[0].image"),
    ("voice", "voiceover.path"),
    ("row", "rows.csv (column): 'colour' is not a variable"),
])
def test_bad_input_is_one_located_line_and_nothing_renders(tmp_path, write_edit, case, expect):
    _black(tmp_path, seconds=1.0)
    (tmp_path / "bad.srt").write_text("1\n00:00:00,000 --> 00:00:00,500\nfine\n\n2\n00:00:01,000 --> 00:00:00,500\n"
                                      "ends before it starts\n")
    (tmp_path / "rows.csv").write_text("headline,colour\nA,red\n")
    body = {
        "srt": "captions: {path: bad.srt}",
        "var": "vars: {headline: x}\ncaptions: {cues: [{start: 0, end: 1, text: \"{{headlin}}\"}]}",
        "overlay": "overlays: [{image: missing-logo.png}]",
        "voice": "voiceover: {path: missing-voice.m4a}",
        "row": "vars: {headline: x}\ncaptions: {cues: [{start: 0, end: 1, text: \"{{headline}}\"}]}",
    }[case]
    edit = tmp_path / "edit.yaml"
    edit.write_text("version: 1\noutput: out/reel.mp4\npreset: tiny\nloudness: null\ntimeline:\n"
                    "  - clip: black.mp4\n" + body + "\n")
    args = ["build", str(edit)] + (["--variants", str(tmp_path / "rows.csv")] if case == "row" else [])
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert expect in first and "Traceback" not in proc.stderr
    if case == "var":
        assert "did you mean 'headline'" in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ------------------------------------------------------------------ plan shows the layers

def test_plan_lists_captions_overlays_and_voiceover(tmp_path, write_edit):
    _black(tmp_path, seconds=1.0)
    _logo(tmp_path / "logo.png")
    synth.make_tone(tmp_path / "voice.m4a", duration=1.0)
    edit = write_edit("""
        version: 1
        output: out.mp4
        preset: tiny
        timeline:
          - clip: black.mp4
        captions: {cues: [{start: 0, end: 1, text: "Hi"}], words: highlight}
        overlays: [{image: logo.png}]
        voiceover: {path: voice.m4a, start: 0.2, volume: -3}
        """)
    proc = run_cli("plan", str(edit))
    _ok(proc)
    assert "captions: 1 cue(s)" in proc.stdout and "overlay: logo.png top-right" in proc.stdout
    assert "voice-over: voice.m4a from 0.2s at -3 dB" in proc.stdout
    assert "subtitles=filename=" in proc.stdout and "adelay=delays=9600S" in proc.stdout


# ------------------------------------------------------------------ layers through the segment cache (#15)

def test_layers_stay_on_the_reel_clock_in_every_segment_and_one_cue_edit_renders_one_segment(
        tmp_path, write_edit, monkeypatch):
    """Each segment is its own graph (BROLL_SEGMENT_COLD=segments): captions, the logo and the
    lower-third must land on exactly the frames the single graph shows; editing one cue then
    re-renders only the segment it is on."""
    monkeypatch.setenv("BROLL_SEGMENT_SECONDS", "1")
    monkeypatch.setenv("BROLL_SEGMENT_COLD", "segments")
    for k in range(4):
        _black(tmp_path, f"b{k}.mp4", seconds=1.0)
    _logo(tmp_path / "logo.png")
    _logo(tmp_path / "plate.png", size=(120, 40), color="gray")
    text = """
        version: 1
        output: out.mp4
        preset: tiny
        loudness: null
        timeline:
          - clip: b0.mp4
          - clip: b1.mp4
          - clip: b2.mp4
          - clip: b3.mp4
        overlays:
          - {image: logo.png, anchor: top-right, scale: 0.2, start: 1.5}
          - {image: plate.png, anchor: top-left, scale: 0.3, start: 2.2, end: 3.4, text: "Ada"}
        captions:
          cues:
            - {start: 0.5, end: 1.2, text: "Hello"}
            - {start: 2.3, end: 2.8, text: "CUE"}
          style: {size: 0.15, outline: 0, position: bottom}
        """
    edit = write_edit(text)
    first = run_cli("build", str(edit), "-q", "--json")
    _ok(first)
    seg = json.loads(first.stdout)["outputs"][0]["segments"]
    assert seg["segments"] == 4 and seg["rendered"] == 4

    def lit(region) -> list[int]:
        return [i for i, f in enumerate(_lit_frames(tmp_path / "out.mp4", 100)) if region(f).sum() > 20]

    logo = lit(lambda f: f[:90, 200:])
    plate = [i for i, f in enumerate(iter_frames(tmp_path / "out.mp4", fmt="gray"))
             if (f.image[:90, :120] > 60).sum() > 200]
    captions = lit(lambda f: f[100:, :])
    assert logo == list(range(45, 120))
    assert plate == list(range(66, 102))
    assert captions == list(range(15, 36)) + list(range(69, 84))

    write_edit(text.replace('"CUE"', '"EDIT"'))
    again = run_cli("build", str(edit), "-q", "--json")
    _ok(again)
    seg = json.loads(again.stdout)["outputs"][0]["segments"]
    assert (seg["rendered"], seg["reused"]) == (1, 3)
    assert lit(lambda f: f[100:, :]) == list(range(15, 36)) + list(range(69, 84))
