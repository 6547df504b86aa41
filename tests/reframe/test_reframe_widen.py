"""A subject wider than the crop window is not cut: the window widens, smoothly and only while
needed, and the export shows it over a blurred fill (a partial contain)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from broll.reframe.analyse import Sample, path_from_samples
from broll.reframe.filters import reframe_filter
from broll.reframe.path import CropPath, Segment, crop_geometry
from broll.reframe.subject import SubjectEstimate
from broll.reframe.widen import MAX_WIDEN, WIDEN_PAD, widened_sizes


def _wide_in_the_middle(n=60, window=0.3, widest=0.4):
    """Bodies centred at 0.5: narrow, then wider than the window for samples 20..39, then narrow."""
    width = np.where((np.arange(n) >= 20) & (np.arange(n) < 40), widest, 0.15)
    body = np.stack([0.5 - width / 2, 0.5 + width / 2], axis=1)
    return body, np.full(n, 0.5), np.ones(n, bool), np.zeros(n, int)


def test_window_widens_only_around_the_wide_stretch_and_eases():
    body, centre, trusted, shots = _wide_in_the_middle()
    sizes = widened_sizes(centre, body, trusted, shots, 0.3)
    padded = (body[:, 1] - body[:, 0]) * (1 + 2 * WIDEN_PAD)
    assert np.all(sizes[20:40] >= padded[20:40] - 1e-9), "the wide body must be whole"
    assert np.all(sizes[:10] == 0.3) and np.all(sizes[50:] == 0.3), "narrow again: the plain crop"
    assert sizes[17] > 0.3 and sizes[42] > 0.3, "the widening leads and trails (look-ahead)"
    assert np.max(np.abs(np.diff(sizes))) < 0.25 * (sizes.max() - 0.3), "it eases in and out"


def test_a_one_sample_flicker_or_an_untrusted_body_does_not_widen():
    body, centre, trusted, shots = _wide_in_the_middle()
    flicker = body.copy()
    flicker[20:40] = [0.425, 0.575]
    flicker[30] = [0.2, 0.8]
    assert np.all(widened_sizes(centre, flicker, trusted, shots, 0.3) == 0.3)
    assert np.all(widened_sizes(centre, body, np.zeros(60, bool), shots, 0.3) == 0.3)
    huge, *_ = _wide_in_the_middle(widest=0.3 * MAX_WIDEN)     # more likely background than subject
    assert np.all(widened_sizes(centre, huge, trusted, shots, 0.3) == 0.3)


def _samples(extent, n=40, conf=0.9, core=0.8):
    """Samples whose core is ``core`` of the body's width (a body much wider than its core is a leak)."""
    est = SubjectEstimate((extent[0] + extent[2]) / 2, 0.5, core * (extent[2] - extent[0]) / 2, 0.05, conf, extent)
    return [Sample(i / 10, est, 0) for i in range(n)]


def test_path_widens_for_a_body_wider_than_the_window_and_says_so():
    g = crop_geometry(1920, 1080, 1080, 1920)            # window 608 px of 1920
    body = (0.30, 0.3, 0.70, 0.7)                         # 768 px: no 9:16 window holds it
    path = path_from_samples(_samples(body), [], g)
    assert path.widened and path.stats["widened"] > 0.9
    x, _, w, h = path.window_at(2.0)
    assert h == 1080 and x <= body[0] * 1920 and body[2] * 1920 <= x + w
    narrow = path_from_samples(_samples((0.40, 0.3, 0.55, 0.7)), [], g)
    assert not narrow.widened and narrow.sizes == () and narrow.stats["widened"] == 0


def test_a_body_that_leaks_far_past_its_core_or_a_weak_subject_does_not_widen():
    g = crop_geometry(1920, 1080, 1080, 1920)
    body = (0.30, 0.3, 0.70, 0.7)
    assert not path_from_samples(_samples(body, core=0.3), [], g).widened      # body 3x its core
    assert not path_from_samples(_samples(body, conf=0.5), [], g).widened      # not sure enough


def _widened_path(g, seconds=1.0):
    return CropPath(g, (Segment(0.0, seconds, 0.0, g.travel / 2),), (), "subject", {"confidence": 1.0},
                    (Segment(0.0, seconds, g.window, g.span * 0.8),))


def test_widened_filter_uses_the_one_blurred_fill_and_zooms_the_canvas():
    g = crop_geometry(320, 180, 180, 320)
    text = reframe_filter("subject", (320, 180), (180, 320), path=_widened_path(g), rate=Fraction(30))
    assert "boxblur" in text and "zoompan" in text and "fps=30" in text
    with pytest.raises(Exception):
        reframe_filter("subject", (320, 180), (180, 320), path=_widened_path(g))     # no rate


def _sharpness(rows: np.ndarray) -> float:
    return float(np.abs(np.diff(rows.astype(float), axis=1)).mean())


