"""Every per-frame measurement QC needs, computed in one decode pass at about 320x180.

:func:`measure` decodes the clip once (``broll.media.analysis_frames``) and feeds each small
frame to :class:`SignalMeter`, which keeps only the last three frames plus a few hundred
numbers per frame, so memory stays flat however long the clip is. Detectors then work on the
finished :class:`Signals` arrays without touching media again.

Signals at frame ``t`` compare it with frame ``t-1`` unless named otherwise (index 0 holds NaN
for those). Units are 8-bit code values unless noted.

- ``cells_changed``: share of the 16x9 grid whose mean luma moved more than 6 code values, or 4.7%
  of the cell's level in dark cells (at least 2): a cut moves most.
- ``luma``, ``luma_std``: mean and spatial standard deviation of Y (black / blank frames).
- ``mae``, ``mae2``, ``mae3``: mean |Y_t - Y_{t-k}| for k = 1, 2, 3 (freeze, glitch gating).
- ``bgr_mae``: VBench's temporal-flicker term, mean |BGR_t - BGR_{t-1}| over pixels and channels.
- ``ssim``: structural similarity of t-1 and t (160x90, Gaussian window).
- ``lap_var``: variance of the Laplacian of Y (sharpness; divide by ``luma_std``^2 for contrast).
- ``motion``, ``motion_top``: mean and top-5% DIS optical-flow magnitude in pixels at analysis size.
- ``occluded``: fraction failing the forward-backward flow consistency check (Ruder et al. 2016).
- ``warp_mae``: mean |Y_{t-1} - warp(Y_t)| over non-occluded pixels (Lai et al. warping error, L1).
  Flow and the signals derived from it (motion, occlusion, warp residuals) run at half the analysis size.
- ``region_shift``, ``region_luma``: 4x4 grid of signed mean warp residual (brightness change that
  motion does not explain) and of mean luma.
- ``cell_corr``: per cell, the correlation of this frame's motion-compensated residual with the
  previous frame's: about -0.5 for noise that is new every frame (generative shimmer), positive for
  texture that flow follows imperfectly (hair, foliage moving slowly).
- ``cell_resid``, ``cell_motion``, ``cell_texture``: 16x9 grid of the warped frame's standard deviation
  that no per-cell gain + offset of the previous frame explains (texture shimmer, brightness-normalised),
  the cell's mean flow magnitude, and the previous frame's standard deviation in the cell.
- ``flash_lum``, ``flash_red``: +1/-1 when a luminance (or saturated-red) transition over at least
  25% of the screen completes at this frame (BT.1702 / Harding counting), else 0.
- ``brng``, ``r103``: fraction of luma outside 16-235 and outside 5-246.
- ``spike_area``, ``spike_line``, ``spike_block``: pixels of frame t that differ from both t-1 and
  t+1 by more than ``SPIKE_LEVEL`` beyond what t-1 and t+1 differ (``min(|t-(t-1)|, |t-(t+1)|) -
  |(t+1)-(t-1)|``): their share of the frame, the largest share of one row or column they cover (a
  thin line), and the most of them in any 3x3-cell window of a 32x18 grid as a share of the frame
  (a small rectangle); ``spike_patch``: the largest connected piece of them, after a closing that
  bridges gaps of up to ``SPIKE_CLOSE`` px, as a share of the frame (a corrupt rectangle's blocks
  and what motion compensation takes out of it read as one solid patch, wherever it falls and
  whatever its shape; scattered pixels of a clean frame stay apart). NaN on the first and last frame.
- ``edges``, ``colourfulness``, ``noise``, ``entropy``: technical-quality terms for degenerate output:
  share of half-size pixels on an edge (Sobel L1 above ``EDGE_LEVEL``), Hasler-Suesstrunk
  colourfulness, Immerkaer's noise sigma estimate (code values), entropy of the luma histogram (bits).
  Measured on every ``QUALITY_EVERY``-th frame (NaN between): only their clip medians are used.
- ``region_occluded``, ``region_motion``: per 4x4 region, the share where the flow check fails and
  the mean flow magnitude (what motion can explain of a region's brightness change).
- ``scene_cuts``: frames PySceneDetect's AdaptiveDetector marks as the first of a new shot.
- ``cells``: per-cell evidence of texture that changes in a way no motion explains (raw frame
  difference, its frame-to-frame correlation, the share failing the flow check, the
  correlation and common part of a frame's two motion-compensated residuals, and the correlation and
  shared part of consecutive pairs' compensated residuals aligned on one frame),
  measured by :mod:`broll.qc.shimmer` for the boil detector.
"""

from __future__ import annotations

import math
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from broll.media.analysis_frames import AnalysisFrame, iter_analysis_frames
from broll.media.probe import MediaInfo, probe
from broll.qc.shimmer import ShimmerMeter

# bump whenever any measured value changes (decoding, analysis size, a formula); caches of signals
# (the accuracy benchmark's) are keyed by it
SIGNALS_VERSION = "5"

