"""Loudness (EBU R128): the one measurement type, its parser and the second-pass filter.

Two-pass normalisation everywhere (build and export): pass 1 runs ``loudnorm`` with
``print_format=json`` and :func:`parse_loudnorm` reads its figures; pass 2 is
:func:`loudnorm_filter` with them, which lands on target linearly instead of by dynamic gain.
Pure: ``broll.media.loudness_scan`` and ``broll.assemble.render`` run the passes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Optional

SILENT_BELOW = -69.0           # LUFS: quieter than this, there is nothing to normalise


@dataclass(frozen=True)
class Loudness:
    """First-pass loudnorm measurements (EBU R128)."""
    integrated: float          # LUFS
    true_peak: float           # dBTP
    lra: float                 # LU
    threshold: float           # LUFS
    offset: float              # LU, the target offset loudnorm suggests

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated < SILENT_BELOW


def _number(value) -> float:
    text = str(value).strip()
    if text in ("-inf", "inf", "nan"):
        return -99.0
    try:
        return float(text)
    except ValueError:
        return -99.0


def parse_loudnorm(stderr: str) -> Loudness:
    """The JSON block loudnorm prints at the end of the first pass; ValueError when absent."""
    match = None
    for match in re.finditer(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S):
        pass
    if match is None:
        raise ValueError("loudnorm printed no measurements")
    data = json.loads(match.group(0))
    return Loudness(_number(data["input_i"]), _number(data["input_tp"]), _number(data["input_lra"]),
                    _number(data["input_thresh"]), _number(data["target_offset"]))


def _g(value: float) -> str:
    return f"{float(value):g}"


def loudnorm_filter(integrated: float, true_peak: float, lra: float, measured: Optional[Loudness]) -> str:
    """Pass 1 (``measured`` None: measure and print) or pass 2 (normalise with the figures)."""
    base = f"loudnorm=I={_g(integrated)}:TP={_g(true_peak)}:LRA={_g(lra)}"
    if measured is None:
        return base + ":print_format=json"
    gain = float(integrated) - measured.integrated
    if measured.true_peak + gain <= float(true_peak) - 0.1:
        # what linear loudnorm would do anyway, without its 192 kHz resample: a plain gain
        return f"volume={gain:.2f}dB"
    return (base + f":measured_I={measured.integrated:.2f}:measured_TP={measured.true_peak:.2f}"
            f":measured_LRA={measured.lra:.2f}:measured_thresh={measured.threshold:.2f}"
            f":offset={measured.offset:.2f}:linear=true:print_format=none")
