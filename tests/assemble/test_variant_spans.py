"""Variants fence their differences in with segment boundaries (#18): the pure planner part, then one
`broll build --variants` that re-renders only the stretch a row's headline changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assemble_helpers import run_cli
from broll.assemble.segments import plan_segments
from broll.assemble.variant_spans import fence_edges
from broll.media import synth
from broll.media.fonts import find_font
from broll.media.frames import iter_frames
from test_segments import check_invariants, reel


def test_given_edges_are_kept_and_the_stretches_between_cut_as_usual():
    tl = reel([(600, "cut", 0)])
    segments = plan_segments(tl, 180, edges=[20, 95])
    assert [(s.start, s.end) for s in segments] == [(0, 20), (20, 95), (95, 275), (275, 455), (455, 600)]
    check_invariants(tl, segments)
    with pytest.raises(ValueError):                      # an edge inside a transition
        plan_segments(reel([(60, "cut", 0), (60, "fade", 12)]), 180, edges=[50])


def test_fences_move_outwards_out_of_transitions_and_swallow_short_shared_stretches():
    tl = reel([(60, "cut", 0), (60, "fade", 12), (60, "cut", 0), (60, "cut", 0)])   # fade over [48, 60)
    assert fence_edges(tl, [(50, 100)]) == [48, 100]
    assert fence_edges(tl, [(30, 55)]) == [30, 60]
    assert fence_edges(tl, [(5, 100)]) == [100]           # 5 frames from the start: not its own segment
    assert fence_edges(tl, [(100, 130), (140, 170)]) == [100, 170]    # 10 shared frames between: one fence
    assert fence_edges(tl, [(100, 130), (140, 170)], min_gap=5) == [100, 130, 140, 170]
    assert fence_edges(tl, [(200, 236)]) == [200]         # 4 frames to the end


@pytest.mark.skipif(find_font() is None, reason="no font on this machine")
def test_variants_re_render_only_the_fenced_headline(tmp_path, monkeypatch):
    monkeypatch.setenv("BROLL_PRESETS", str(tmp_path / "presets.yaml"))
    (tmp_path / "presets.yaml").write_text("tiny:\n  base: 16x9-1080p\n  width: 320\n  height: 180\n"
                                           "  video: {x264_preset: ultrafast, crf: 18}\n")
    for k in range(3):
        synth.make_clip(tmp_path / f"b{k}.mp4", source="color=c=black", size=(320, 180), fps=30, duration=1.0)
    (tmp_path / "rows.csv").write_text("slug,headline\nred,Red shoes\ngreen,Green hats\nblue,Blue socks\n")
    edit = tmp_path / "edit.yaml"
    edit.write_text("""version: 1
vars: {slug: x, headline: x}
output: "out/{{slug}}.mp4"
preset: tiny
loudness: null
timeline:
  - clip: b0.mp4
  - clip: b1.mp4
  - clip: b2.mp4
captions:
  style: {size: 0.15, outline: 0, position: bottom}
  cues:
    - {start: 0.2, end: 0.8, text: "{{headline}}"}
    - {start: 1.5, end: 2.5, text: "SAME"}
""")
    proc = run_cli("build", str(edit), "--variants", str(tmp_path / "rows.csv"), "--json", "-q")
    assert proc.returncode == 0, proc.stderr
    segments = [v["outputs"][0]["segments"] for v in json.loads(proc.stdout)["variants"]]
    # one 3 s reel is one 6 s segment; fenced, the headline's 0-0.8 s is a segment of its own
    assert segments[0]["segments"] == 2 and segments[0]["rendered"] == 2
    assert [(s["rendered"], s["reused"]) for s in segments[1:]] == [(1, 1), (1, 1)]
    for slug in ("red", "green", "blue"):
        lit = [i for i, f in enumerate(iter_frames(Path(tmp_path / "out" / f"{slug}.mp4"), fmt="gray"))
               if (f.image[100:, :] > 100).sum() > 20]
        assert lit == list(range(6, 24)) + list(range(45, 75)), slug
