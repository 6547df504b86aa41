"""The pure parts: timeline arithmetic and the FFmpeg plan (golden files; no FFmpeg runs here)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest

from broll.assemble.plan import atempo_chain, drawtext, measure_argv, split_plans
from broll.filtergraph import escape_graph, escape_option, split_graph
from broll.loudness import Loudness, parse_loudnorm
from broll.assemble.timeline import Item, MusicBed, Source, TextOverlay, Timeline, Transition, place
from broll.templates.presets import get_preset

GOLDEN = Path(__file__).parent / "golden"


def sample_timeline() -> Timeline:
    clip = Source("/media/city.mp4", "video", 1280, 720, Fraction(24000, 1001), Fraction(10), has_audio=True)
    vertical = Source("/media/vertical.mp4", "video", 720, 1280, Fraction(60), Fraction(5), sar=Fraction(4, 3))
    still = Source("/media/product.jpg", "image", 4000, 3000)
    items = place([
        Item("clip", 105, source=clip, src_in=Fraction(1001, 1000), src_out=Fraction(9, 2), audio=-3.0,
             texts=(TextOverlay("Built for scale: it's 100%", "bottom", 15, 90),), label="timeline[0]"),
        Item("clip", 60, source=vertical, src_out=Fraction(4), speed=Fraction(2), fit="blur",
             transition=Transition("wipeleft", 12), label="timeline[1]"),
        Item("image", 90, source=still, motion="zoom-in", transition=Transition("fade", 15), label="timeline[2]"),
        Item("title", 60, title="Chapter two", subtitle="a, b; [c]", transition=Transition("cut", 0),
             label="timeline[3]", video_filter="lut3d=file=/luts/a.cube"),
    ])
    return Timeline(fps=Fraction(30), width=1920, height=1080, items=items,
                    music=MusicBed("/media/bed.m4a", -12, Fraction(1), Fraction(2), True, duration=Fraction(8)),
                    loudness=-14, font="/fonts/DejaVuSans-Bold.ttf")


def test_place_and_reel_length():
    tl = sample_timeline()
    assert [(it.start, it.end) for it in tl.items] == [(0, 105), (93, 153), (138, 228), (228, 288)]
    assert tl.frames == 105 + 60 + 90 + 60 - 12 - 15 == 288
    assert tl.samples == 288 * 1600
    assert sum(tl.item_samples(it) for it in tl.items) - sum(tl.overlap_samples(i) for i in range(4)) == tl.samples


def test_sample_positions_never_drift_at_ntsc_rates():
    fps = Fraction(30000, 1001)
    items = place([Item("title", 7 + (i % 5), transition=Transition("fade" if i % 3 else "cut", 2 if i % 3 else 0))
                   for i in range(50)])
    tl = Timeline(fps=fps, width=320, height=180, items=items)
    per_item = [tl.item_samples(it) for it in tl.items]
    overlaps = [tl.overlap_samples(i) for i in range(50)]
    assert sum(per_item) - sum(overlaps) == tl.samples
    assert tl.samples == round(Fraction(tl.frames * 48000) / fps)


UPDATE_GOLDEN = "BROLL_UPDATE_GOLDEN"     # set to 1 to rewrite the golden files on purpose


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/assemble/golden/NAME. A missing file fails: the test never writes its
    own golden unless BROLL_UPDATE_GOLDEN=1 asks it to (then review the diff before committing)."""
    golden = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN) == "1":
        golden.write_text(text + "\n")
    assert golden.exists(), f"golden file {golden} is missing; run with {UPDATE_GOLDEN}=1 to create it, then review it"
    assert text + "\n" == golden.read_text()


