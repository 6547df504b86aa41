"""Per-cell evidence of texture that changes in a way no motion explains (generative shimmer).

The boil detector's first signal (``cell_resid``) is a motion-compensated residual, and shimmer
defeats it three ways on real footage: the noise raises the texture it is normalised by, the flow
check fails on the boiling cells (no residual at all), and DIS follows the noise (2-6 px/frame where
the picture is still), so the cell reads as moving. These signals do not depend on the flow
succeeding; they are measured on the half-size luma planes and the flow check the meter already makes,
two area resizes and a few array operations per frame at about 160x90.

- ``cell_change``: per cell, the standard deviation of this frame that no gain + offset of the
  previous frame *as it was* (no motion compensation) explains: the cell's change, flicker and
  fades removed. Shimmer adds its own level here whatever the flow does; motion adds too.
- ``cell_dcorr``: per cell, the correlation of this frame difference with the previous one (-0.5
  when consecutive frames are unrelated: new noise every frame, or motion faster than the texture).
- ``cell_fail``: share of the cell failing the forward-backward flow check.
"""

from __future__ import annotations

import numpy as np

CELL_GRID = (16, 9)     # the boil grid of broll.qc.signals
CELL_SIGNALS = ("cell_change", "cell_dcorr", "cell_fail")


class ShimmerMeter:
    """Keeps the previous frame difference; :meth:`add` appends one row to each of :data:`CELL_SIGNALS`."""

    def __init__(self):
        # no module held on the instance: `broll fix` deep-copies the meter's state as checkpoints
        self.rows: dict[str, list[np.ndarray]] = {k: [] for k in CELL_SIGNALS}
        self.prev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None    # last difference, its cell means, variances
        self.prev_stats: tuple[np.ndarray, np.ndarray] | None = None   # last frame's cell means and variances

    def skip(self) -> None:
        """The first frame: nothing to compare with."""
        for k in CELL_SIGNALS:
            self.rows[k].append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))

    def add(self, prev_f: np.ndarray, cur: np.ndarray, valid: np.ndarray) -> None:
        """``prev_f``: previous half-size luma (float32); ``cur``: this one (uint8); ``valid``: 1 where
        the flow check passes (float32)."""
        import cv2

        cur_f = cur.astype(np.float32)
        d = cur_f - prev_f
        d0 = self.prev[0] if self.prev is not None and self.prev[0].shape == d.shape else d
        # the cell means of 7 planes in two area resizes (OpenCV's area filter takes at most 4 channels
        # unless the scale is a whole number)
        m = cv2.resize(cv2.merge([d, d * d, d * d0, 1.0 - valid]), CELL_GRID, interpolation=cv2.INTER_AREA)
        c = cv2.resize(cv2.merge([prev_f * cur_f, cur_f, cur_f * cur_f]), CELL_GRID, interpolation=cv2.INTER_AREA)
        ed, edd, edd0, fail = (m[..., i] for i in range(4))
        epq, eq, eqq = (c[..., i] for i in range(3))
        self.rows["cell_fail"].append(fail.ravel().astype(np.float32))
        # what no gain + offset of the previous frame explains (the same rule as cell_resid, unwarped)
        vq = np.maximum(eqq - eq * eq, 0.0)
        if self.prev_stats is None or self.prev_stats[0].shape != eq.shape:
            p = cv2.resize(cv2.merge([prev_f, prev_f * prev_f]), CELL_GRID, interpolation=cv2.INTER_AREA)
            self.prev_stats = (p[..., 0], np.maximum(p[..., 1] - p[..., 0] ** 2, 0.0))
        ep, vp = self.prev_stats
        cov = epq - ep * eq
        unexplained = np.where(vp > 4.0, vq - cov * cov / np.maximum(vp, 1e-6), vq)
        self.rows["cell_change"].append(np.sqrt(np.maximum(unexplained, 0.0)).ravel().astype(np.float32))
        self.prev_stats = (eq, vq)
        var = np.maximum(edd - ed * ed, 0.0)
        if d0 is not d:
            _, ed0, var0 = self.prev
            corr = (edd0 - ed * ed0) / np.sqrt(np.maximum(var * var0, 1e-6))
            self.rows["cell_dcorr"].append(np.clip(corr, -1.0, 1.0).ravel().astype(np.float32))
        else:
            self.rows["cell_dcorr"].append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))
        self.prev = (d, ed, var)

    def finish(self) -> dict[str, np.ndarray]:
        cells = CELL_GRID[0] * CELL_GRID[1]
        return {k: (np.vstack(v).astype(np.float32) if v else np.zeros((0, cells), np.float32))
                for k, v in self.rows.items()}