def test_widened_export_renders_every_frame_at_the_preset_size(tmp_path):
    from broll.media.ffmpeg import run_ffmpeg
    from broll.media.frames import iter_frames
    from broll.media.probe import probe
    from broll.media.synth import make_clip
    src = make_clip(tmp_path / "src.mp4", duration=1.0, size=(320, 180), fps=30)
    g = crop_geometry(320, 180, 180, 320)
    graph = reframe_filter("subject", (320, 180), (180, 320), path=_widened_path(g), rate=Fraction(30),
                           in_label="0:v", out_label="v")
    out = tmp_path / "out.mp4"
    graph += ";[v]fps=30[w]"          # as in an export: zoompan's end of stream must not make fps repeat frames
    run_ffmpeg(["-y", "-i", str(src), "-filter_complex", graph, "-map", "[w]", "-frames:v", "90", "-c:v", "libx264",
                "-preset", "ultrafast", str(out)], what="widened test")
    info = probe(out)
    assert (info.width, info.height) == (180, 320)
    frames = [f.image for f in iter_frames(out, fmt="gray")]
    assert len(frames) == 30
    # at first the window has the output's aspect: picture from top to bottom; at the end it is
    # 0.8 of the width: a 180x126 picture in the middle, the blurred fill above and below
    first, last = frames[0], frames[-1]
    assert _sharpness(last[:80]) < 0.5 * _sharpness(first[:80])
    assert _sharpness(last[130:190]) > 2 * _sharpness(last[:80])


def test_export_of_a_wide_subject_widens_and_reports_it(tmp_path):
    import json

    from click.testing import CliRunner

    from broll.cli import main
    from broll.testing.reframe_scenes import WIDE_SUBJECT, make_scene_clip
    clip = make_scene_clip(WIDE_SUBJECT, tmp_path / "wide.mp4", size=(320, 180))
    small = tmp_path / "small.yaml"
    small.write_text("reels:\n  base: reels\n  width: 360\n  height: 640\n")
    result = CliRunner().invoke(main, ["export", str(clip.path), "-p", "reels", "-o", str(tmp_path / "o"),
                                       "--file", str(small), "--draft", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)["outputs"][0]
    assert out["reframe"] == "subject" and 0.2 < out["widened"] < 0.95, out
    assert abs(out["duration"] - 4.0) < 0.1 and (out["width"], out["height"]) == (360, 640)


def test_a_body_that_fits_the_window_moves_the_crop_instead_of_widening_it():
    from broll.reframe.widen import FITS_SHARE
    n, window = 40, 0.3
    width = FITS_SHARE * window                          # fits, but not with the widening pad
    assert width * (1 + 2 * WIDEN_PAD) > window
    body = np.tile([0.5 - width / 2, 0.5 + width / 2], (n, 1))
    sizes = widened_sizes(np.full(n, 0.5), body, np.ones(n, bool), np.zeros(n, int), window)
    assert np.all(sizes == window)


def test_trust_is_held_along_an_unbroken_track_and_dropped_at_a_leap_or_a_cut():
    from broll.reframe.widen import held_confidence
    conf = np.array([0.8, 0.5, 0.4, 0.3, 0.5, 0.4, 0.1, 0.4, 0.5])
    centre = np.array([0.5, 0.5, 0.52, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9])
    shots = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1])
    held = held_confidence(conf, centre, shots, jump=0.15, floor=0.15)
    assert list(held[:4]) == [0.8] * 4, "the same subject, growing less compact, keeps its trust"
    assert held[4] == 0.5 and held[5] == 0.5, "a leap to elsewhere starts afresh"
    assert held[6] == 0.1 and held[7] == 0.4, "so does a sample below the floor (the track was lost)"
    assert held[8] == 0.5, "and a cut"
    assert np.all(held >= conf)


def test_a_wide_body_stays_whole_as_its_confidence_fades_but_not_without_a_confident_start():
    g = crop_geometry(1920, 1080, 1080, 1920)            # window 608 px of 1920
    body = (0.30, 0.3, 0.70, 0.7)                         # 768 px: no 9:16 window holds it
    est = lambda c: SubjectEstimate(0.5, 0.5, 0.8 * 0.2, 0.05, c, body)   # noqa: E731
    fading = [Sample(i / 10, est(0.9 if i < 10 else 0.4), 0) for i in range(40)]
    path = path_from_samples(fading, [], g)
    x, _, w, _ = path.window_at(3.5)
    assert x <= body[0] * 1920 and body[2] * 1920 <= x + w, "trusted at first, the same body later"
    never = [Sample(i / 10, est(0.4), 0) for i in range(40)]
    assert not path_from_samples(never, [], g).widened, "a body never seen with confidence does not widen"


def test_a_flicker_on_the_last_sample_of_a_shot_does_not_widen():
    body, centre, trusted, shots = _wide_in_the_middle()
    narrow = np.tile([0.425, 0.575], (60, 1))
    narrow[-1] = [0.3, 0.7]                               # one wide reading, the shot's last
    assert np.all(widened_sizes(centre, narrow, trusted, shots, 0.3) == 0.3)
    tail = np.tile([0.425, 0.575], (60, 1))
    tail[-3:] = [0.3, 0.7]                                # wide for its last 3 samples: it is real
    assert widened_sizes(centre, tail, trusted, shots, 0.3)[-1] > 0.3