def test_golden_build_commands():
    """What `broll build` runs for one output: the picture, loudness pass 1, the sound (with pass 1's
    figures) and the mux, exactly as the render starts them."""
    from dataclasses import replace

    from broll.assemble.render import plan_output
    from broll.assemble.resolve import OutputJob

    tl = sample_timeline()
    plan = plan_output(OutputJob(Path("out/reel.mp4"), get_preset("16x9-1080p"), tl))
    loud = Loudness(-23.1, -4.2, 6.5, -33.4, 0.3)

    def lines(argv: list[str], graph: str) -> str:
        return "\n".join(argv).replace(graph, "\n".join(split_graph(graph)))

    text = "--- picture ---\n" + lines(plan.video.argv("out/reel.mp4.video.mp4"), plan.video.filter_complex)
    text += "\n--- loudness pass 1 ---\n" + lines(list(plan.measure), plan.measure[plan.measure.index("-filter_complex") + 1])
    sound = plan.audio_with(loud)
    text += "\n--- sound ---\n" + lines(sound.argv("out/reel.mp4.audio.m4a"), sound.filter_complex)
    text += "\n--- mux ---\n" + "\n".join(plan.mux_argv("v.mp4", "a.m4a", "out/reel.mp4"))
    assert_golden("build_16x9.txt", text)
    assert plan.timeline == tl      # no subject crop asked for: the timeline is unchanged
    assert replace(plan.job, timeline=tl).path == Path("out/reel.mp4")


def test_a_missing_golden_file_fails_instead_of_being_written(monkeypatch, tmp_path):
    monkeypatch.delenv(UPDATE_GOLDEN, raising=False)
    monkeypatch.setitem(globals(), "GOLDEN", tmp_path)
    with pytest.raises(AssertionError, match="missing"):
        assert_golden("nope.txt", "x")
    assert not (tmp_path / "nope.txt").exists()


def test_plan_shape():
    tl = sample_timeline()
    video, audio = split_plans(tl, get_preset("16x9-1080p"))
    plan = video
    fc = video.filter_complex + ";" + audio.filter_complex
    # the trim: seek half a frame early, then audio drops exactly that offset
    assert plan.inputs[0][:4] == ("-ss", "0.980146", "-t", "3.603271")
    assert "[0:v]setpts=PTS-STARTPTS," in fc and "trim=end_frame=105" in fc
    # the grade hook sits right after decode
    assert "color=c=0x101010" in fc and "format=yuv420p,lut3d=file=/luts/a.cube,drawtext" in fc
    assert "xfade=transition=wipeleft:duration=0.4:offset=3.1" in fc
    assert "xfade=transition=fade:duration=0.5:offset=4.6" in fc
    assert "acrossfade=ns=19200" in fc and "acrossfade=ns=24000" in fc
    assert "sidechaincompress" in fc and "amix=inputs=2:duration=first" in fc
    assert "loudnorm=I=-14:TP=-1:LRA=11:print_format=json" in fc  # no measurement given: single pass
    assert "scale=trunc(iw*sar/2)*2:ih" in fc                      # non-square pixels squared first
    assert "setpts=(PTS-STARTPTS)/2" in fc and "fps=30,scale=1920:1080" not in fc
    assert f"atrim=end_sample={tl.samples}[aout]" in fc
    assert "-frames:v" in plan.output_args and "288" in plan.output_args
    assert "[aout]" not in video.filter_complex and "[vout]" not in audio.filter_complex
    assert audio.inputs[0][:4] == ("-ss", "0.980146", "-t", "3.603271") and "-vn" in audio.inputs[0]


def test_text_escaping_survives_both_levels():
    assert escape_option("a:b'c\\d") == "a\\:b\\'c\\\\d"
    assert escape_graph("x,y;[z]") == "x\\,y\\;\\[z\\]"
    tl = sample_timeline()
    dt = drawtext("it's 50%: a, b", tl, position="top", size=0.05, color="#ffcc00", start=3, end=9)
    assert "text=it\\\\\\'s 50%\\\\: a\\, b" in dt and "expansion=none" in dt
    assert "enable=between(n\\,3\\,8)" in dt and "fontcolor=0xffcc00" in dt
    assert "y=54" in dt      # top safe-zone line at 5% of 1080


def test_atempo_chain_and_loudnorm_parse():
    assert atempo_chain(Fraction(1)) == []
    assert atempo_chain(Fraction(2)) == ["atempo=2"]
    assert atempo_chain(Fraction(1, 5)) == ["atempo=0.5", "atempo=0.5", "atempo=0.8"]
    stderr = 'junk\n[Parsed_loudnorm_0 @ 0x1] \n{\n "input_i" : "-27.42",\n "input_tp" : "-9.1",\n' \
             ' "input_lra" : "3.2",\n "input_thresh" : "-37.9",\n "target_offset" : "0.4"\n}\n'
    assert parse_loudnorm(stderr) == Loudness(-27.42, -9.1, 3.2, -37.9, 0.4)
    with pytest.raises(ValueError):
        parse_loudnorm("nothing here")
