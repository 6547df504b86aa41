"""Measure a file's loudness (EBU R128) with FFmpeg's ``loudnorm`` analysis pass.

The first pass of two-pass loudness normalisation: its figures feed the second pass
(``measured_I`` ...), so the result lands on target linearly instead of by dynamic gain.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass

from broll.errors import MediaError
from broll.media.ffmpeg import run_ffmpeg


@dataclass(frozen=True)
class LoudnessScan:
    integrated: float        # LUFS
    true_peak: float         # dBTP
    lra: float               # LU
    threshold: float         # LUFS
    offset: float            # LU, the target offset loudnorm suggests

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated < -69


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("-inf")


def scan_loudness(path: str | os.PathLike, *, integrated: float = -14.0, true_peak: float = -1.0,
                  lra: float = 11.0, audio_stream: int = 0) -> LoudnessScan:
    """Loudness of ``path``'s audio stream (one decode of the audio only)."""
    stderr = run_ffmpeg(["-i", str(path), "-map", f"0:a:{audio_stream}", "-vn", "-sn", "-dn",
                         "-af", f"loudnorm=I={integrated}:TP={true_peak}:LRA={lra}:print_format=json",
                         "-f", "null", "-"], what=f"measuring loudness of {os.path.basename(path)}",
                        loglevel="info")
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        raise MediaError(f"{path}: FFmpeg reported no loudness figures (is there an audio stream?)")
    data = json.loads(match.group(0))
    return LoudnessScan(_number(data.get("input_i")), _number(data.get("input_tp")),
                        _number(data.get("input_lra")), _number(data.get("input_thresh")),
                        _number(data.get("target_offset")))
