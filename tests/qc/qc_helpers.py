"""Helpers shared by the QC detector tests (imported as ``tests.qc.qc_helpers``)."""

from __future__ import annotations

import numpy as np

from broll.qc.signals import CELL_GRID, REGION_GRID, SCALAR_SIGNALS, Signals


def flat_signals(n: int, **series) -> Signals:
    """Signals of ``n`` frames: the given series, no flash or spike, every other scalar 1.0, grids 0."""
    base = {k: np.full(n, 1.0) for k in SCALAR_SIGNALS}
    base.update({k: np.zeros(n) for k in ("flash_lum", "flash_red", "spike_area", "spike_line", "spike_block", "spike_patch")})
    base.update({k: np.asarray(v, float) for k, v in series.items()})
    r, c = REGION_GRID[0] * REGION_GRID[1], CELL_GRID[0] * CELL_GRID[1]
    z = np.zeros((n, r), np.float32)
    zc = np.zeros((n, c), np.float32)
    return Signals(frames=n, fps=30.0, size=(320, 180), series=base, region_shift=z, region_luma=z,
                   region_occluded=z, region_motion=z, cell_resid=zc, cell_corr=zc, cell_motion=zc,
                   cell_texture=zc, scene_cuts=[], times=np.arange(n) / 30.0)
