"""Frame rate (issue 20): `fps:` choices, `auto`, presets' maxima, retime methods, the frame map."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from broll.assemble import framerate, retime
from broll.assemble.framemap import FrameMap, frame_map, read_frame_map, source_frames
from broll.assemble.framerate import NTSC_24, NTSC_30, choose, parse_fps, snap
from broll.assemble.plan import split_plans
from broll.assemble.resolve import validate_edit_list
from broll.errors import EditListErrors
from broll.media.frames import iter_frames
from broll.media.probe import probe
from broll.media.synth import read_frame_number
from broll.qc.report import Finding
from broll.qc.retimed import excuse_retimed

from assemble_helpers import run_cli


# ---------------------------------------------------------------- pure: values, auto, caps

@pytest.mark.parametrize("value, rate", [(24, Fraction(24)), ("25", Fraction(25)), (30, Fraction(30)),
                                         (50, Fraction(50)), (60, Fraction(60)), (23.976, NTSC_24),
                                         ("29.97", NTSC_30), ("30000/1001", NTSC_30), ("auto", "auto"),
                                         ("AUTO", "auto")])
def test_parse_fps_accepts_the_standard_rates_and_auto(value, rate):
    assert parse_fps(value) == rate


@pytest.mark.parametrize("value", [0, 27, "fast", True, -24, "24/0"])
def test_parse_fps_rejects_other_values_with_the_list(value):
    with pytest.raises(ValueError, match="23.976, 24, 25, 29.97, 30"):
        parse_fps(value)


@pytest.mark.parametrize("measured, standard", [(Fraction(24), 24), (Fraction(2997, 100), NTSC_30),
                                                (Fraction(2956, 100), NTSC_30), (Fraction(2308, 100), 24),
                                                (Fraction(8), 24), (Fraction(10), 30), (Fraction(12), 24),
                                                (Fraction(15), 30), (Fraction(16), 24), (Fraction(40), 50),
                                                (Fraction(120), 60)])
def test_snap_rounds_source_rates_to_standard_ones(measured, standard):
    assert snap(measured) == standard


def test_auto_takes_the_rate_covering_most_time_and_says_why():
    choice = choose("auto", coverage=[(Fraction(24), Fraction(5)), (Fraction(30), Fraction(3)),
                                      (Fraction(24), Fraction(2))], default=Fraction(30), maximum=Fraction(60))
    assert choice.rate == 24
    assert "24 fps footage covers 70%" in choice.reason and "30 30%" in choice.reason


def test_auto_is_capped_by_the_platform_maximum_keeping_frames_whole():
    choice = choose("auto", coverage=[(Fraction(50), Fraction(5))], default=Fraction(30), maximum=Fraction(30))
    assert choice.rate == 25 and "capped" in choice.reason
    assert framerate.cap(Fraction(60), Fraction(30)) == 30


def test_no_fps_keeps_the_presets_default_rate():
    choice = choose(None, coverage=[(Fraction(24), Fraction(5))], default=Fraction(30), maximum=Fraction(60),
                    preset="tiny")
    assert choice.rate == 30 and "default" in choice.reason


# ---------------------------------------------------------------- pure: retime

@pytest.mark.parametrize("retime_, src, speed, out, method", [
    ("auto", 24, 1, 24, "pass"), ("auto", 30, 1, 24, "drop"), ("motion", 60, 1, 30, "drop"),
    ("auto", 24, 1, 30, "repeat"), ("auto", 10, 1, 30, "motion"), ("auto", 16, 1, 24, "motion"),
    ("auto", 24, Fraction(1, 2), 24, "motion"), ("repeat", 10, 1, 30, "repeat"), ("blend", 24, 1, 30, "blend")])
def test_retime_method(retime_, src, speed, out, method):
    assert retime.method_for(retime_, Fraction(src), Fraction(speed), Fraction(out)) == method


def test_auto_interpolates_up_to_1080p_and_blends_larger_pictures():
    hd = retime.interpolated_pixels(1920 * 1080, 1920 * 1080)
    small = retime.interpolated_pixels(576 * 320, 1920 * 1080)
    uhd = retime.interpolated_pixels(3840 * 2160, 3840 * 2160)
    assert retime.method_for("auto", Fraction(10), Fraction(1), Fraction(30), hd) == "motion"
    assert retime.method_for("auto", Fraction(10), Fraction(1), Fraction(30), small) == "motion"
    assert retime.method_for("auto", Fraction(10), Fraction(1), Fraction(30), uhd) == "blend"
    assert retime.method_for("motion", Fraction(10), Fraction(1), Fraction(30), uhd) == "motion"
    assert retime.interpolated_pixels(3840 * 2160, 1920 * 1080) == 1920 * 1080    # after the fit


def test_frame_kinds_mark_repeats_and_synthesised_frames():
    assert retime.frame_kinds("repeat", 6, Fraction(10), Fraction(1), Fraction(30)) == \
        ["source", "repeat", "repeat", "source", "repeat", "repeat"]
    # 24 -> 30: source frame j lands on output round(j * 1.25): 0 1 3 4 5 | 6 ... (output 2 repeats)
    assert retime.frame_kinds("repeat", 6, Fraction(24), Fraction(1), Fraction(30)) == \
        ["source", "source", "repeat", "source", "source", "source"]
    assert retime.frame_kinds("motion", 6, Fraction(10), Fraction(1), Fraction(30)) == \
        ["source", "synth", "synth", "source", "synth", "synth"]
    assert retime.frame_kinds("pass", 3, Fraction(24), Fraction(1), Fraction(24)) == ["source"] * 3


def test_frame_map_round_trip_and_source_frames():
    fmap = FrameMap(fps=Fraction(30), frames=6, runs=((1, 3, "synth"), (4, 6, "synth")))
    again = FrameMap.from_dict(json.loads(json.dumps(fmap.to_dict())))
    assert again == fmap
    assert source_frames(fmap) == [0, 3]
    assert fmap.made(1, 2) and not fmap.made(0, 2)


def test_qc_drops_freezes_and_jumps_on_made_frames(tmp_path):
    video = tmp_path / "reel.mp4"
    video.write_bytes(b"")
    fmap = FrameMap(fps=Fraction(30), frames=12, runs=((1, 3, "repeat"), (7, 9, "synth")))
    (tmp_path / "reel.mp4.frames.json").write_text(json.dumps(fmap.to_dict()))
    f = lambda kind, s, e: Finding(kind=kind, start_frame=s, end_frame=e, start=0.0, end=0.0,  # noqa: E731
                                    severity="major", value=0, threshold=0)
    kept = excuse_retimed(video, [f("freeze", 0, 2), f("jump", 8, 8), f("jump", 10, 10), f("black", 1, 2)])
    assert [(x.kind, x.start_frame) for x in kept] == [("jump", 10), ("black", 1)]
    assert read_frame_map(tmp_path / "other.mp4") is None


# ---------------------------------------------------------------- edit list and plan

def test_bad_fps_is_a_located_error(media, write_edit):
    clip = media.clip("a.mp4", duration=1, fps=24, audio=None)
    edit = write_edit(f"""
        version: 1
        output: [{{path: out/a.mp4, fps: 27}}]
        preset: tiny
        fps: fast
        timeline:
          - clip: {clip}
            retime: smooth
        """)
    with pytest.raises(EditListErrors) as info:
        validate_edit_list(edit)
    text = "\n".join(info.value.lines())
    assert "edit.yaml:2:" in text and "output[0].fps" in text and "27" in text
    assert "edit.yaml:4:" in text and "'fast'" in text
    assert "timeline[0].retime" in text and "motion" in text


def test_fps_over_the_presets_maximum_is_a_located_error(media, write_edit):
    clip = media.clip("a.mp4", duration=1, fps=24, audio=None)
    edit = write_edit(f"""
        version: 1
        output: out/a.mp4
        preset: tiny
        fps: 60
        timeline:
          - clip: {clip}
        """)
    (edit.parent / "max30.yaml").write_text("tiny:\n  base: 16x9-1080p\n  width: 320\n  height: 180\n  max_fps: 30\n")
    import os
    old = os.environ.get("BROLL_PRESETS")
    os.environ["BROLL_PRESETS"] = str(edit.parent / "max30.yaml")
    try:
        with pytest.raises(EditListErrors, match=r"edit.yaml:4:.*60 fps is over the preset tiny's maximum of 30"):
            validate_edit_list(edit)
    finally:
        os.environ["BROLL_PRESETS"] = old or ""


def test_auto_per_output_and_the_reason_in_the_plan(media, write_edit):
    a = media.clip("a24.mp4", duration=2, fps=24, audio=None)
    b = media.clip("b30.mp4", duration=1, fps=30, audio=None)
    edit = write_edit(f"""
        version: 1
        output:
          - {{path: out/auto.mp4}}
          - {{path: out/fixed.mp4, fps: 25}}
        preset: tiny
        fps: auto
        loudness: null
        timeline:
          - clip: {a}
          - clip: {b}
        """)
    _, jobs = validate_edit_list(edit)
    assert [j.timeline.fps for j in jobs] == [24, 25]
    assert [j.preset.rate for j in jobs] == [24, 25]
    assert jobs[0].timeline.items[0].frames == 48 and jobs[0].timeline.items[1].frames == 24
    proc = run_cli("plan", str(edit))
    assert proc.returncode == 0, proc.stderr
    assert "@ 24 fps" in proc.stdout and "24 fps footage covers 67%" in proc.stdout
    assert "fps: 25" in proc.stdout


def test_retime_methods_land_in_the_graph(media, write_edit):
    low = media.clip("low10.mp4", duration=1, fps=10, audio=None)
    edit = write_edit(f"""
        version: 1
        output: out/r.mp4
        preset: tiny
        loudness: null
        defaults: {{retime: blend}}
        timeline:
          - clip: {low}
          - clip: {low}
            retime: motion
          - clip: {low}
            retime: repeat
          - clip: {low}
            retime: auto
        """)
    _, jobs = validate_edit_list(edit)
    job = jobs[0]
    video, _ = split_plans(job.timeline, job.preset)
    graph = video.filter_complex
    assert graph.count("framerate=fps=30") == 1
    assert graph.count("minterpolate=fps=30") == 2     # explicit motion, and auto for a 10 fps clip
    assert frame_map(job.timeline).methods == ("blend", "motion", "repeat", "motion")


# ---------------------------------------------------------------- end to end

@pytest.mark.parametrize("fps", [24, 25, 30])
def test_exact_pass_through_in_an_auto_reel(media, write_edit, fps):
    """Every source frame exactly once, in order, no repeats or drops (issue 20's first target)."""
    first = media.numbered(f"n{fps}a.mp4", fps=fps, frames=37)
    second = media.numbered(f"n{fps}b.mp4", fps=fps, frames=29)
    edit = write_edit(f"""
        version: 1
        output: out/pass.mp4
        preset: tiny
        fps: auto
        loudness: null
        timeline:
          - clip: {first}
          - clip: {second}
            in: "5f"
        """)
    proc = run_cli("build", str(edit), "--json")
    assert proc.returncode == 0, proc.stderr
    out = edit.parent / "out/pass.mp4"
    info = probe(out)
    assert info.fps == fps
    numbers = [read_frame_number(f.image) for f in iter_frames(out)]
    assert numbers == list(range(37)) + list(range(5, 29))
    assert read_frame_map(out) is None, "no made-up frames: no sidecar"
    _, jobs = validate_edit_list(edit)
    assert frame_map(jobs[0].timeline).methods == ("pass", "pass")


@pytest.mark.slow
def test_low_rate_clip_is_interpolated_and_marked(media, write_edit):
    low = media.numbered("n10.mp4", fps=10, frames=12)
    edit = write_edit(f"""
        version: 1
        output: out/motion.mp4
        preset: tiny
        fps: 30
        loudness: null
        timeline:
          - clip: {low}
        """)
    proc = run_cli("build", str(edit), "--json")
    assert proc.returncode == 0, proc.stderr
    out = edit.parent / "out/motion.mp4"
    assert probe(out).frame_count == 36
    fmap = read_frame_map(out)
    assert fmap.methods == ("motion",)
    assert source_frames(fmap) == list(range(0, 36, 3))
    # the source frames are the source pictures, in order
    frames = [f.image for f in iter_frames(out)]
    assert [read_frame_number(frames[i]) for i in source_frames(fmap)] == list(range(12))


def test_repeat_marks_the_frames_fps_repeats(media, write_edit):
    """The frame map's model of `repeat` is the fps filter's nearest-frame choice, frame by frame."""
    low = media.numbered("n10r.mp4", fps=10, frames=8)
    mid = media.numbered("n24r.mp4", fps=24, frames=30)
    edit = write_edit(f"""
        version: 1
        output: out/repeat.mp4
        preset: tiny
        fps: 30
        loudness: null
        defaults: {{retime: repeat}}
        timeline:
          - clip: {low}
          - clip: {mid}
        """)
    proc = run_cli("build", str(edit), "--json")
    assert proc.returncode == 0, proc.stderr
    out = edit.parent / "out/repeat.mp4"
    numbers = [read_frame_number(f.image) for f in iter_frames(out)]
    assert len(numbers) == 24 + 38
    fmap = read_frame_map(out)
    firsts = [i for i in range(len(numbers)) if i in (0, 24) or numbers[i] != numbers[i - 1]]
    assert source_frames(fmap) == firsts
    assert numbers[24:] == sorted(numbers[24:]) and sorted(set(numbers[24:])) == list(range(30))


@pytest.mark.slow
def test_motion_is_a_cached_flow_pre_render_feeding_the_one_graph(media, write_edit):
    """speed: 0.5 on 24 fps footage in a 24 fps reel delivers 12 pictures a second: auto interpolates,
    every other output frame is made up, and the source frames land in order between them."""
    from broll.assemble.build import plan_build

    clip = media.numbered("n24slow.mp4", fps=24, frames=16)
    edit = write_edit(f"""
        version: 1
        output: out/slow.mp4
        preset: tiny
        fps: 24
        loudness: null
        timeline:
          - clip: {clip}
            speed: 0.5
        """)
    planned = plan_build(edit)
    item = planned.outputs[0].timeline.items[0]
    assert item.picture is not None and "/.broll/retimed/" in item.picture.path
    graph = planned.outputs[0].video.filter_complex
    assert "minterpolate" not in graph and "setpts=PTS-STARTPTS," in graph
    assert item.picture.path in planned.outputs[0].video.inputs[0]
    proc = run_cli("build", str(edit), "--json")
    assert proc.returncode == 0, proc.stderr
    out = edit.parent / "out/slow.mp4"
    numbers = [read_frame_number(f.image) for f in iter_frames(out)]
    assert len(numbers) == 32
    fmap = read_frame_map(out)
    assert source_frames(fmap)[:16] == list(range(0, 32, 2))
    assert [numbers[i] for i in range(0, 32, 2)] == list(range(16))
    picture = Path(item.picture.path)
    made = picture.stat().st_mtime_ns
    assert run_cli("build", str(edit), "--json").returncode == 0
    assert picture.stat().st_mtime_ns == made, "a rebuild reuses the pre-render"
