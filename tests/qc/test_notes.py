"""Notes and whole-clip verdicts on lavfi clips: blank, letterbox, levels, interlacing, facts."""

from __future__ import annotations

from broll.qc import check


def test_black_clip_is_blank_and_regenerate(media):
    report = check(media.clip("black.mp4", source="color=c=black", audio=None))
    assert report.verdict == "regenerate"
    assert [f.kind for f in report.findings] == ["blank"]
    assert report.findings[0].start_frame == 0 and report.findings[0].end_frame == 29


def test_letterbox_is_a_note(media):
    path = media.clip("lbox.mp4", size=(320, 136), vfilters=["pad=320:180:0:22"], audio=None)
    report = check(path)
    assert report.verdict == "pass"
    assert "letterbox" in [f.kind for f in report.findings]
    assert "levels" not in [f.kind for f in report.findings]   # black bars at Y=16 are legal


def test_out_of_range_levels_are_a_note(media):
    path = media.clip("hot.mp4", vfilters=["format=yuv420p", "lutyuv=y='clip(val*1.4-30,0,255)'"], audio=None)
    report = check(path)
    levels = report.by_kind("levels")
    assert levels and levels[0].severity == "note" and levels[0].value > 0.05


def test_interlaced_coding_is_a_note(media):
    path = media.clip("inter.mp4", audio=None, codec_args=(
        "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264-params", "interlaced=1", "-pix_fmt", "yuv420p"))
    report = check(path)
    assert report.by_kind("interlace") and report.verdict == "pass"


def test_facts_describe_the_clip(media):
    report = check(media.clip("facts.mp4", duration=1.0, audio=440.0))
    facts = report.to_dict()["facts"]
    assert facts["width"] == 320 and facts["height"] == 180 and facts["frames"] == 30
    assert facts["fps"] == 30 and facts["audio"].startswith("aac")
    assert 0.0 < report.metrics["temporal_flicker"] <= 1.0
