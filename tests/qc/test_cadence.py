"""Clips with a rhythm of their own: rate-converted generations skip or hold pictures at a regular
interval. Those changes must not read as jumps or freezes, while a real jump or stall still does;
and a jump in the first frames (an image-to-video clip leaving its conditioning frame) is a note."""

from __future__ import annotations

import numpy as np

from broll.qc import check
from broll.qc.detectors import _cadence_levels, _distinct_neighbours, _within_cadence_hold
from broll.testing import injection as inj


def _write(qc_media, name: str, frames) -> str:
    path = qc_media.root / name
    inj.encode(path, frames)
    return str(path)


def _pulldown(n: int = 60) -> list:
    """A pan that skips every fifth picture: each fifth change is a double step."""
    frames = inj._camera(inj._photo("astronaut"), n + n // 4 + 2, (320, 180), dx=2.5, dy=0.4)
    return [f for i, f in enumerate(frames) if i % 5 != 4][:n]


def _held(n: int = 60) -> list:
    """A new picture every third frame; the two in-between frames vary it by a code value or so,
    except in one hold where they come out identical."""
    pictures = inj._camera(inj._photo("coffee"), n // 3 + 1, (320, 180), dx=3.0)
    out = []
    for i in range(n):
        pic = pictures[i // 3]
        if i % 3 and not 15 <= i <= 17:
            pic = np.clip(pic.astype(np.int16) + (4 if i % 3 == 1 else 2), 0, 255).astype(np.uint8)
        out.append(pic)
    return out


def test_neighbouring_changes_skip_repeats_and_cadence_level_finds_the_rhythm():
    new = np.array([0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], bool)
    left, right = _distinct_neighbours(new)
    assert (left[4], right[4]) == (1, 7) and left[1] == -1 and right[10] == -1
    x = np.array([0.1, 0.1, 0.5, 0.1, 0.1, 0.1, 0.1, 0.5, 0.1, 0.1, 0.1, 0.1, 0.5, 0.1, 0.1])
    assert _cadence_levels(x)[7] == 0.5        # every fifth frame spikes alike: no spike of its own
    y = x.copy()
    y[[2, 12]] = 0.1
    assert _cadence_levels(y)[7] == 0.1


def test_regular_holds_are_not_a_freeze_but_a_longer_stall_is(qc_media):
    frames = _held()
    mae = np.r_[np.nan, [np.mean(np.abs(a.astype(np.int16) - b)) for a, b in zip(frames[1:], frames[:-1])]]
    assert _within_cadence_hold(mae, 16, 17) and not _within_cadence_hold(mae, 31, 38)
    report = check(_write(qc_media, "held.mp4", frames))
    assert not [f for f in report.by_kind("freeze") if f.severity != "note"], report.findings
    stalled = list(frames)
    for i in range(30, 39):
        stalled[i] = frames[29].copy()
    report = check(_write(qc_media, "held-stall.mp4", stalled))
    assert any(28 <= f.start_frame <= 31 and f.severity != "note" for f in report.by_kind("freeze")), report.findings


def test_skipped_pictures_are_no_jump_but_a_teleported_patch_is(qc_media):
    frames = _pulldown()
    report = check(_write(qc_media, "pulldown.mp4", frames))
    assert not [f for f in report.by_kind("jump") if f.severity != "note"], report.findings
    jumped, truth = inj._patch_swap(frames, 31, np.random.default_rng(5), "moderate")
    report = check(_write(qc_media, "pulldown-jump.mp4", jumped))
    assert any(abs(f.start_frame - truth.start) <= 1 for f in report.by_kind("jump")), report.findings


def test_jump_in_the_first_frames_is_a_note(qc_media):
    frames, truth = inj._patch_swap(qc_media.base("pan:astronaut"), 1, np.random.default_rng(2), "moderate")
    report = check(_write(qc_media, "head-jump.mp4", frames))
    jumps = report.by_kind("jump")
    assert jumps and all(f.severity == "note" for f in jumps), report.findings
    assert "edge" in jumps[0].message


def _signals(n: int, **series):
    from broll.qc.signals import CELL_GRID, REGION_GRID, SCALAR_SIGNALS, Signals

    base = {k: np.full(n, 1.0) for k in SCALAR_SIGNALS}
    base.update({k: np.asarray(v, float) for k, v in series.items()})
    r, c = REGION_GRID[0] * REGION_GRID[1], CELL_GRID[0] * CELL_GRID[1]
    z = lambda w: np.zeros((n, w), np.float32)  # noqa: E731
    return Signals(frames=n, fps=30.0, size=(320, 180), series=base, region_shift=z(r), region_luma=z(r),
                   region_occluded=z(r), region_motion=z(r), cell_resid=z(c), cell_corr=z(c), cell_motion=z(c),
                   cell_texture=z(c), scene_cuts=[], times=np.arange(n) / 30.0)


def test_low_detail_needs_few_edges_as_well_as_low_sharpness():
    """A contrasty close-up of smooth shading (sharpness 0.0188, 29% edge pixels: a real talking head)
    is not soft; the same sharpness with few edges is."""
    from broll.qc.detectors import Context, detect_blur
    from broll.qc.profile import load_profile

    cfg = load_profile("default").section("blur")
    for edges, expected in ((0.29, []), (0.05, ["low_detail"])):
        sig = _signals(30, lap_var=np.full(30, 0.0188 * (53.0 ** 2 + 1.0)), luma_std=np.full(30, 53.0),
                       edges=np.full(30, edges))
        ctx = Context(sig, None, uniform=np.zeros(30, bool))
        assert [f.kind for f in detect_blur(ctx, cfg)] == expected


def test_stall_in_a_slow_shot_is_found_by_its_catch_up(qc_media):
    """A talking-head pace (0.15 px/frame) hardly moves the flow: the stall shows when the picture
    catches up, which comes after the encoder's refinement of the last copies."""
    frames = inj._camera(inj._photo("astronaut"), 60, (320, 180), dx=0.15, dy=0.05)
    stalled = list(frames)
    for i in range(20, 28):
        stalled[i] = frames[19].copy()
    report = check(_write(qc_media, "slow-stall.mp4", stalled))
    assert any(18 <= f.start_frame <= 21 and f.severity != "note" for f in report.by_kind("freeze")), report.findings


def test_cadence_levels_match_the_per_frame_rule_with_gaps():
    """The vectorised table equals the rule frame by frame: the largest min(x[t-p], x[t+p]) over lags
    2-6 that fit (t - p >= 1), NaN as 0, 0 where no lag fits; for a series and for region columns."""
    rng = np.random.default_rng(3)
    for n in (0, 3, 5, 6, 9, 14, 31):
        for shape in ((n,), (n, 4)):
            x = rng.normal(size=shape)
            x[rng.random(shape) < 0.2] = np.nan
            table = _cadence_levels(x)
            for t in range(n):
                levels = [np.nan_to_num(np.minimum(x[t - p], x[t + p]), nan=0.0)
                          for p in range(2, 7) if t - p >= 1 and t + p < n]
                want = np.max(levels, axis=0) if levels else np.zeros(shape[1:])
                assert np.array_equal(table[t], want)
