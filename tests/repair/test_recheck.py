"""The re-check after a repair measures only what was re-encoded, and agrees with a full re-check."""

from __future__ import annotations

import numpy as np
import pytest

from broll.testing import injection as inj


def _same_signals(a, b) -> None:
    assert a.frames == b.frames and a.size == b.size
    assert a.series.keys() == b.series.keys()
    for key in a.series:
        np.testing.assert_array_equal(a.series[key], b.series[key], err_msg=key)
    for name in ("region_shift", "region_luma", "region_occluded", "region_motion", "cell_resid", "cell_corr",
                 "cell_motion", "cell_texture", "times", "row_max", "col_max"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.cells.keys() == b.cells.keys()
    for name in a.cells:
        np.testing.assert_array_equal(a.cells[name], b.cells[name], err_msg=name)
    assert a.scene_cuts == b.scene_cuts and a.interlaced_frames == b.interlaced_frames


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["flicker", "glitch", "flash", "freeze", "black"])
def test_partial_recheck_equals_a_full_one(tmp_path, kind, monkeypatch):
    import broll.qc.signals as sig
    from broll.media.probe import probe
    from broll.qc import analyse
    from broll.repair.plan import plan_repairs
    from broll.repair.recheck import first_check
    from broll.repair.run import rewrite

    clean = inj.base("pan:astronaut", n=90)
    for seed in range(40):      # the first seed that puts the defect past the clip's first third
        bad, truth = inj.DEFECTS[kind](clean, np.random.default_rng(seed), "moderate")
        if truth.start >= 36:
            break
    src = inj.encode(tmp_path / "bad.mp4", bad)
    info = probe(src)
    report, marks = first_check(src, "default", None, info.frame_count)
    assert marks is not None and report.verdict != "pass"
    steps, _ = plan_repairs(report.findings, info.frame_count, 30.0)
    assert steps, report.findings
    out = tmp_path / "fixed.mp4"
    written = rewrite(src, out, steps, info)
    assert written.first_changed > marks.every          # a copied prefix, measured once
    if kind == "flicker":       # copied up to the first frame its taper changes, not up to the 0.75 s of context it reads
        assert steps[0].window[0] + 6 < written.first_changed <= steps[0].start
    resume = marks.resume(written.first_changed)
    assert resume is not None and 0 < resume[1] <= written.first_changed
    replay = marks.replay(written.first_changed)
    assert replay is not None and len(replay[0]) == written.first_changed - resume[1]
    decoded_from: list[int] = []
    real = sig.iter_analysis_frames

    def spy(path, **kw):
        for fr in real(path, **kw):
            decoded_from.append(fr.index)
            yield fr

    monkeypatch.setattr(sig, "iter_analysis_frames", spy)
    seen: list[int] = []
    part, part_signals = analyse(out, keep_signals=True, measure_hooks={
        "resume": resume, "replay": replay, "before_add": lambda m, fr: seen.append(fr.index)})
    # the copied prefix is not decoded again: the file is read from its first re-encoded frame (a seek)
    assert decoded_from[0] == written.first_changed
    full, full_signals = analyse(out, keep_signals=True)
    assert seen[0] == resume[1] and len(seen) == info.frame_count - resume[1]      # the rest was not measured
    _same_signals(part_signals, full_signals)
    assert part.verdict == full.verdict
    assert [f.to_dict() for f in part.findings] == [f.to_dict() for f in full.findings]


def test_checkpoints_are_spaced_for_long_clips():
    from broll.repair.recheck import EVERY, MAX_CHECKPOINTS, MeterCheckpoints

    assert MeterCheckpoints(150).every == EVERY
    long = MeterCheckpoints(30 * 600)
    assert long.every * MAX_CHECKPOINTS >= 30 * 600
    long.states = {k: {} for k in range(long.every, 30 * 600, long.every)}
    assert long.before(long.every - 1) == 0 and long.resume(3) is None
    assert long.before(5 * long.every + 2) == 5 * long.every


def test_repair_clip_rechecks_the_written_copy(tmp_path, monkeypatch):
    """Through repair_clip: the re-check resumes after the copied prefix and still reads the new file."""
    import broll.repair.recheck as rc
    from broll.repair import repair_clip

    calls = []
    real = rc.recheck

    def spy(path, profile, cache_root, marks, first_changed):
        calls.append((str(path), marks is not None, first_changed))
        return real(path, profile, cache_root, marks, first_changed)

    monkeypatch.setattr(rc, "recheck", spy)
    clean = inj.base("pan:astronaut", n=60)
    bad = list(clean)
    bad[40] = np.full_like(clean[40], 255)                 # a white flash frame
    src = inj.encode(tmp_path / "src.mp4", bad)
    res = repair_clip(src, tmp_path / "out")
    assert res.repairs and res.verdict == "pass"
    (path, had_marks, first_changed), = calls
    assert had_marks and 8 < first_changed <= 40 and path != str(src)        # copied up to the flash


def test_a_meter_that_cannot_be_copied_means_a_full_recheck():
    import threading

    from broll.repair.recheck import MeterCheckpoints

    class Meter:
        def __init__(self):
            self.lock = threading.Lock()          # deepcopy refuses it
            self.values = {"luma": [1.0, 2.0]}

    from broll.media.analysis_frames import AnalysisFrame

    marks = MeterCheckpoints(100)
    marks(Meter(), AnalysisFrame(marks.every, marks.every / 30.0, None, None, False, np.zeros((6, 4), np.uint8)))
    assert marks.failed and not marks.states and not marks.frames and marks.resume(50) is None


def test_a_resumed_measurement_replays_kept_frames_and_seeks(tmp_path):
    """Resumed from a checkpoint with the first pass's frames in memory, the file is read from a seek
    and every signal is the full measurement's; a seek that does not land on the frame expected
    (here: a wrong time) falls back to decoding the whole file, with the same result."""
    from broll.qc import analyse
    from broll.repair.recheck import KEEP, MeterCheckpoints, first_check

    clean = inj.base("pan:astronaut", n=40, size=(320, 180))
    src = inj.encode(tmp_path / "clip.mp4", clean)
    _, marks = first_check(src, "default", None, 40)
    assert marks is not None and len(marks.times) == 40
    full, full_signals = analyse(src, keep_signals=True)
    for frame, t_shift in ((20, 0.0), (21, 0.0), (27, 0.5)):
        replay = marks.replay(frame)
        assert replay is not None and [fr.index for fr in replay[0]] == list(range(marks.before(frame), frame))
        seen: list[int] = []
        _, part = analyse(src, keep_signals=True, measure_hooks={
            "resume": marks.resume(frame), "replay": (replay[0], replay[1] + t_shift),
            "before_add": lambda m, fr: seen.append(fr.index)})
        assert seen == list(range(marks.before(frame), 40))
        _same_signals(part, full_signals)
    long = MeterCheckpoints(30 * 600)          # kept: the first KEEP frames after each checkpoint only
    long.states = {long.every: {}}
    long.times = [i / 30.0 for i in range(30 * 600)]
    long.frames = {i: object() for i in range(long.every, long.every + KEEP)}
    assert long.replay(long.every + KEEP) is not None and long.replay(long.every + KEEP + 1) is None
