"""OpenTimelineIO export: exact track length, source ranges, transitions, speed, markers."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import opentimelineio as otio

from broll.export.otio_model import OtioItem, OtioMusic, OtioText, build_timeline, write_otio


def _items(tmp_path: Path) -> list[OtioItem]:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    return [
        OtioItem("title", "Chapter one", F(2), metadata={"background": "#101010"}),
        OtioItem("clip", "a.mp4", F(3), a, source_in=F(1), media_duration=F(10), media_rate=F(30),
                 transition="fade", transition_duration=F(1, 2),
                 texts=(OtioText("Built for scale", F(1, 2), F(5, 2)),)),
        OtioItem("clip", "b.mp4", F(4), b, source_in=F(0), media_duration=F(8), media_rate=F(25),
                 speed=F(1, 2), transition="wipeleft", transition_duration=F(2, 5)),
        OtioItem("image", "still.png", F(3), tmp_path / "still.png", transition="cut", metadata={"motion": "zoom-in"}),
    ]


def test_timeline_is_as_long_as_the_reel_and_round_trips(tmp_path):
    items = _items(tmp_path)
    reel = sum(i.duration for i in items) - F(1, 2) - F(2, 5)
    tl = build_timeline("reel", items, F(30), OtioMusic(tmp_path / "bed.m4a", reel, F(5), {"volume": -12}))
    out = write_otio(tmp_path / "reel.otio", tl)
    back = otio.adapters.read_from_file(str(out))
    video, music = back.tracks[0], back.tracks[1]
    assert video.duration().to_seconds() == float(reel) == music.duration().to_seconds()
    clips = list(video.find_clips())
    assert [c.name for c in clips] == ["Chapter one", "a.mp4", "b.mp4", "still.png"]
    # a.mp4 gives 0.25 s of its head to the fade in and 0.2 s of its tail to the wipe out
    a = clips[1]
    assert a.source_range.start_time.to_seconds() == 1.25
    assert abs(a.source_range.duration.to_seconds() - (3 - 0.25 - 0.2)) < 1e-9
    assert a.media_reference.target_url.endswith("/a.mp4")
    assert a.media_reference.available_range.duration.to_seconds() == 10
    # b.mp4 at half speed: the range starts at the media in-point (0.2 s under the wipe's half = 0.1 s
    # of media) and lasts as long as it plays on the track; the time warp carries the speed
    b = clips[2]
    assert b.effects[0].time_scalar == 0.5
    assert abs(b.source_range.start_time.to_seconds() - 0.1) < 1e-9
    assert abs(b.source_range.duration.to_seconds() - (4 - 0.2)) < 1e-9
    transitions = [t for t in video if isinstance(t, otio.schema.Transition)]
    assert [(t.name, t.transition_type) for t in transitions] == [("fade", "SMPTE_Dissolve"), ("wipeleft", "Custom_Transition")]
    assert transitions[0].in_offset.to_seconds() == 0.25 == transitions[0].out_offset.to_seconds()
    markers = [m for c in clips for m in c.markers]
    assert [m.name for m in markers] == ["Chapter one", "Built for scale"]
    assert abs(markers[1].marked_range.start_time.to_seconds() - 1.5) < 1e-9      # 1 s in + 0.5 s
    assert abs(markers[1].marked_range.duration.to_seconds() - 2.0) < 1e-9
    assert clips[3].metadata["broll"]["motion"] == "zoom-in"
    assert [c.duration().to_seconds() for c in music.find_clips()] == [5, 5, 1.1]   # an 11.1 s reel over a 5 s bed