SCALAR_SIGNALS = ("cells_changed", "luma", "luma_std", "mae", "mae2", "mae3", "bgr_mae", "ssim", "lap_var", "motion",
                  "motion_top", "occluded", "warp_mae", "bright_shift", "flash_lum", "flash_red", "brng", "r103",
                  "spike_area", "spike_line", "spike_block", "spike_patch", "edges", "colourfulness", "noise", "entropy")
REGION_GRID = (4, 4)      # cols x rows for flicker tracks
CELL_GRID = (16, 9)       # cols x rows for boil and local motion
FLASH_GRID = (32, 18)
SPIKE_GRID = (32, 18)     # cells for the densest small patch of spike pixels
SPIKE_PREFILTER = (0.15, 0.0015)  # (line, patch) beyond which the spike is measured again with motion compensation
SPIKE_MIN_AREA = 0.0008   # below this share of the frame no line or patch can reach a detector threshold
SPIKE_LEVEL = 32          # code values a pixel must stand out from both neighbours while they agree
SPIKE_CLOSE = 5           # px (analysis size): gaps a closing bridges inside one artifact (its blocks, flow's holes)
QUALITY_EVERY = 3         # technical-quality terms are clip medians: every 3rd frame is plenty
EDGE_LEVEL = 48           # |Sobel x| + |Sobel y| at half analysis size that counts as structure

# BT.1702 / Harding in relative luminance (0..1) as WCAG 2.3.1 states it
FLASH_DELTA = 0.10        # a transition is a swing of at least this much ...
FLASH_DARKER = 0.80       # ... whose darker state is below this
FLASH_AREA = 0.25         # over more than this fraction of the screen
RED_RATIO = 0.80          # saturated red: R/(R+G+B) >= 0.8 ...
RED_DELTA = 20.0          # ... and a change of (R-G-B)*320 of more than 20


@dataclass
class Signals:
    """Per-frame series of one clip (numpy arrays of length ``frames``)."""

    frames: int
    fps: float
    size: tuple[int, int]                 # analysis size (w, h)
    series: dict[str, np.ndarray]
    region_shift: np.ndarray              # frames x 16
    region_luma: np.ndarray               # frames x 16: mean luma per region
    region_occluded: np.ndarray           # frames x 16: share failing the flow check per region
    region_motion: np.ndarray             # frames x 16: mean flow magnitude per region (px)
    cell_resid: np.ndarray                # frames x 144
    cell_corr: np.ndarray                 # frames x 144: correlation of this residual with the previous one
    cell_motion: np.ndarray               # frames x 144
    cell_texture: np.ndarray              # frames x 144: spatial std of the previous frame per cell
    scene_cuts: list[int]
    times: np.ndarray
    interlaced_frames: int = 0
    row_max: np.ndarray = field(default_factory=lambda: np.zeros(0))   # max luma per row over the clip
    col_max: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cells: dict[str, np.ndarray] = field(default_factory=dict)   # broll.qc.shimmer.CELL_SIGNALS, frames x 144

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]


