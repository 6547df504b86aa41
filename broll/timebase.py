"""Exact time: Fraction seconds and integer frames, never accumulated floats.

Floats appear only at the YAML edge; ``Fraction(str(x))`` keeps ``1.1`` as 11/10
rather than 2476979795053773/2251799813685248.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

TimeLike = Union[int, float, str, Fraction]

_TIMECODE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_FRAMES = re.compile(r"^(\d+)\s*f$")
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)\s*s?$")


class TimeParseError(ValueError):
    pass


@dataclass(frozen=True)
class TimeValue:
    """A time as written: either exact seconds or a frame count (needs a rate to resolve)."""

    seconds: Fraction | None = None
    frames: int | None = None

    def resolve(self, fps: Fraction) -> Fraction:
        if self.frames is not None:
            return Fraction(self.frames) / Fraction(fps)
        assert self.seconds is not None
        return self.seconds

    def __str__(self) -> str:
        return f"{self.frames}f" if self.frames is not None else format_seconds(self.seconds)


def parse_time(value: TimeLike) -> TimeValue:
    """Parse seconds (``1.5``), timecode (``"00:00:01.500"``, ``"01:30"``) or frames (``"45f"``)."""
    if isinstance(value, bool):
        raise TimeParseError(f"expected a time, got {value!r}")
    if isinstance(value, Fraction):
        seconds = value
    elif isinstance(value, int):
        seconds = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise TimeParseError(f"expected a finite time, got {value!r}")
        seconds = Fraction(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if m := _FRAMES.match(text):
            return TimeValue(frames=int(m.group(1)))
        if m := _SECONDS.match(text):
            seconds = Fraction(m.group(1))
        elif m := _TIMECODE.match(text):
            hours = int(m.group(1) or 0)
            minutes = int(m.group(2))
            secs = Fraction(m.group(3))
            if minutes >= 60 or secs >= 60:
                raise TimeParseError(f"timecode {value!r} has minutes or seconds >= 60")
            seconds = hours * 3600 + minutes * 60 + secs
        else:
            raise TimeParseError(
                f"cannot read {value!r} as a time; use seconds (1.5), timecode (\"00:00:01.500\") or frames (\"45f\")")
    else:
        raise TimeParseError(f"expected a time, got {type(value).__name__}")
    if seconds < 0:
        raise TimeParseError(f"time {value!r} is negative")
    return TimeValue(seconds=seconds)


def to_frames(seconds: Fraction, fps: Fraction) -> int:
    """Number of whole frames at ``fps`` closest to ``seconds`` (ties round half up)."""
    return math.floor(Fraction(seconds) * Fraction(fps) + Fraction(1, 2))


def frame_at(seconds: Fraction, fps: Fraction) -> int:
    """Index of the frame being shown at ``seconds`` (frame i covers [i/fps, (i+1)/fps))."""
    return math.floor(Fraction(seconds) * Fraction(fps) + Fraction(1, 10**6))


def format_seconds(seconds: Fraction | float | None) -> str:
    if seconds is None:
        return "?"
    return f"{float(seconds):.3f}".rstrip("0").rstrip(".") if seconds else "0"


def format_timecode(seconds: Fraction | float) -> str:
    """``HH:MM:SS.mmm`` for display."""
    total_ms = int(round(float(seconds) * 1000))
    hours, rem = divmod(total_ms, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    secs, ms = divmod(rem, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def parse_rate(value: str | int | float | Fraction) -> Fraction:
    """A frame rate as an exact fraction: ``30``, ``"30000/1001"``, ``29.97`` (-> 30000/1001)."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, str) and "/" in value:
        num, den = value.split("/", 1)
        rate = Fraction(int(num), int(den))
    else:
        rate = Fraction(str(value))
    for ntsc in (24, 30, 60, 120):
        if abs(rate - Fraction(ntsc * 1000, 1001)) < Fraction(1, 100):
            return Fraction(ntsc * 1000, 1001)
    if rate <= 0:
        raise TimeParseError(f"frame rate must be positive, got {value!r}")
    return rate
