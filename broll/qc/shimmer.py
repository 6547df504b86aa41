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
- ``cell_bicorr``: per cell, the correlation of frame t-1's two motion-compensated residuals: frame t
  warped onto t-1 minus t-1, and frame t-2 warped onto t-1 minus t-1 (both on t-1's pixels, over
  the pixels whose flow check passes). Noise new every frame puts the same -n(t-1) into both:
  +0.5 *whatever the camera does* (the noise of t-1 sits at the same pixel in both). Moving real
  texture that the flow follows imperfectly leaves errors of opposite sign on the two sides (a
  flow that falls short forwards falls short backwards too): 0 or below. ``cell_corr`` (residuals
  of consecutive frame pairs, each on its own earlier frame) reads -0.5 for shimmer only while the
  picture holds still; under a camera moving a few pixels a frame the noise of t-1 sits at
  different pixels in the two and it reads about 0, like moving texture.
- ``cell_chain``, ``cell_chain_common`` (SIGNALS_VERSION 5): per cell, the correlation of this frame
  pair's compensated residual (the previous frame warped onto this one along the backward flow,
  minus this frame) with the last pair's, itself warped onto this frame along the same flow, over
  the pixels whose flow check passed in both pairs; and the signed square root of minus their
  covariance (code values, positive when they anti-correlate). The noise of the frame between sits
  in both at the same pixels with opposite signs, so shimmer reads about -0.45 whatever the camera
  does (-0.5 less the warp's smoothing); the warp's interpolation error over clean texture, and
  texture the flow follows imperfectly, persist from pair to pair (a clean pan: +0.8). ``cell_bicorr``
  is high on both (the sharp frame sits in both of its residuals), which is why it needs a texture
  gate. One more remap (two planes) and two area resizes of half-size planes per frame.
"""

from __future__ import annotations

import numpy as np

CELL_GRID = (16, 9)     # the boil grid of broll.qc.signals
CELL_SIGNALS = ("cell_change", "cell_dcorr", "cell_fail", "cell_bicorr", "cell_common", "cell_chain", "cell_chain_common")


class ShimmerMeter:
    """Keeps the previous frame difference; :meth:`add` appends one row to each of :data:`CELL_SIGNALS`."""

    def __init__(self):
        # no module held on the instance: `broll fix` deep-copies the meter's state as checkpoints
        self.rows: dict[str, list[np.ndarray]] = {k: [] for k in CELL_SIGNALS}
        self.prev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None    # last difference, its cell means, variances
        self.prev_stats: tuple[np.ndarray, np.ndarray] | None = None   # last frame's cell means and variances
        self.back_resid: np.ndarray | None = None   # the last frame minus its prediction from the one before
        self.back_valid: np.ndarray | None = None   # 1 where that prediction's flow check passed (on its pixels)

    def skip(self) -> None:
        """The first frame: nothing to compare with."""
        for k in CELL_SIGNALS:
            self.rows[k].append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))

    def add(self, prev_f: np.ndarray, cur: np.ndarray, valid: np.ndarray, *, warped: np.ndarray | None = None,
            back: np.ndarray | None = None, grid: np.ndarray | None = None) -> None:
        """``prev_f``: previous half-size luma (float32); ``cur``: this one (uint8); ``valid``: 1 where
        the flow check passes (float32); ``warped``: ``cur`` warped onto ``prev_f`` (uint8);
        ``back``: the flow from ``cur`` back to the previous frame; ``grid``: the pixel coordinates."""
        import cv2

        cur_f = cur.astype(np.float32)
        self._add_anchored(prev_f, cur_f, valid, warped, back, grid)
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

    def _add_anchored(self, prev_f: np.ndarray, cur_f: np.ndarray, valid: np.ndarray, warped: np.ndarray | None,
                      back: np.ndarray | None, grid: np.ndarray | None) -> None:
        """One row of ``cell_bicorr`` (for the previous frame); keeps this frame's backward residual."""
        import cv2

        cells = CELL_GRID[0] * CELL_GRID[1]
        if warped is None or back is None or grid is None:
            for k in ("cell_bicorr", "cell_common", "cell_chain", "cell_chain_common"):
                self.rows[k].append(np.full(cells, np.nan, np.float32))
            self.back_resid = self.back_valid = None
            return
        ahead = warped.astype(np.float32) - prev_f          # on the previous frame's pixels
        before = self.back_resid
        if before is not None and before.shape == ahead.shape:
            corr, cov, weight = _cell_correlation(ahead, before, valid)
            common = np.sign(cov) * np.sqrt(np.abs(cov))
            corr[weight < 0.5] = np.nan
            common[weight < 0.5] = np.nan
            self.rows["cell_bicorr"].append(corr.ravel().astype(np.float32))
            self.rows["cell_common"].append(common.ravel().astype(np.float32))
        else:
            for k in ("cell_bicorr", "cell_common"):
                self.rows[k].append(np.full(cells, np.nan, np.float32))
        # this frame predicted from the previous one (warped along the backward flow), minus itself:
        # the other side of the next call's pair
        to_prev = grid + back
        pred = cv2.remap(prev_f, to_prev, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        resid = pred - cur_f
        here = cv2.remap(valid, to_prev, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        self._add_chain(resid, here, to_prev)
        self.back_resid, self.back_valid = resid, here

    def _add_chain(self, resid: np.ndarray, here: np.ndarray, to_prev: np.ndarray) -> None:
        """One row of ``cell_chain``: this pair's residual against the last pair's, warped onto this frame."""
        import cv2

        cells = CELL_GRID[0] * CELL_GRID[1]
        old = self.back_resid
        if old is None or old.shape != resid.shape or self.back_valid is None:
            for k in ("cell_chain", "cell_chain_common"):
                self.rows[k].append(np.full(cells, np.nan, np.float32))
            return
        moved = cv2.remap(cv2.merge([old, self.back_valid]), to_prev, None, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        b_raw, w_old = moved[..., 0], moved[..., 1]
        corr, cov, weight = _cell_correlation(resid, b_raw, here * w_old)
        shared = np.sign(-cov) * np.sqrt(np.abs(cov))
        corr[weight < 0.5] = np.nan
        shared[weight < 0.5] = np.nan
        self.rows["cell_chain"].append(corr.ravel().astype(np.float32))
        self.rows["cell_chain_common"].append(shared.ravel().astype(np.float32))

    def finish(self) -> dict[str, np.ndarray]:
        cells = CELL_GRID[0] * CELL_GRID[1]
        return {k: (np.vstack(v).astype(np.float32) if v else np.zeros((0, cells), np.float32))
                for k, v in self.rows.items()}


def _cell_correlation(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell of ``CELL_GRID``: the ``w``-weighted correlation of two residual planes, their
    covariance, and the cell's mean weight (the two shimmer correlations read the same moments)."""
    import cv2

    a, b = x * w, y * w
    m = cv2.resize(cv2.merge([a, b, a * y, w]), CELL_GRID, interpolation=cv2.INTER_AREA)
    q = cv2.resize(cv2.merge([a * x, b * y]), CELL_GRID, interpolation=cv2.INTER_AREA)
    cw = np.maximum(m[..., 3], 1e-6)
    ea, eb, eab = m[..., 0] / cw, m[..., 1] / cw, m[..., 2] / cw
    va = np.maximum(q[..., 0] / cw - ea * ea, 0.0)
    vb = np.maximum(q[..., 1] / cw - eb * eb, 0.0)
    cov = eab - ea * eb
    corr = np.clip(cov / np.sqrt(np.maximum(va * vb, 1e-6)), -1.0, 1.0)
    return corr, cov, m[..., 3]
