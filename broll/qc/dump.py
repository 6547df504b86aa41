"""Per-frame signals as CSV (``broll check --dump-signals``), to see why a finding fires.

Modelled on PySceneDetect's StatsManager: every number the detectors read, one row per frame,
so thresholds can be tuned on real footage in a spreadsheet rather than guessed. Grids are
summarised (each 4x4 flicker region's relative brightness shift and level; the 16x9 boil grid's
median and 90th percentile of texture-normalised residual and the median cell motion; of the
shimmer signals, the 90th percentile of uncompensated change, the median frame-difference
correlation and the median share failing the flow check).
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from pathlib import Path

import numpy as np

from broll.atomic import write_text
from broll.qc.signals import SCALAR_SIGNALS, Signals


def signal_rows(signals: Signals, texture_floor: float = 8.0) -> tuple[list[str], list[list[str]]]:
    """Header and rows (strings, 4 significant digits) of every per-frame signal."""
    n = signals.frames
    regions = signals.region_shift.shape[1] if n else 0
    header = ["frame", "time", *SCALAR_SIGNALS, *(k for k in signals.series if k not in SCALAR_SIGNALS)]
    header += [f"region_{name}_{r}" for name in ("shift", "luma", "occluded", "motion") for r in range(regions)]
    shimmer = [k for k in ("cell_change", "cell_dcorr", "cell_fail") if k in signals.cells]
    header += ["boil_resid_median", "boil_resid_p90", "cell_motion_median",
               *(f"shimmer_{k[5:]}_{'p90' if k == 'cell_change' else 'median'}" for k in shimmer), "scene_cut"]
    cuts = set(signals.scene_cuts)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # all-NaN rows: the first frame, flat cells
        norm = signals.cell_resid.astype(np.float64) / (signals.cell_texture.astype(np.float64) + texture_floor)
        boil_med = np.nanmedian(norm, axis=1) if n else np.zeros(0)
        boil_p90 = np.nanpercentile(norm, 90, axis=1) if n else np.zeros(0)
        motion_med = np.nanmedian(signals.cell_motion, axis=1) if n else np.zeros(0)
        extra = [np.nanpercentile(signals.cells[k], 90, axis=1) if k == "cell_change" else np.nanmedian(signals.cells[k], axis=1)
                 for k in shimmer] if n else []
    fmt = lambda v: "" if not np.isfinite(v) else f"{float(v):.4g}"  # noqa: E731
    rows = []
    for t in range(n):
        row = [str(t), f"{signals.times[t]:.4f}"]
        row += [fmt(signals.series[k][t]) for k in header[2:2 + len(signals.series)]]
        for grid in (signals.region_shift, signals.region_luma, signals.region_occluded, signals.region_motion):
            row += [fmt(v) for v in grid[t]]
        row += [fmt(boil_med[t]), fmt(boil_p90[t]), fmt(motion_med[t]), *(fmt(x[t]) for x in extra), "1" if t in cuts else ""]
        rows.append(row)
    return header, rows


def write_signals_csv(signals: Signals, path: str | os.PathLike) -> Path:
    """Write the signals table to ``path`` atomically (a crash leaves no half-written file)."""
    header, rows = signal_rows(signals)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, buf.getvalue())
    return target
