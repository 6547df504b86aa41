"""Frame-level QC of generated clips: flicker, flashes, freezes, black frames, cuts, jumps, boil, blur.

Stable API (the generation stage's QC gate and the build's ``qc:`` option call it)::

    from broll.qc import check
    report = check("clip.mp4", profile="default", cache_root=None)
    report.verdict            # "pass" | "review" | "regenerate"
    report.findings           # [Finding(kind, start_frame, end_frame, start, end, severity, value, threshold, message)]
    report.to_dict()          # the JSON shape `broll check --json` prints per clip

``profile`` is a built-in name (``default``, ``strict``, ``lenient``), a path to a YAML profile,
or a :class:`~broll.qc.profile.Profile`. With ``cache_root`` (a project folder) the report is
stored in ``.broll/project.db`` keyed by the clip's content hash and the profile's hash, so an
unchanged clip is never analysed twice. Frames are 0-based in decode order and ranges inclusive.

One decode pass at about 320x180 feeds every signal (:mod:`broll.qc.signals`); detectors are
pure functions of those signals (:mod:`broll.qc.detectors`, table ``DETECTORS``); verdict rules
and JSON live in :mod:`broll.qc.report`; the contact sheet in :mod:`broll.qc.sheet`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

from broll.errors import MediaError
from broll.qc.profile import Profile, builtin_names, load_profile
from broll.qc.report import VERDICTS, Finding, QCReport, verdict_for

__all__ = ["check", "analyse", "QCReport", "Finding", "Profile", "load_profile", "builtin_names", "VERDICTS",
           "QC_VERSION"]

# bump when signals or detectors change meaning, so cached reports are recomputed
QC_VERSION = "10"


def _facts(info) -> dict:
    return {"duration": round(float(info.duration), 4), "fps": round(float(info.fps), 4),
            "width": info.width, "height": info.height, "frames": info.frame_count, "codec": info.codec,
            "pix_fmt": info.pix_fmt, "bit_depth": info.bit_depth, "vfr": info.vfr,
            "audio": (f"{info.audio_codec} {info.audio_rate} Hz x{info.audio_channels}" if info.has_audio else None)}


def analyse(path: str | os.PathLike, profile: str | os.PathLike | Profile = "default", *,
            on_frame: Callable[[int], None] | None = None, keep_signals: bool = False,
            measure_hooks: dict | None = None):
    """Analyse without the cache. Returns the report, or (report, signals) with ``keep_signals``.

    ``measure_hooks`` (``resume``, ``before_add``) go to :func:`broll.qc.signals.measure`: a
    repair's re-check measures only what it changed (:mod:`broll.repair.recheck`)."""
    from broll.media.probe import probe
    from broll.qc.detectors import run_detectors
    from broll.qc.signals import measure

    prof = load_profile(profile)
    info = probe(path)
    if info.kind != "video" and not info.animated:      # an animated GIF/WebP is a generator's clip too
        raise MediaError(f"{path}: not a video clip ({info.kind})", "broll check takes video files")
    cut = prof.section("cut")
    t0 = time.perf_counter()
    signals = measure(path, on_frame=on_frame, info=info, adaptive_threshold=cut["adaptive_threshold"],
                      min_content_val=cut["min_content_val"], **(measure_hooks or {}))
    if signals.frames == 0:
        raise MediaError(f"{path}: no video frame could be decoded", "the file is empty or damaged: regenerate it")
    findings, metrics = run_detectors(signals, prof, info)
    from broll.qc.retimed import excuse_retimed        # a reel's repeated/interpolated frames (issue 20)
    findings = excuse_retimed(path, findings)
    metrics["analysed_frames"] = signals.frames
    metrics["seconds"] = round(time.perf_counter() - t0, 3)
    report = QCReport(path=str(path), verdict=verdict_for(findings), findings=findings, facts=_facts(info),
                      metrics=metrics, profile=prof.name)
    return (report, signals) if keep_signals else report


def check(path: str | os.PathLike, profile: str | os.PathLike | Profile = "default",
          cache_root: str | os.PathLike | None = None, *,
          on_frame: Callable[[int], None] | None = None, with_signals: bool = False,
          measure_hooks: dict | None = None):
    """QC one clip: a :class:`QCReport` with a verdict and findings (cached when ``cache_root`` is given).

    ``with_signals`` returns ``(report, signals)`` for a contact sheet; signals are never cached,
    so the clip is analysed (and the cache refreshed). ``measure_hooks``: see :func:`analyse`
    (a cached report is returned without them being called).
    """
    prof = load_profile(profile)
    if cache_root is None:
        return analyse(path, prof, on_frame=on_frame, keep_signals=with_signals, measure_hooks=measure_hooks)
    from broll.hashing import file_sha256
    from broll.qc import cache

    if not Path(path).is_file():
        raise MediaError(f"{path}: file not found", "check the path")
    clip_hash = file_sha256(path)
    if not with_signals:
        hit = cache.load(cache_root, clip_hash, prof.digest, QC_VERSION)
        if hit is not None:
            hit["path"] = str(path)
            return QCReport.from_dict(hit, cached=True)
    report, signals = analyse(path, prof, on_frame=on_frame, keep_signals=True, measure_hooks=measure_hooks)
    cache.store(cache_root, clip_hash, prof.digest, QC_VERSION, json.dumps(report.to_dict()), report.verdict)
    return (report, signals) if with_signals else report
