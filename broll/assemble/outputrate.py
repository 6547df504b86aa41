"""Each output's frame rate from the edit list's ``fps:`` and its clips (the adapter around framerate.py).

Output ``fps`` wins over the top-level ``fps``; neither means the preset's default rate. For
``auto`` every clip is probed (the media pass probes them anyway; the probes are shared) and
weighted by its seconds on the timeline.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Optional

from broll.assemble.editlist import ClipItem, EditList, OutputTarget
from broll.assemble.framerate import RateChoice, choose, label, over_maximum
from broll.templates.presets import Preset


def clip_coverage(edit: EditList, probe_clip: Callable[[str, tuple], object]) -> list[tuple[Fraction, Fraction]]:
    """(source rate, seconds on the timeline) for every clip that probes; others are skipped
    (the media pass reports them)."""
    out = []
    for index, entry in enumerate(edit.timeline):
        if not isinstance(entry, ClipItem):
            continue
        info = probe_clip(entry.clip, ("timeline", index, "clip"))
        if info is None or not getattr(info, "fps", None) or info.kind != "video":
            continue
        rate = Fraction(info.fps)
        start = entry.in_.resolve(rate) if entry.in_ is not None else Fraction(0)
        if entry.out is not None:
            end = entry.out.resolve(rate)
        elif entry.duration is not None:
            end = start + entry.duration.resolve(rate) * Fraction(str(entry.speed))
        else:
            end = info.duration
        seconds = (min(end, info.duration) - start) / Fraction(str(entry.speed))
        if seconds > 0:
            out.append((rate, seconds))
    return out


def output_rate(edit: EditList, index: int, target: OutputTarget, preset: Preset,
                probe_clip: Callable[[str, tuple], object],
                report: Callable[[tuple, str, Optional[str]], None]) -> tuple[Preset, RateChoice]:
    """The preset at this output's rate and why; an explicit rate over the platform maximum is
    reported (located at the ``fps`` that asked for it) and the maximum used instead."""
    requested = target.fps if target.fps is not None else edit.fps
    where = ("output", index, "fps") if target.fps is not None else ("fps",)
    coverage = clip_coverage(edit, probe_clip) if requested == "auto" else []
    choice = choose(requested, coverage=coverage, default=preset.rate, maximum=preset.max_rate, preset=preset.name)
    if requested not in (None, "auto") and over_maximum(choice.rate, preset.max_rate):
        report(where, f"{label(choice.rate)} fps is over the preset {preset.name}'s maximum of "
               f"{label(preset.max_rate)} fps", f"use fps: {label(preset.max_rate)} or lower, or fps: auto")
        choice = RateChoice(preset.max_rate, f"capped to the preset's maximum {label(preset.max_rate)}")
    return preset.at_rate(choice.rate), choice
