"""Pure pieces: run finding, oscillation counting, profiles, verdict rule, analysis decode."""

from __future__ import annotations

import numpy as np
import pytest

from broll.errors import EditListError
from broll.media.analysis_frames import analysis_size, iter_analysis_frames
from broll.media.synth import read_frame_number
from broll.qc.detectors import _oscillation_spans, _zigzag, runs
from broll.qc.profile import builtin_names, load_profile
from broll.qc.report import Finding, QCReport, verdict_for
from broll.qc.signals import measure


def test_runs_bridges_gaps_and_drops_short_ones():
    mask = np.array([0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1], bool)
    assert runs(mask) == [(1, 2), (4, 4), (8, 10)]
    assert runs(mask, max_gap=1) == [(1, 4), (8, 10)]
    assert runs(mask, min_len=3) == [(8, 10)]


def test_zigzag_ignores_noise_below_theta_and_counts_reversals():
    t = np.arange(60)
    square = np.where((t // 5) % 2 == 0, 0.0, 1.0) + 0.01 * np.sin(t)
    piv = _zigzag(square, 0.5)
    assert len(piv) >= 11
    assert _zigzag(0.1 * np.sin(t / 3.0), 0.5) == []
    ramp = np.linspace(0, 10, 60)               # a fade: one direction, no reversals
    assert len(_zigzag(ramp, 0.5)) <= 2
    assert _oscillation_spans(ramp, 0.5, 4, 30) == []
    spans = _oscillation_spans(np.concatenate([np.zeros(20), square[:30], np.full(20, square[29])]), 0.5, 4, 30)
    assert spans and 15 <= spans[0][0] <= 25 and 44 <= spans[0][1] <= 52


def test_builtin_profiles_load_and_differ():
    assert set(builtin_names()) >= {"default", "strict", "lenient"}
    d, s, l_ = (load_profile(n) for n in ("default", "strict", "lenient"))
    assert s.section("flicker")["min_swing"] < d.section("flicker")["min_swing"] < l_.section("flicker")["min_swing"]
    assert len({d.digest, s.digest, l_.digest}) == 3


def test_profile_errors_name_the_field(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("detectors:\n  freeze:\n    severity: maybe\n")
    with pytest.raises(EditListError, match="detectors.freeze.severity"):
        load_profile(bad)
    bad.write_text("detectors:\n  freez: {}\n")
    with pytest.raises(EditListError) as exc:
        load_profile(bad)
    assert "freeze" in exc.value.hint
    bad.write_text("detectors: [\n")
    with pytest.raises(EditListError, match="YAML"):
        load_profile(bad)


def test_verdict_rule_and_round_trip():
    note = Finding("static", 0, 9, 0.0, 0.4, "note", 1.0, 0.8)
    review = Finding("blur", 2, 5, 0.1, 0.2, "review", 0.2, 0.35)
    regen = Finding("freeze", 3, 6, 0.1, 0.2, "regenerate", 4, 2)
    assert verdict_for([note]) == "pass"
    assert verdict_for([note, review]) == "review"
    assert verdict_for([review, regen]) == "regenerate"
    rep = QCReport("x.mp4", "review", [note, review], facts={"fps": 30.0})
    again = QCReport.from_dict(rep.to_dict())
    assert again.to_dict() == rep.to_dict()


def test_analysis_size_keeps_aspect_and_4_alignment():
    assert analysis_size(1920, 1080) == (320, 180)
    assert analysis_size(1080, 1920) == (180, 320)
    w, h = analysis_size(1000, 1000)
    assert w == h == 320 and w % 4 == 0


def test_decode_order_and_frame_count(media):
    path = media.numbered(frames=40)
    frames = list(iter_analysis_frames(path))
    assert [f.index for f in frames] == list(range(40))
    import cv2
    assert [read_frame_number(cv2.cvtColor(f.bgr, cv2.COLOR_BGR2RGB)) for f in frames[:12]] == list(range(12))
    sig = measure(path)
    assert sig.frames == 40 and all(len(v) == 40 for v in sig.series.values())
    assert sig.cell_resid.shape == (40, 144) and np.isnan(sig["mae"][0])


def test_large_sources_skip_deblocking_with_no_visible_change_at_analysis_size(tmp_path):
    """720p and up are decoded without the loop filter (cheaper); at 320x180 the picture is the same
    to a fraction of a code value, and small sources keep the filter."""
    import cv2

    from broll.media.analysis_frames import SKIP_DEBLOCK_SCALE, _small_i420
    from broll.media.decode import VideoStream
    from broll.media.synth import make_clip

    path = make_clip(tmp_path / "hd.mp4", source="testsrc2", size=(1280, 720), duration=0.4, audio=None,
                     codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", "35", "-pix_fmt", "yuv420p"))
    assert 1280 / analysis_size(1280, 720)[0] >= SKIP_DEBLOCK_SCALE > 854 / analysis_size(854, 480)[0]
    fast = [f.luma.astype(np.float32) for f in iter_analysis_frames(path)]
    full = [_small_i420(fr, 320, 180, cv2)[:180].astype(np.float32)
            for _, _, fr in VideoStream(path).frames(skip_loop_filter=False)]
    raw = [_small_i420(fr, 320, 180, cv2)[:180].astype(np.float32)
           for _, _, fr in VideoStream(path).frames(skip_loop_filter=True)]
    assert len(fast) == len(full) == 12
    assert any(np.abs(a - b).max() > 0 for a, b in zip(raw, full))      # the option does take effect
    assert max(float(np.abs(a - b).mean()) for a, b in zip(fast, full)) < 0.5
