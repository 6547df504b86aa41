"""The whole-shot subject choice: a mover that holds beats a still, distinct thing; blips do not."""

from __future__ import annotations

import numpy as np

from broll.reframe.analyse import Sample, _selected
from broll.reframe.select import JUMP_COST, Candidate, choose, jump_cost
from broll.reframe.subject import SubjectEstimate


def _est(cx: float, cy: float = 0.5, conf: float = 0.8) -> SubjectEstimate:
    return SubjectEstimate(cx, cy, 0.03, 0.05, conf, (cx - 0.05, cy - 0.1, cx + 0.05, cy + 0.1))


def test_jump_cost_is_free_within_a_subjects_speed_and_full_for_a_leap():
    a = _est(0.3)
    assert jump_cost(a, _est(0.35), 0.1) == 0.0               # 0.5 frame widths per second
    assert jump_cost(a, _est(0.9), 0.1) == JUMP_COST          # across the frame in 0.1 s
    assert 0 < jump_cost(a, _est(0.42), 0.1) < JUMP_COST


def _shot(n: int, mover_strength, still_strength: float = 0.55, tracker_on_still: bool = True):
    """A still, distinct thing at x 0.2 (the tracker's box) and a mover crossing from 0.4 to 0.8."""
    times = [i / 10 for i in range(n)]
    cands = []
    for i, t in enumerate(times):
        x = 0.4 + 0.4 * i / (n - 1)
        s = mover_strength(i) if callable(mover_strength) else mover_strength
        cands.append([Candidate(_est(0.2), still_strength, 0.0, tracked=tracker_on_still),
                      Candidate(_est(x), s, 0.5)])
    return times, cands


def test_a_mover_that_holds_outscores_a_still_distinct_region():
    times, cands = _shot(40, 0.45)        # weaker evidence than the still region, but it moves
    picks = choose(times, cands)
    assert picks.count(1) >= 38, picks


def test_a_one_sample_blip_elsewhere_does_not_take_the_window():
    # the mover is no subject (no motion, weak) except for one strong sample
    times = [i / 10 for i in range(30)]
    cands = [[Candidate(_est(0.2), 0.6, 0.0, tracked=True),
              Candidate(_est(0.8), 1.2 if i == 15 else 0.1, 0.0)] for i in range(30)]
    assert choose(times, cands) == [0] * 30


def test_switches_happen_once_not_back_and_forth():
    # the still thing leads for the first half, the mover for the second: one switch
    times, cands = _shot(40, lambda i: 0.2 if i < 20 else 0.9)
    picks = choose(times, cands)
    switches = int(np.sum(np.diff(picks) != 0))
    assert switches == 1 and picks[0] == 0 and picks[-1] == 1, picks


def test_samples_without_candidates_break_the_chain():
    times = [0.0, 0.1, 0.2, 0.3]
    cands = [[Candidate(_est(0.2), 0.5, 0.0)], [], [Candidate(_est(0.8), 0.5, 0.0)], [Candidate(_est(0.8), 0.5, 0.0)]]
    assert choose(times, cands) == [0, -1, 0, 0]
    assert choose([], []) == []


def test_selection_keeps_the_trackers_estimate_on_its_own_subject():
    own = _est(0.5, conf=0.7)
    near = Candidate(_est(0.52, conf=1.0), 0.9, 0.2)          # the same object, read raw
    far = Candidate(_est(0.1, conf=1.0), 0.1, 0.0)
    samples = [Sample(i / 10, own, 0) for i in range(10)]
    out = _selected(samples, [[Candidate(own, 0.5, 0.1, tracked=True), near, far] for _ in range(10)])
    assert all(s.estimate is own for s in out)              # smoothed size and body kept


def test_selection_replaces_the_tracker_where_it_follows_the_wrong_thing():
    own = _est(0.2, conf=0.9)
    mover = [_est(0.4 + 0.02 * i) for i in range(20)]
    samples = [Sample(i / 10, own, 0) for i in range(20)]
    offered = [[Candidate(own, 0.5, 0.0, tracked=True), Candidate(mover[i], 0.6, 0.5)] for i in range(20)]
    out = _selected(samples, offered)
    assert all(abs(s.estimate.cx - m.cx) < 1e-9 for s, m in zip(out, mover))
