"""Planning is pure: which findings become which repairs, and why the rest are refused."""

from __future__ import annotations

import pytest

from broll.errors import UnknownNameError
from broll.qc.report import Finding
from broll.repair.plan import Limits, parse_only, plan_repairs, segments


def _f(kind, s, e, severity="regenerate", message=""):
    return Finding(kind, s, e, s / 30, (e + 1) / 30, severity, 1.0, 1.0, message)


def test_interpolation_kinds_planned_with_one_frame_of_context():
    steps, refused = plan_repairs([_f("glitch", 10, 10), _f("black", 20, 21), _f("freeze", 40, 47)], 90, 30)
    assert [(s.kind, s.start, s.end, s.method) for s in steps] == [
        ("black", 20, 21, "flow-interpolate"), ("freeze", 40, 47, "flow-retime"), ("glitch", 10, 10, "flow-interpolate")]
    assert all(s.context == 1 for s in steps) and not refused


def test_unrepairable_kinds_and_limits_say_why():
    findings = [_f("cut", 30, 30), _f("blank", 0, 89), _f("flash", 10, 79), _f("freeze", 20, 59),
                _f("glitch", 0, 0), _f("black", 50, 70), _f("jump", 5, 5, "review")]
    steps, refused = plan_repairs(findings, 90, 30)
    assert not steps
    reasons = {(r.kind, r.start): r.reason for r in refused}
    assert "cut" in reasons[("cut", 30)]
    assert "long freeze of 40 frames" in reasons[("freeze", 20)]
    assert "first or last frame" in reasons[("glitch", 0)]
    assert "flashing over 70 of 90 frames" in reasons[("flash", 10)]
    assert "long black" in reasons[("black", 50)]
    assert len(refused) == 7


def test_notes_are_ignored_and_only_filters():
    steps, refused = plan_repairs([_f("black", 0, 3, "note"), _f("flicker", 10, 50, "review", "global ..."),
                                   _f("glitch", 60, 60)], 90, 30, only=("glitch",))
    assert [s.kind for s in steps] == ["glitch"]
    assert [(r.kind, r.reason) for r in refused] == [("flicker", "not selected (--only)")]


def test_flicker_scope_and_context_follow_the_finding():
    steps, _ = plan_repairs([_f("flicker", 10, 50, "review", "regional brightness oscillation")], 90, 24)
    assert steps[0].scope == "regional" and steps[0].context == 18


def test_overlapping_steps_merge_and_segments_clip_to_the_clip():
    steps, _ = plan_repairs([_f("flicker", 5, 30, "review", "global"), _f("flicker", 28, 40, "review", "regional")],
                            60, 30, limits=Limits(flicker_context=0.5))
    assert [(s.start, s.end, s.scope) for s in steps] == [(5, 40, "regional")]
    assert segments(steps, 60) == [(0, 55)]


def test_parse_only():
    assert parse_only("flicker, glitch") == ("flicker", "glitch")
    assert "shake" not in parse_only(None)
    with pytest.raises(UnknownNameError, match="flikcer"):
        parse_only("flikcer")


def test_a_strobe_inside_the_clip_is_bridged():
    steps, refused = plan_repairs([_f("flash", 30, 60)], 90, 30)
    assert [(s.kind, s.start, s.end) for s in steps] == [("flash", 30, 60)] and not refused
