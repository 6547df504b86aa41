"""The reel's frame rate: what ``fps:`` may say, and how ``auto`` picks one. Pure; no I/O.

Generators deliver 24 fps (Runway, Veo, Kling), 30, 25, or 8-16 fps (open models). A reel at
the wrong rate repeats or drops frames in every clip, so ``fps: auto`` follows the footage:
the source rate that covers most of the timeline's duration, rounded to a standard rate.
A preset holds a default rate (used when the edit list says nothing) and a platform maximum
that caps an ``auto`` choice and rejects a larger explicit one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Optional, Union

NTSC_24 = Fraction(24000, 1001)
NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)

# what `fps:` accepts, as written, and the exact rate each means
FPS_CHOICES: dict[str, Fraction] = {
    "23.976": NTSC_24, "24": Fraction(24), "25": Fraction(25), "29.97": NTSC_30,
    "30": Fraction(30), "50": Fraction(50), "59.94": NTSC_60, "60": Fraction(60),
}
STANDARD_RATES: tuple[Fraction, ...] = tuple(sorted(set(FPS_CHOICES.values())))
# a measured rate this close (relative) to a standard one *is* that rate (VFR averages, 29.56 ...)
SNAP_TOLERANCE = Fraction(3, 100)

FpsChoice = Union[Fraction, str]          # an exact rate, or "auto"


def parse_fps(value) -> FpsChoice:
    """``24``, ``"29.97"``, ``"30000/1001"`` or ``"auto"`` -> a standard rate or "auto"; ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(_expected(value))
    if isinstance(value, Fraction):
        rate = value
    else:
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        if text in FPS_CHOICES:
            return FPS_CHOICES[text]
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                rate = Fraction(int(num), int(den))
            else:
                rate = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(_expected(value)) from None
    for standard in STANDARD_RATES:
        if abs(rate - standard) < Fraction(1, 100):
            return standard
    raise ValueError(_expected(value))


def _expected(value) -> str:
    return (f"expected a frame rate: one of {', '.join(FPS_CHOICES)} or auto, got {value!r}")


def label(rate: Fraction) -> str:
    """How a rate is written back (``23.976``, ``30``)."""
    for text, exact in FPS_CHOICES.items():
        if exact == rate:
            return text
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def snap(rate: Fraction) -> Fraction:
    """A source rate rounded to the standard rate the reel should run at.

    Near a standard rate (within 3 %): that rate. Below the standard rates (8-20 fps
    generations): the smallest standard multiple when there is one (10 -> 30, 12 -> 24,
    15 -> 30), else 24, the rate most footage shares. Between standards: the nearest.
    """
    rate = Fraction(rate)
    if rate <= 0:
        return Fraction(30)
    nearest = min(STANDARD_RATES, key=lambda s: abs(s - rate) / s)
    if abs(rate - nearest) <= nearest * SNAP_TOLERANCE:
        return nearest
    if rate < STANDARD_RATES[0]:
        for k in range(2, 9):
            if k * rate in STANDARD_RATES:
                return k * rate
        return Fraction(24)
    return nearest


@dataclass(frozen=True)
class RateChoice:
    """The rate an output renders at and why (``broll plan`` prints ``reason``)."""
    rate: Fraction
    reason: str
    requested: str = ""               # what the edit list asked for ("" = nothing: the preset's default)


def cap(rate: Fraction, maximum: Optional[Fraction]) -> Fraction:
    """The largest rate <= ``maximum`` that keeps ``rate``'s frames whole: rate/2, rate/3 ... else ``maximum``."""
    if maximum is None or rate <= maximum:
        return rate
    for k in (2, 3, 4):
        if rate / k in STANDARD_RATES and rate / k <= maximum:
            return rate / k
    return maximum


def choose(requested: Optional[FpsChoice], *, coverage: Iterable[tuple[Fraction, Fraction]],
           default: Fraction, maximum: Optional[Fraction], preset: str = "") -> RateChoice:
    """Pick the output rate.

    ``requested`` is the edit list's ``fps`` (output over top level), None when absent;
    ``coverage`` is (source rate, seconds on the timeline) per clip. An explicit rate above
    the preset's maximum is the caller's error to report (see :func:`over_maximum`).
    """
    if requested is None:
        return RateChoice(default, f"the preset {preset}'s default rate (no fps: in the edit list)".replace(" 's", "'s"))
    if requested != "auto":
        return RateChoice(Fraction(requested), "fps: " + label(Fraction(requested)), label(Fraction(requested)))
    totals: dict[Fraction, Fraction] = {}
    sources: dict[Fraction, set] = {}
    for src_rate, seconds in coverage:
        if src_rate and seconds > 0:
            key = snap(Fraction(src_rate))
            totals[key] = totals.get(key, Fraction(0)) + Fraction(seconds)
            sources.setdefault(key, set()).add(label(Fraction(src_rate)) if Fraction(src_rate) in STANDARD_RATES
                                               else f"{float(src_rate):.3g}")
    if not totals:
        return RateChoice(default, f"fps: auto, but no clip has a frame rate: the preset's default {label(default)}",
                          "auto")
    whole = sum(totals.values())
    # most seconds wins; a tie goes to the higher rate (nothing is dropped)
    best = max(totals, key=lambda r: (totals[r], r))
    share = totals[best] / whole
    rate = cap(best, maximum)
    why = f"fps: auto: {label(best)} fps footage covers {float(share) * 100:.0f}% of the clips' time"
    if sources[best] != {label(best)}:
        why += f" (sources at {', '.join(sorted(sources[best], key=float))} fps)"
    if len(totals) > 1:
        rest = ", ".join(f"{label(r)} {float(totals[r] / whole) * 100:.0f}%" for r in sorted(totals, reverse=True)
                         if r != best)
        why += f" (also {rest})"
    if rate != best:
        why += f"; capped to {label(rate)} by the preset's maximum {label(maximum)}"
    return RateChoice(rate, why, "auto")


def over_maximum(rate: Fraction, maximum: Optional[Fraction]) -> bool:
    return maximum is not None and rate > maximum


__all__ = ["FPS_CHOICES", "STANDARD_RATES", "RateChoice", "cap", "choose", "label", "parse_fps", "snap"]
