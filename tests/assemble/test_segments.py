"""The pure segment planner and the segment cache key (no FFmpeg, no files)."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import pytest

from broll.assemble.segments import (allowed_boundaries, hard_cuts, plan_segments, plan_segments_seconds,
                                     segment_key, solo_parts)
from broll.assemble.timeline import Item, MusicBed, Source, TextOverlay, Timeline, Transition, place

FPS = Fraction(30)


def clip_source(name: str) -> Source:
    return Source(f"/media/{name}.mp4", "video", 1920, 1080, FPS, Fraction(20), has_audio=True)


def reel(specs: list[tuple[int, str, int]], *, texts: dict[int, str] | None = None, **kw) -> Timeline:
    """specs: (frames, transition type, transition frames) per item; item i reads /media/c{i}.mp4."""
    texts = texts or {}
    items = [Item("clip", n, source=clip_source(f"c{i}"), src_out=Fraction(n, 30), transition=Transition(t, f),
                  texts=(TextOverlay(texts[i]),) if i in texts else (), label=f"timeline[{i}]")
             for i, (n, t, f) in enumerate(specs)]
    return Timeline(fps=FPS, width=1920, height=1080, items=place(items), **kw)


def check_invariants(tl: Timeline, segments) -> None:
    assert segments[0].start == 0 and segments[-1].end == tl.frames
    for a, b in zip(segments, segments[1:]):
        assert a.end == b.start and a.frames > 0
    allowed = allowed_boundaries(tl)
    for s in segments[1:]:
        assert any(lo <= s.start <= hi for lo, hi in allowed), f"boundary {s.start} is not in a solo part"
    for i, it in enumerate(tl.items[1:], start=1):
        if it.transition.is_cut:
            continue
        lo, hi = it.start, tl.items[i - 1].end               # the overlap, frames [lo, hi)
        holders = [s for s in segments if s.start <= lo and hi <= s.end]
        assert len(holders) == 1, f"transition into item {i} is split"
    for s in segments:
        for span in s.spans:
            it = tl.items[span.index]
            assert 0 <= span.first < span.last <= it.frames
            assert it.start + span.first >= s.start and it.start + span.last <= s.end
        covered: set[int] = set()
        for span in s.spans:
            start = tl.items[span.index].start
            covered |= set(range(start + span.first, start + span.last))
        assert covered == set(range(s.start, s.end))        # the spans make exactly the segment's frames


def test_hard_cuts_are_the_preferred_joins():
    tl = reel([(50, "cut", 0)] * 10)
    segments = plan_segments(tl, 100)
    assert [s.start for s in segments] == [0, 100, 200, 300, 400]
    assert set(s.start for s in segments[1:]) <= set(hard_cuts(tl))
    check_invariants(tl, segments)


def test_a_long_item_is_cut_inside_its_solo_part_at_the_exact_target():
    tl = reel([(600, "cut", 0)])
    segments = plan_segments(tl, 180)
    assert [(s.start, s.end) for s in segments] == [(0, 180), (180, 360), (360, 600)]
    assert [s.spans[0].first for s in segments] == [0, 180, 360]
    check_invariants(tl, segments)


def test_transitions_stay_whole_when_every_join_is_a_crossfade():
    tl = reel([(90, "cut", 0)] + [(90, "fade", 15)] * 29)
    segments = plan_segments(tl, 150)
    assert len(segments) > 10
    check_invariants(tl, segments)
    assert not hard_cuts(tl)


def test_solo_parts_exclude_transition_overlaps():
    tl = reel([(60, "cut", 0), (60, "wipeleft", 12), (60, "cut", 0)])
    assert [(it.start, it.end) for it in tl.items] == [(0, 60), (48, 108), (108, 168)]
    assert solo_parts(tl) == [(0, 48), (60, 108), (108, 168)]
    assert allowed_boundaries(tl) == [(1, 48), (60, 167)]


def test_short_reels_and_wall_to_wall_transitions_stay_one_segment():
    assert len(plan_segments(reel([(40, "cut", 0)]), 100)) == 1
    # the middle item is all transition: only the frame where one fade ends and the next begins
    tl = reel([(30, "cut", 0), (20, "fade", 10), (30, "fade", 10)])
    assert solo_parts(tl) == [(0, 20), (30, 30), (40, 60)]
    segments = plan_segments(tl, 10, min_frames=1)
    check_invariants(tl, segments)
    assert not any(20 < s.start < 30 or 30 < s.start < 40 for s in segments)
    assert 30 in [s.start for s in segments]


def test_no_tiny_tail_segment():
    tl = reel([(100, "cut", 0)] * 3 + [(10, "cut", 0)])
    segments = plan_segments(tl, 100)
    assert min(s.frames for s in segments) >= 50
    check_invariants(tl, segments)


def test_target_in_seconds():
    tl = reel([(600, "cut", 0)])
    assert [s.start for s in plan_segments_seconds(tl, 4)] == [0, 120, 240, 360, 480]
    with pytest.raises(ValueError):
        plan_segments(tl, 0)


def test_random_timelines_keep_every_invariant():
    rng = random.Random(15)
    for _ in range(300):
        specs = [(rng.randint(8, 200), "cut", 0)]
        for _ in range(rng.randint(0, 25)):
            n = rng.randint(8, 200)
            kind = rng.choice(["cut", "fade", "wipeleft"])
            frames = 0 if kind == "cut" else rng.randint(1, min(n, specs[-1][0]) // 2)
            specs.append((n, kind, frames))
        tl = reel(specs)
        target = rng.randint(5, 400)
        check_invariants(tl, plan_segments(tl, target))


# -- keys ---------------------------------------------------------------------------------------

ENCODER = {"codec": "libx264", "crf": 18, "preset": "medium", "pix_fmt": "yuv420p", "gop": "closed"}


def hashes(tl: Timeline, **overrides: str) -> dict[str, str]:
    out = {it.source.path: f"{i:064x}" for i, it in enumerate(tl.items) if it.source is not None}
    out.update(overrides)
    return out


def keys(tl: Timeline, segments=None, **kw) -> list[str]:
    segments = segments if segments is not None else plan_segments(tl, 100)
    args = dict(file_hashes=hashes(tl), encoder=ENCODER, ffmpeg_version="7.1")
    args.update(kw)
    return [segment_key(tl, s, **args) for s in segments]


def test_key_changes_only_for_the_segment_whose_text_changed():
    base = reel([(50, "cut", 0)] * 6, texts={3: "Built for scale"})
    edited = reel([(50, "cut", 0)] * 6, texts={3: "Built for speed"})
    a, b = keys(base), keys(edited)
    assert plan_segments(base, 100) == plan_segments(edited, 100)
    assert [x == y for x, y in zip(a, b)] == [True, False, True]


def test_a_later_segment_keeps_its_key_when_an_earlier_item_gets_longer():
    base = reel([(50, "cut", 0)] * 6)
    longer = reel([(70, "cut", 0)] + [(50, "cut", 0)] * 5)
    a, b = keys(base), keys(longer)
    assert plan_segments(longer, 100)[-1].start == 220
    assert a[-1] == b[-1] and a[0] != b[0]


def test_key_follows_content_not_paths_and_ignores_sound():
    tl = reel([(50, "cut", 0)] * 4)
    moved = replace(tl, items=tuple(replace(it, source=replace(it.source, path=it.source.path.replace("/media", "/mnt")))
                                    for it in tl.items))
    segs = plan_segments(tl, 100)
    assert keys(tl) == [segment_key(moved, s, file_hashes=hashes(moved), encoder=ENCODER, ffmpeg_version="7.1")
                        for s in segs]
    quieter = replace(tl, items=tuple(replace(it, audio=-6.0) for it in tl.items), loudness=-16,
                      music=MusicBed("/media/bed.m4a"))
    assert keys(quieter) == keys(tl)
    changed = keys(tl, file_hashes=hashes(tl, **{"/media/c0.mp4": "f" * 64}))
    assert changed[0] != keys(tl)[0] and changed[1:] == keys(tl)[1:]


def test_key_covers_encoder_ffmpeg_and_reel_settings():
    tl = reel([(50, "cut", 0)] * 2)
    k = keys(tl)
    assert keys(tl, ffmpeg_version="7.0") != k
    assert keys(tl, encoder=dict(ENCODER, crf=20)) != k
    assert keys(replace(tl, width=1280, height=720)) != k


def test_key_replaces_lut_paths_by_their_hashes_and_refuses_unhashed_files():
    from broll.grading.lut import shot_filter

    tl = reel([(50, "cut", 0)] * 2)
    graded = tl.with_filters({0: shot_filter([("/luts/a b's.cube", None, None)])})
    lut = str(__import__("pathlib").Path("/luts/a b's.cube").resolve())
    one = keys(graded, file_hashes=hashes(graded, **{lut: "1" * 64}))
    two = keys(graded, file_hashes=hashes(graded, **{lut: "2" * 64}))
    assert one[0] != two[0] and one[1:] == two[1:]
    with pytest.raises(ValueError, match="no content hash"):
        keys(graded)
    with pytest.raises(ValueError, match="no content hash"):
        keys(tl, file_hashes={})


def test_segment_timeline_places_items_relative_to_the_segment():
    from broll.assemble.segments import segment_timeline

    tl = reel([(90, "cut", 0), (60, "fade", 15), (75, "cut", 0), (45, "dissolve", 9)])
    for seg in plan_segments(tl, 50):
        sub, spans = segment_timeline(tl, seg)
        assert len(sub.items) == len(seg.spans) and sub.music is None
        assert sub.items[0].transition.is_cut                       # its incoming overlap is before the segment
        first = tl.items[seg.spans[0].index]
        assert sub.items[0].start == first.start - seg.start <= 0
        # the covered frames add up: each item contributes its span, minus overlaps inside the segment
        inside = sum(b - a for a, b in spans.values()) - sum(it.transition.frames for it in sub.items[1:])
        assert inside == seg.frames
        for k, it in enumerate(sub.items[1:], start=1):            # transitions keep their place in the segment
            assert it.start == tl.items[seg.spans[k].index].start - seg.start


def test_files_named_in_filters_are_found_for_the_key():
    from broll.assemble.segmented import _filter_files
    from broll.filtergraph import opt

    path = "/luts/shot: a,b [1].cube"
    text = f"lut3d=file={opt(path)}:interp=tetrahedral,scale=2:2"
    assert _filter_files(text) == [path]


def test_key_follows_a_retimed_picture_by_its_content():
    """``retime: motion`` gives an item a pre-rendered picture (a second file): the key hashes it
    like the source, so a new pre-render misses and the same one hits wherever it lies."""
    tl = reel([(50, "cut", 0)] * 4)
    pic = Source("/cache/retimed/abc.mp4", "video", 1920, 1080, FPS, Fraction(20), has_audio=False)
    retimed = replace(tl, items=(replace(tl.items[0], picture=pic),) + tl.items[1:])
    one = keys(retimed, file_hashes=hashes(retimed, **{pic.path: "1" * 64}))
    two = keys(retimed, file_hashes=hashes(retimed, **{pic.path: "2" * 64}))
    assert one[0] != two[0] and one[1:] == two[1:] == keys(tl)[1:]
    with pytest.raises(ValueError, match="no content hash"):
        keys(retimed)
