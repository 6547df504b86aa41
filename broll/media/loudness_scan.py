"""Measure a file's loudness (EBU R128) with FFmpeg's ``loudnorm`` analysis pass.

The first pass of two-pass loudness normalisation; its :class:`broll.loudness.Loudness`
feeds the second pass (:func:`broll.loudness.loudnorm_filter`).
"""

from __future__ import annotations

import os

from broll.errors import MediaError
from broll.loudness import Loudness, loudnorm_filter, parse_loudnorm
from broll.media.ffmpeg import run_ffmpeg


def scan_loudness(path: str | os.PathLike, *, integrated: float = -14.0, true_peak: float = -1.0,
                  lra: float = 11.0, audio_stream: int = 0) -> Loudness:
    """Loudness of ``path``'s audio stream (one decode of the audio only)."""
    stderr = run_ffmpeg(["-i", str(path), "-map", f"0:a:{audio_stream}", "-vn", "-sn", "-dn",
                         "-af", loudnorm_filter(integrated, true_peak, lra, None),
                         "-f", "null", "-"], what=f"measuring loudness of {os.path.basename(path)}",
                        loglevel="info")
    try:
        return parse_loudnorm(stderr)
    except (ValueError, KeyError):
        raise MediaError(f"{path}: FFmpeg reported no loudness figures (is there an audio stream?)") from None