def _srgb_to_linear_lut() -> np.ndarray:
    v = np.arange(256, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


class _TransitionCounter:
    """IRIS-style flash counting on a coarse grid.

    Each cell accumulates its change while the change keeps one direction; a cell "has swung"
    once that run reaches ``delta`` (with the darker end below ``darker``). A transition is
    counted the frame the swung area first exceeds ``area`` in one direction.
    """

    def __init__(self, delta: float, darker: float | None, area: float):
        self.delta, self.darker, self.area = delta, darker, area
        self.prev: np.ndarray | None = None
        self.acc: np.ndarray | None = None
        self.low: np.ndarray | None = None
        self.state = 0

    def update(self, value: np.ndarray, gate: np.ndarray | None = None) -> int:
        if self.prev is None:
            self.prev = value
            self.acc = np.zeros_like(value)
            self.low = value.copy()
            return 0
        d = value - self.prev
        same = np.sign(d) == np.sign(self.acc)
        self.acc = np.where(same | (self.acc == 0), self.acc + d, d)
        lower = np.minimum(value, self.prev)
        self.low = np.where(same, np.minimum(self.low, lower), lower)
        self.prev = value
        swung = np.abs(self.acc) >= self.delta
        if self.darker is not None:
            swung &= self.low < self.darker
        if gate is not None:
            swung &= gate
        # shares as count / cells: np.mean's float64 sum of 0/1 and its division, a tenth of the call cost
        up = np.count_nonzero(swung & (self.acc > 0)) / swung.size
        down = np.count_nonzero(swung & (self.acc < 0)) / swung.size
        event = 0
        if up > self.area and self.state != 1:
            self.state, event = 1, 1
        elif down > self.area and self.state != -1:
            self.state, event = -1, -1
        return event


class SignalMeter:
    """Consumes analysis frames one by one; :meth:`finish` returns the :class:`Signals`."""

    def __init__(self, fps: float, *, adaptive_threshold: float = 3.0, min_content_val: float = 15.0):
        import cv2
        from scenedetect import AdaptiveDetector, FrameTimecode

        from broll.qc import scene_distance

        scene_distance.install()      # the library's frame distance, same values, ~20x cheaper
        self.cv2 = cv2
        self.fps = fps or 25.0
        self.values: dict[str, list[float]] = {k: [] for k in SCALAR_SIGNALS}
        self.region_shift: list[np.ndarray] = []
        self.cell_resid: list[np.ndarray] = []
        self.cell_corr: list[np.ndarray] = []
        self.prev_resid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.cell_motion: list[np.ndarray] = []
        self.prev_cells: np.ndarray | None = None
        self.cell_texture: list[np.ndarray] = []
        self.region_luma: list[np.ndarray] = []
        self.region_occluded: list[np.ndarray] = []
        self.region_motion: list[np.ndarray] = []
        self.noise_kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
        self.times: list[float] = []
        self.history: list[np.ndarray] = []     # last three luma planes, newest last
        self.prev_bgr: np.ndarray | None = None
        self.prev_small: np.ndarray | None = None
        self.prev_terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None   # _ssim_terms of prev_small
        self.dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        self.lin = _srgb_to_linear_lut()
        self.lum_counter = _TransitionCounter(FLASH_DELTA, FLASH_DARKER, FLASH_AREA)
        self.red_counter = _TransitionCounter(RED_DELTA, None, FLASH_AREA)
        self.prev_red_sat: np.ndarray | None = None
        self.timecode = FrameTimecode
        self.detector = AdaptiveDetector(adaptive_threshold=adaptive_threshold, min_scene_len=1,
                                         min_content_val=min_content_val)
        self.scene_cuts: list[int] = []
        self.row_max: np.ndarray | None = None
        self.col_max: np.ndarray | None = None
        self.interlaced = 0
        self.grid_xy: np.ndarray | None = None
        self.full_xy: np.ndarray | None = None
        self.prev_bwd: np.ndarray | None = None     # flow from the previous frame back to the one before
        self.spike_kernel = np.ones((5, 5), np.uint8)
        self.close_kernel = np.ones((SPIKE_CLOSE, SPIKE_CLOSE), np.uint8)
        self.size = (0, 0)
        self.shimmer = ShimmerMeter()

    # -- helpers ---------------------------------------------------------------------------
    def _mae(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(self.cv2.mean(self.cv2.absdiff(a, b))[0])

    def _ssim_terms(self, small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One frame's share of SSIM: the float picture, its local mean and local mean square.

        Kept for the next frame, so each picture is blurred for these twice, not four times."""
        cv2 = self.cv2
        x = small.astype(np.float32)
        return x, cv2.GaussianBlur(x, (7, 7), 1.5), cv2.GaussianBlur(x * x, (7, 7), 1.5)

    def _ssim(self, a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray]) -> float:
        """SSIM of two frames from their :meth:`_ssim_terms`."""
        cv2 = self.cv2
        (x, mx, bxx), (y, my, byy) = a, b
        sxx = bxx - mx * mx
        syy = byy - my * my
        sxy = cv2.GaussianBlur(x * y, (7, 7), 1.5) - mx * my
        c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
        num = (2 * mx * my + c1) * (2 * sxy + c2)
        den = (mx * mx + my * my + c1) * (sxx + syy + c2)
        return float(cv2.mean(num / den)[0])

    def _flash(self, bgr: np.ndarray) -> tuple[int, int]:
        cv2 = self.cv2
        coarse = cv2.resize(bgr, (FLASH_GRID[0] * 2, FLASH_GRID[1] * 2), interpolation=cv2.INTER_AREA)
        lin = cv2.resize(self.lin[coarse], FLASH_GRID, interpolation=cv2.INTER_AREA)
        b, g, r = lin[..., 0], lin[..., 1], lin[..., 2]
        lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
        total = r + g + b + 1e-6
        red_sat = (r / total) >= RED_RATIO
        red_val = np.maximum(r - g - b, 0.0) * 320.0
        gate = red_sat if self.prev_red_sat is None else (red_sat | self.prev_red_sat)
        self.prev_red_sat = red_sat
        return self.lum_counter.update(lum), self.red_counter.update(red_val, gate)

    # -- per frame -------------------------------------------------------------------------
    def add(self, fr: AnalysisFrame) -> None:
        cv2 = self.cv2
        y, bgr = fr.luma, fr.bgr
        h, w = y.shape
        if self.grid_xy is None:
            self.size = (w, h)
            gx, gy = np.meshgrid(np.arange(w // 2, dtype=np.float32), np.arange(h // 2, dtype=np.float32))
            self.grid_xy = np.dstack([gx, gy])
            fx, fy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            self.full_xy = np.dstack([fx, fy])
            self.row_max = np.zeros(h, np.uint8)
            self.col_max = np.zeros(w, np.uint8)
        v = self.values
        t = len(self.times)
        self.times.append(fr.time)
        self.interlaced += fr.interlaced
        mean, std = cv2.meanStdDev(y)
        v["luma"].append(float(mean[0, 0]))
        v["luma_std"].append(float(std[0, 0]))
        lap = cv2.Laplacian(y, cv2.CV_16S, ksize=1)
        v["lap_var"].append(float(cv2.meanStdDev(lap)[1][0, 0] ** 2))
        n = y.size
        v["brng"].append(1.0 - cv2.countNonZero(cv2.inRange(y, 16, 235)) / n)
        v["r103"].append(1.0 - cv2.countNonZero(cv2.inRange(y, 5, 246)) / n)
        np.maximum(self.row_max, y.max(axis=1), out=self.row_max)
        np.maximum(self.col_max, y.max(axis=0), out=self.col_max)
        lum_ev, red_ev = self._flash(bgr)
        v["flash_lum"].append(float(lum_ev))
        v["flash_red"].append(float(red_ev))
        for cut in self.detector.process_frame(self.timecode(t, self.fps), bgr):
            self.scene_cuts.append(cut.frame_num)
        small = cv2.resize(y, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        terms = self._ssim_terms(small)     # float copy and SSIM blurs, reused by the next frame
        if t % QUALITY_EVERY == 0:
            self._quality(y, small, bgr)
        else:
            for key in ("edges", "colourfulness", "noise", "entropy"):
                v[key].append(math.nan)
        cl = cv2.resize(y, CELL_GRID, interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
        if self.prev_cells is not None:
            # 6 code values, but proportionally less in dark cells (Weber): a cut between two dark
            # pictures moves every cell by only a few codes
            limit = np.clip(0.047 * np.maximum(cl, self.prev_cells), 2.0, 6.0)
            v["cells_changed"].append(np.count_nonzero(np.abs(cl - self.prev_cells) > limit) / cl.size)
        else:
            v["cells_changed"].append(math.nan)
        self.prev_cells = cl
        self.region_luma.append(cv2.resize(y, REGION_GRID, interpolation=cv2.INTER_AREA).astype(np.float32).ravel())
        # the spike of frame t-1 (needs t-2 and t): filled in now, NaN for this frame until the next
        for key in ("spike_area", "spike_line", "spike_block", "spike_patch"):
            v[key].append(math.nan)
        if not self.history:
            for key in ("mae", "mae2", "mae3", "bgr_mae", "ssim", "motion", "motion_top", "occluded", "warp_mae", "bright_shift"):
                v[key].append(math.nan)
            self.region_occluded.append(np.zeros(REGION_GRID[0] * REGION_GRID[1], np.float32))
            self.region_motion.append(np.zeros(REGION_GRID[0] * REGION_GRID[1], np.float32))
            self.region_shift.append(np.zeros(REGION_GRID[0] * REGION_GRID[1], np.float32))
            self.cell_resid.append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))
            self.cell_corr.append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))
            self.cell_texture.append(np.zeros(CELL_GRID[0] * CELL_GRID[1], np.float32))
            self.cell_motion.append(np.zeros(CELL_GRID[0] * CELL_GRID[1], np.float32))
            self.shimmer.skip()
        else:
            prev = self.history[-1]
            v["mae"].append(self._mae(y, prev))
            v["mae2"].append(self._mae(y, self.history[-2]) if len(self.history) >= 2 else math.nan)
            v["mae3"].append(self._mae(y, self.history[-3]) if len(self.history) >= 3 else math.nan)
            b, g, r, _ = cv2.mean(cv2.absdiff(bgr, self.prev_bgr))
            v["bgr_mae"].append(((b + g) + r) / 3.0)     # np.mean of the three, in its order, without the call
            v["ssim"].append(self._ssim(self.prev_terms, terms))
            fwd, bwd = self._flow_signals(prev, y, self.prev_small, small, self.prev_terms[0])
            if len(self.history) >= 2 and self.prev_bwd is not None:
                self._spike(self.history[-2], prev, y, self.prev_bwd, fwd)
            self.prev_bwd = bwd
        self.history.append(y)
        if len(self.history) > 3:
            self.history.pop(0)
        self.prev_bgr = bgr
        self.prev_small = small
        self.prev_terms = terms

    def _spike(self, before: np.ndarray, mid: np.ndarray, after: np.ndarray, to_before: np.ndarray,
               to_after: np.ndarray) -> None:
        """Pixels of ``mid`` unlike both neighbours while the neighbours agree: a one-frame artifact.

        First without motion compensation (cheap, almost always nothing); when something stands out,
        again with both neighbours warped onto ``mid`` by optical flow (``to_before``/``to_after``, half
        size), so an object that moves fast between frames does not read as an artifact.
        """
        cv2 = self.cv2
        v = self.values
        mask = self._spike_mask(before, mid, after)
        line, block, area, patch = self._spike_shape(mask, screening=True)
        if line >= SPIKE_PREFILTER[0] or max(block, patch) >= SPIKE_PREFILTER[1]:
            h, w = mid.shape
            # only pixels already in the mask can stay in it: warp and test just the box that holds them,
            # widened by the outlier test's reach (every value in the box is what the whole frame gives)
            x, y, bw, bh = cv2.boundingRect(mask)
            reach = self.spike_kernel.shape[0] // 2
            box = (slice(max(0, y - reach), min(h, y + bh + reach)), slice(max(0, x - reach), min(w, x + bw + reach)))
            warp = lambda img, flow: cv2.remap(  # noqa: E731
                img, cv2.scaleAdd(_upsample2(cv2, flow, (w, h), box), 2.0, self.full_xy[box]),
                None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            kept = np.zeros_like(mask)
            kept[box] = cv2.min(mask[box], self._outlier_mask(warp(before, to_before), mid[box], warp(after, to_after)))
            line, block, area, patch = self._spike_shape(kept)
        v["spike_area"][-2], v["spike_line"][-2], v["spike_block"][-2] = area, line, block
        v["spike_patch"][-2] = patch

    def _spike_mask(self, before: np.ndarray, mid: np.ndarray, after: np.ndarray) -> np.ndarray:
        cv2 = self.cv2
        apart = cv2.min(cv2.absdiff(mid, before), cv2.absdiff(mid, after))
        spike = cv2.subtract(apart, cv2.absdiff(after, before))        # saturates at 0
        return cv2.compare(spike, SPIKE_LEVEL, cv2.CMP_GT)

    def _outlier_mask(self, before: np.ndarray, mid: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Pixels of ``mid`` brighter or darker by ``SPIKE_LEVEL`` than anything within 2 px in both
        (motion-compensated) neighbours: an edge that moved a little more than the flow says, or turned
        back (a swing at its widest), has its counterpart nearby; an extraneous line has none."""
        cv2 = self.cv2
        k = self.spike_kernel
        # the most within 2 px in either neighbour is the most within 2 px of their pixelwise maximum
        # (a flat dilation commutes with max, an erosion with min): one dilation and one erosion, not two each
        hi = cv2.dilate(cv2.max(before, after), k)
        lo = cv2.erode(cv2.min(before, after), k)
        out = cv2.max(cv2.subtract(mid, hi), cv2.subtract(lo, mid))
        return cv2.compare(out, SPIKE_LEVEL, cv2.CMP_GT)

    def _spike_shape(self, mask: np.ndarray, *, screening: bool = False) -> tuple[float, float, float, float]:
        """(row/column cover, densest patch share, area share, largest closed piece share) of a spike mask.

        ``screening``: the caller only asks whether :data:`SPIKE_PREFILTER` is reached and measures
        again if so; when the line or window share already reach it, the closed piece (the costly
        part) is not measured and reads ``inf``."""
        cv2 = self.cv2
        area = cv2.countNonZero(mask) / mask.size
        if area < SPIKE_MIN_AREA:
            return 0.0, 0.0, area, 0.0    # too few pixels to cover a third of a column or fill a patch
        m = mask.astype(np.float32) * (1.0 / 255.0)
        line = float(max(cv2.reduce(m, 1, cv2.REDUCE_AVG).max(), cv2.reduce(m, 0, cv2.REDUCE_AVG).max()))
        # the most spike pixels in any window of about a 10th of the height (3x3 cells of a 32x18
        # grid), as a share of the frame: a small rectangle, wherever it falls
        fine = cv2.resize(m, SPIKE_GRID, interpolation=cv2.INTER_AREA)
        window = cv2.boxFilter(fine, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
        block = float(window.max()) / (SPIKE_GRID[0] * SPIKE_GRID[1])
        if screening and (line >= SPIKE_PREFILTER[0] or block >= SPIKE_PREFILTER[1]):
            return line, block, area, math.inf
        # a 3x3-cell window holds only part of a rectangle that straddles cells (and of a portrait
        # frame's, whose cells are tall): the largest connected piece, its gaps closed, holds all of it
        # closing only the box around the pixels, widened past the closing's reach (2 x SPIKE_CLOSE // 2):
        # beyond that the closed mask is empty, and at the box's inner edges the closing's border (taken
        # as set by its erosion) meets pixels the dilation never reached, so the box gives the frame's bytes
        h, w = mask.shape
        x, y, bw, bh = cv2.boundingRect(mask)
        pad = 2 * (SPIKE_CLOSE // 2) + 1
        x0, y0 = max(0, x - pad), max(0, y - pad)
        closed = cv2.morphologyEx(mask[y0:min(h, y + bh + pad), x0:min(w, x + bw + pad)], cv2.MORPH_CLOSE,
                                  self.close_kernel)
        x, y, bw, bh = cv2.boundingRect(closed)     # labelling only the box that holds every piece: same areas
        # 16-bit labels when they cannot overflow (8-connected pieces are at least 2 px apart, so a box
        # holds at most one piece per 2x2 block): the same pieces and areas, the labelling about half
        # the cost of 32-bit labels
        ltype = cv2.CV_16U if ((bw + 1) // 2) * ((bh + 1) // 2) < 65535 else cv2.CV_32S
        count, _, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
            closed[y:y + bh, x:x + bw], 8, ltype, cv2.CCL_DEFAULT)
        patch = float(stats[1:, cv2.CC_STAT_AREA].max()) / mask.size if count > 1 else 0.0
        return line, block, area, patch

    def _quality(self, y: np.ndarray, small: np.ndarray, bgr: np.ndarray) -> None:
        """No-reference technical-quality terms (structure, colour, noise, entropy) of one frame."""
        cv2 = self.cv2
        v = self.values
        gx = cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3)
        gy = cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3)
        mag = cv2.add(cv2.convertScaleAbs(gx), cv2.convertScaleAbs(gy))
        v["edges"].append(cv2.countNonZero(cv2.compare(mag, EDGE_LEVEL, cv2.CMP_GT)) / mag.size)
        half = cv2.resize(bgr, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA).astype(np.float32)
        b, g, r = half[..., 0], half[..., 1], half[..., 2]
        rg = r - g
        yb = 0.5 * (r + g) - b
        v["colourfulness"].append(float(np.sqrt(rg.var() + yb.var()) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)))
        lap = cv2.filter2D(y, cv2.CV_32F, self.noise_kernel)
        v["noise"].append(float(np.sqrt(np.pi / 2.0) / 6.0 * cv2.mean(np.abs(lap))[0]))
        hist = cv2.calcHist([y], [0], None, [64], [0, 256]).ravel()
        p = hist[hist > 0] / hist.sum()
        v["entropy"].append(float(-(p * np.log2(p)).sum()))

    def _flow_signals(self, prev: np.ndarray, cur: np.ndarray, prev_small: np.ndarray, cur_small: np.ndarray,
                      prev_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # flow and everything derived from it run at half the analysis size (about 160x90): four
        # times less arithmetic per frame; motion is reported in analysis-size pixels (x2).
        # ``prev_f`` is ``prev_small`` as float32 (converted once, in _ssim_terms)
        cv2 = self.cv2
        v = self.values
        prev, cur = prev_small, cur_small
        h, w = prev.shape
        fwd = self.dis.calc(prev, cur, None)
        bwd = self.dis.calc(cur, prev, None)
        mapping = self.grid_xy + fwd
        warped = cv2.remap(cur, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bwd_at = cv2.remap(bwd, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # the same float32 arithmetic on contiguous x and y planes (strided channel views cost twice)
        fx, fy = cv2.split(fwd)
        bx, by = cv2.split(bwd_at)
        sx, sy = fx + bx, fy + by
        mag2 = fx * fx + fy * fy
        occluded = (sx * sx + sy * sy) > 0.01 * (mag2 + bx * bx + by * by) + 0.5
        inside = cv2.inRange(mapping, (0.0, 0.0), (float(w - 1), float(h - 1)))    # 255 where both in range
        occluded[inside == 0] = True
        valid = (~occluded).astype(np.float32)
        warped_f = warped.astype(np.float32)
        self.shimmer.add(prev_f, cur, valid, warped=warped, back=bwd, grid=self.grid_xy)
        resid = (warped_f - prev_f) * valid
        mag = np.sqrt(mag2) * 2.0
        v["motion"].append(float(mag.mean()))
        small_mag = cv2.resize(mag, (w // 2, h // 2), interpolation=cv2.INTER_AREA).ravel()
        k = max(1, small_mag.size // 20)
        v["motion_top"].append(float(np.partition(small_mag, -k)[-k:].mean()))
        frac_valid = float(valid.mean())
        v["occluded"].append(1.0 - frac_valid)
        v["warp_mae"].append(float(np.abs(resid).sum() / max(1.0, valid.sum())))
        # the frame's relative brightness change with each pixel weighted by its light above black:
        # the least-squares gain of (t - black) on (t-1 - black). Bright detail dominates, so a
        # gain flicker on a dark picture with a few bright things is seen; noise in black is not
        # (both sides blurred alike first: the warp's interpolation softens small bright points,
        # which would read as a dimming)
        soft_prev = cv2.GaussianBlur(prev_f, (0, 0), 1.2)
        soft_warp = cv2.GaussianBlur(warped_f, (0, 0), 1.2)
        lit = (soft_prev - 16.0) * valid
        den = float((lit * lit).sum())
        v["bright_shift"].append(float(((soft_warp - soft_prev) * valid * lit).sum()) / den if den > 0 else math.nan)
        # signed brightness change on a coarse grid, weighted by valid pixels
        # (one 3-channel area resize gives each plane's exact single-plane result, at a third of the cost)
        regions = cv2.resize(cv2.merge([valid, mag, resid]), REGION_GRID, interpolation=cv2.INTER_AREA)
        area = regions[..., 0] + 1e-6
        self.region_occluded.append((1.0 - area).ravel().astype(np.float32))
        self.region_motion.append(regions[..., 1].ravel().astype(np.float32))
        self.region_shift.append((regions[..., 2] / area).ravel())
        # per cell, what is left after the best gain + offset maps t-1 onto warped t: a fade, an
        # exposure change or flicker is a gain and vanishes; shimmer is uncorrelated and stays
        a = cv2.resize
        cw = a(valid, CELL_GRID, interpolation=cv2.INTER_AREA) + 1e-6
        p = prev_f * valid
        q = warped_f * valid
        ep = a(p, CELL_GRID, interpolation=cv2.INTER_AREA) / cw
        eq = a(q, CELL_GRID, interpolation=cv2.INTER_AREA) / cw
        epp = a(p * p, CELL_GRID, interpolation=cv2.INTER_AREA) / cw
        eqq = a(q * q, CELL_GRID, interpolation=cv2.INTER_AREA) / cw
        epq = a(p * q, CELL_GRID, interpolation=cv2.INTER_AREA) / cw
        vp = np.maximum(epp - ep * ep, 0.0)
        vq = np.maximum(eqq - eq * eq, 0.0)
        cov = epq - ep * eq
        unexplained = np.where(vp > 4.0, vq - cov * cov / np.maximum(vp, 1e-6), vq)
        sd = np.sqrt(np.maximum(unexplained, 0.0))
        sd[cw < 0.5] = np.nan
        self.cell_resid.append(sd.ravel().astype(np.float32))
        # shimmer is new noise every frame, so this residual (n_t - n_t-1) anti-correlates with the
        # last one (n_t-1 - n_t-2), about -0.5; real texture that flow follows imperfectly leaves a
        # residual that persists from frame to frame (positive correlation)
        r = resid
        er = a(r, CELL_GRID, interpolation=cv2.INTER_AREA)
        crr = a(r * r, CELL_GRID, interpolation=cv2.INTER_AREA) - er * er
        if self.prev_resid is not None and self.prev_resid[0].shape == r.shape:
            q0, eq0, cqq = self.prev_resid          # last frame's residual, its cell means and variances
            crq = a(r * q0, CELL_GRID, interpolation=cv2.INTER_AREA) - er * eq0
            corr = crq / np.sqrt(np.maximum(crr * cqq, 1e-6))
            self.cell_corr.append(np.clip(corr, -1.0, 1.0).ravel().astype(np.float32))
        else:
            self.cell_corr.append(np.full(CELL_GRID[0] * CELL_GRID[1], np.nan, np.float32))
        self.prev_resid = (r, er, crr)
        self.cell_texture.append(np.sqrt(vp).ravel().astype(np.float32))
        self.cell_motion.append(cv2.resize(mag, CELL_GRID, interpolation=cv2.INTER_AREA).ravel())
        return fwd, bwd

    def finish(self) -> Signals:
        n = len(self.times)
        cells = CELL_GRID[0] * CELL_GRID[1]
        stack = lambda rows, width: np.vstack(rows).astype(np.float32) if rows else np.zeros((0, width), np.float32)  # noqa: E731
        if n:
            from scenedetect import FrameTimecode
            for cut in self.detector.post_process(FrameTimecode(n - 1, self.fps)):
                self.scene_cuts.append(cut.frame_num)
        return Signals(
            frames=n, fps=self.fps, size=self.size,
            series={k: np.asarray(vals, dtype=np.float64) for k, vals in self.values.items()},
            region_shift=stack(self.region_shift, REGION_GRID[0] * REGION_GRID[1]),
            region_luma=stack(self.region_luma, REGION_GRID[0] * REGION_GRID[1]),
            region_occluded=stack(self.region_occluded, REGION_GRID[0] * REGION_GRID[1]),
            region_motion=stack(self.region_motion, REGION_GRID[0] * REGION_GRID[1]),
            cell_resid=stack(self.cell_resid, cells), cell_corr=stack(self.cell_corr, cells), cell_motion=stack(self.cell_motion, cells),
            cell_texture=stack(self.cell_texture, cells),
            scene_cuts=sorted(set(c for c in self.scene_cuts if 0 < c < n)),
            times=np.asarray(self.times, dtype=np.float64), interlaced_frames=self.interlaced,
            row_max=self.row_max if self.row_max is not None else np.zeros(0),
            col_max=self.col_max if self.col_max is not None else np.zeros(0),
            cells=self.shimmer.finish(),
        )


def _upsample2(cv2, flow: np.ndarray, size: tuple[int, int], box: tuple[slice, slice]) -> np.ndarray:
    """``cv2.resize(flow, size, interpolation=INTER_LINEAR)[box]``, upsampling only the part the box needs.

    Each output pixel of a 2x linear upsampling mixes the two nearest source pixels per axis with
    weights fixed by its position, so the source rectangle under the box, one pixel wider on each
    side (where the picture has one), upsampled alone gives the box's values (bytes checked against
    the whole-frame resize). The spike test's box is often a fraction of the frame."""
    (ys, xs), (h, w) = box, flow.shape[:2]
    if size != (2 * w, 2 * h):
        return cv2.resize(flow, size, interpolation=cv2.INTER_LINEAR)[box]
    sy0, sy1 = max(0, ys.start // 2 - 1), min(h, (ys.stop + 1) // 2 + 1)
    sx0, sx1 = max(0, xs.start // 2 - 1), min(w, (xs.stop + 1) // 2 + 1)
    part = cv2.resize(flow[sy0:sy1, sx0:sx1], (2 * (sx1 - sx0), 2 * (sy1 - sy0)), interpolation=cv2.INTER_LINEAR)
    return part[ys.start - 2 * sy0:ys.stop - 2 * sy0, xs.start - 2 * sx0:xs.stop - 2 * sx0]


def measure(path: str | os.PathLike, *, on_frame: Callable[[int], None] | None = None,
            info: MediaInfo | None = None, adaptive_threshold: float = 3.0,
            min_content_val: float = 15.0, resume: tuple[SignalMeter, int] | None = None,
            before_add: Callable[[SignalMeter, AnalysisFrame], None] | None = None,
            replay: tuple[list[AnalysisFrame], float] | None = None) -> Signals:
    """Decode ``path`` once and return every per-frame signal. ``on_frame(i)`` reports progress.

    ``adaptive_threshold`` and ``min_content_val`` configure PySceneDetect's AdaptiveDetector,
    which sees the same decoded frames as every other signal.

    Hooks for a repair's re-check (:mod:`broll.repair.recheck`): ``before_add(meter, frame)`` runs
    before each frame is measured (to keep checkpoints of the meter, and frames); ``resume=(meter, k)``
    continues a meter that measured frames ``0..k-1`` of a file whose first ``k`` frames decode
    exactly as this one's do (copied packets): those frames are decoded but not measured again.
    With ``replay=(frames, t)`` (frames ``k..j-1`` as that pass decoded them, compacted, and the time
    of frame ``j``) they are measured from memory and the file is decoded from ``t`` on (a seek):
    nothing before frame ``j`` is decoded. When the frame the seek reaches is not frame ``j`` at
    ``t`` (a stream whose timestamps do not give its frame numbers), the file is decoded whole.
    """
    info = info or probe(path)
    # the decoder starts first, so the first frames decode while the meter is set up (PySceneDetect's
    # import, ~0.2 s, would otherwise keep a core idle at the start of every check)
    with _one_opencv_thread():
        first = resume[1] if resume is not None else 0
        resumed = _resumed(path, info, first, replay) if resume is not None and replay is not None else None
        frames, decoder = resumed if resumed is not None else (None, _Prefetch(iter_analysis_frames(path)))
        try:
            meter = resume[0] if resume is not None else \
                SignalMeter(float(info.fps or 25), adaptive_threshold=adaptive_threshold, min_content_val=min_content_val)
            for fr in frames if frames is not None else decoder:
                if fr.index < first:
                    continue
                if before_add is not None:
                    before_add(meter, fr)
                meter.add(fr)
                if on_frame is not None:
                    on_frame(fr.index + 1)
        finally:
            decoder.close()
    return meter.finish()


def _resumed(path, info: MediaInfo, first: int, replay: tuple[list[AnalysisFrame], float]):
    """Frames ``first..`` of ``path`` (the replayed ones rebuilt from memory, then the file's from a
    seek) and the decoder to close; None when the seek does not reach the frame after them (then
    decode the whole file)."""
    from itertools import chain

    from broll.media.analysis_frames import rebuilt

    kept, t = replay
    if [fr.index for fr in kept] != list(range(first, first + len(kept))):
        return None
    decoder = _Prefetch(iter_analysis_frames(path, start=t))
    decoded = iter(decoder)
    head = next(decoded, None)
    if head is None or head.index != first + len(kept) or head.time != t:
        decoder.close()
        return None
    return chain(rebuilt(path, kept, info), [head], decoded), decoder


@contextmanager
def _one_opencv_thread():
    """Run OpenCV without its thread pool while a clip is measured, then restore the pool.

    Every OpenCV call here works on a ~320x180 picture: splitting it over the pool saves little, and
    the pool's workers spin waiting for the next small job, burning CPU the decoder (already a second
    thread beside the measurement) could use. Same results either way; the setting is process-wide,
    so overlapping measurements (a generation batch checks takes in threads) share one count and
    the last one out restores the pool."""
    import cv2

    global _measuring, _pool_before
    with _pool_lock:
        if _measuring == 0:
            _pool_before = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _measuring += 1
    try:
        yield
    finally:
        with _pool_lock:
            _measuring -= 1
            if _measuring == 0:
                cv2.setNumThreads(_pool_before)


_pool_lock = threading.Lock()
_measuring = 0
_pool_before = 0


class _Prefetch:
    """Decode in a background thread while the caller measures: libavcodec and OpenCV release the
    GIL, so decoding the next frames overlaps the measurement of this one. The thread starts at
    construction; iterate to get the frames (errors re-raise there), and :meth:`close` when done."""

    def __init__(self, frames, depth: int = 6):
        import queue

        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.done = object()
        self.stop = threading.Event()
        self.worker = threading.Thread(target=self._produce, args=(frames,), name="broll-qc-decode", daemon=True)
        self.worker.start()

    def _produce(self, frames) -> None:
        import queue

        q = self.queue
        try:
            for fr in frames:
                while not self.stop.is_set():
                    try:
                        q.put(fr, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
            q.put(self.done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    def __iter__(self):
        while True:
            item = self.queue.get()
            if item is self.done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self.stop.set()
        self.worker.join(timeout=5)
