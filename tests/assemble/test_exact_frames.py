"""Every item lasts exactly round((out - in) / speed x fps) output frames, whatever the source.

The in-point is snapped to the source frame showing at ``in`` (so the first frame is the right
one), but that snap must never lengthen the item: a 23.976 fps phone clip with ``in: 1`` /
``out: 4`` is 90 frames at 30 fps, not 91. Checked on the resolved timeline for many source
rates, rotation, VFR and an MP4 edit list, and on a rendered multi-output reel whose frames are counted with PyAV.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from broll.assemble.resolve import validate_edit_list

RATES = ["24000/1001", "24", "25", "30000/1001", "30", "50", "60"]
OUT_RATES = {"tiny": Fraction(30), "tiny-25": Fraction(25), "tiny-ntsc": Fraction(24000, 1001)}
EXTRA_PRESETS = """
tiny-25:
  base: 16x9-1080p
  width: 160
  height: 90
  fps: 25
  video: {x264_preset: ultrafast, crf: 35}
tiny-ntsc:
  base: 16x9-1080p
  width: 160
  height: 90
  fps: 24000/1001
  video: {x264_preset: ultrafast, crf: 35}
"""


@pytest.fixture(autouse=True)
def more_presets(tiny_presets, monkeypatch):
    path = tiny_presets.with_name("exact-frames-presets.yaml")
    if not path.exists():
        path.write_text(tiny_presets.read_text() + EXTRA_PRESETS)
    monkeypatch.setenv("BROLL_PRESETS", str(path))


def expected_frames(t_in: str, t_out: str, speed: str, fps: Fraction) -> int:
    exact = (Fraction(t_out) - Fraction(t_in)) / Fraction(speed) * fps
    assert exact - math.floor(exact) != Fraction(1, 2), "pick values that do not tie"
    return math.floor(exact + Fraction(1, 2))


def sources(media, tmp_path) -> list:
    from broll.media.ffmpeg import run_ffmpeg

    clips = [media.clip(f"rate-{r.replace('/', '_')}.mp4", size=(160, 90), fps=r, duration=3.2, audio=440)
             for r in RATES]
    clips.append(media.clip("vfr.mp4", size=(160, 90), fps=30, duration=3.2, audio=None,
                            vfilters=["select='lt(mod(n,5),3)'"], extra_args=["-fps_mode", "vfr"]))
    phone = media.clip("phone-23976.mp4", size=(160, 90), fps="24000/1001", duration=4.5, audio=440)
    rotated = tmp_path / "phone-rotated.mp4"
    if not rotated.exists():
        run_ffmpeg(["-y", "-display_rotation", "90", "-i", str(phone), "-c", "copy", str(rotated)])
    clips.append(rotated)
    # a stream copy cut between keyframes: the MP4 carries an edit list that hides the frames before it
    edited = tmp_path / "edit-list.mp4"
    if not edited.exists():
        long_gop = media.clip("long-gop.mp4", size=(160, 90), fps=25, duration=4, audio=440,
                              codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"))
        run_ffmpeg(["-y", "-ss", "0.52", "-i", str(long_gop), "-c", "copy", str(edited)])
    clips.append(edited)
    return clips


# (in, out, speed) per source: every in-point falls between two source frames
TRIMS = [("0.37", "1.41", "1"), ("0.113", "1.207", "1"), ("0.53", "1.79", "1.5"), ("0.071", "1.033", "1"),
         ("1.013", "2.31", "0.8"), ("0.49", "1.53", "1"), ("0.257", "1.3", "1"), ("0.33", "1.72", "1"),
         ("1", "4", "1"), ("0.61", "2.09", "1")]


def edit_text(clips, preset: str, *, output: str = "out/reel.mp4", transitions: bool = False) -> str:
    lines = ["version: 1", f"output: {output}", f"preset: {preset}", "loudness: null", "timeline:"]
    for i, (clip, (t_in, t_out, speed)) in enumerate(zip(clips, TRIMS)):
        lines += [f"  - clip: {clip}", f"    in: {t_in}", f"    out: {t_out}", f"    speed: {speed}",
                  "    fit: contain"]
        if transitions and i % 3 == 1:
            lines.append("    transition: {type: fade, duration: 0.2}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("preset", sorted(OUT_RATES))
def test_every_item_lasts_round_out_minus_in_over_speed(media, tmp_path, preset):
    clips = sources(media, tmp_path)
    edit = tmp_path / f"edit-{preset}.yaml"
    edit.write_text(edit_text(clips, preset))
    _, jobs = validate_edit_list(edit)
    fps = OUT_RATES[preset]
    items = jobs[0].timeline.items
    want = [expected_frames(t_in, t_out, speed, fps) for t_in, t_out, speed in TRIMS]
    assert [it.frames for it in items] == want
    # the snap still picks the frame showing at `in` (never a later one)
    for item, (t_in, _, _) in zip(items, TRIMS):
        assert item.src_in <= Fraction(t_in) < item.src_in + 1 / item.source.fps + Fraction(1, 10**6)


def test_the_rotated_phone_clip_from_the_issue(media, tmp_path):
    clips = sources(media, tmp_path)
    edit = tmp_path / "phone.yaml"
    edit.write_text(f"version: 1\noutput: out/p.mp4\npreset: tiny\nloudness: null\n"
                    f"timeline:\n  - clip: {clips[8]}\n    in: 1\n    out: 4\n")
    _, jobs = validate_edit_list(edit)
    assert jobs[0].timeline.frames == 90


def count_frames(path) -> int:
    import av
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


@pytest.mark.slow
def test_rendered_reel_has_exactly_the_sum_of_its_items(media, tmp_path):
    """Two outputs (30 and 23.976 fps) of a nine-item reel with transitions: frames counted by decoding."""
    import broll

    clips = sources(media, tmp_path)
    edit = tmp_path / "reel.yaml"
    text = edit_text(clips, "tiny", transitions=True).replace(
        "output: out/reel.mp4", "output: [{path: out/reel30.mp4}, {path: out/reel-ntsc.mp4, preset: tiny-ntsc}]")
    edit.write_text(text)
    result = broll.build(edit)
    for name, fps in (("reel30.mp4", Fraction(30)), ("reel-ntsc.mp4", Fraction(24000, 1001))):
        items = [expected_frames(t_in, t_out, speed, fps) for t_in, t_out, speed in TRIMS]
        overlaps = sum(math.floor(Fraction("0.2") * fps) for i in range(len(TRIMS)) if i % 3 == 1)
        want = sum(items) - overlaps
        out = tmp_path / "out" / name
        assert count_frames(out) == want, name
        built = next(o for o in result.outputs if o.path == out)
        assert built.frames == want and built.probe.frame_count == want
