from fractions import Fraction

import pytest

from broll.timebase import TimeParseError, format_timecode, frame_at, parse_rate, parse_time, to_frames


@pytest.mark.parametrize("value,seconds", [
    (1.5, Fraction(3, 2)), (2, Fraction(2)), ("1.1", Fraction(11, 10)), (1.1, Fraction(11, 10)),
    ("00:00:01.500", Fraction(3, 2)), ("01:30", Fraction(90)), ("1:00:00", Fraction(3600)), ("2.5s", Fraction(5, 2)),
])
def test_parse_seconds_and_timecode(value, seconds):
    assert parse_time(value).seconds == seconds


def test_parse_frames_resolve_with_rate():
    tv = parse_time("45f")
    assert tv.frames == 45 and tv.resolve(Fraction(30)) == Fraction(3, 2)


@pytest.mark.parametrize("bad", ["abc", "-1", "00:61:00", True, float("nan"), None, "1.5x"])
def test_parse_rejects(bad):
    with pytest.raises(TimeParseError):
        parse_time(bad)


def test_frames_are_exact():
    assert to_frames(Fraction(1, 2), Fraction(30)) == 15
    assert frame_at(Fraction(1), Fraction(30000, 1001)) == 29
    assert parse_rate("29.97") == Fraction(30000, 1001)
    assert format_timecode(Fraction(3723, 1) + Fraction(1, 4)) == "01:02:03.250"
