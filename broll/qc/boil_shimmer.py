"""Boil's second test: cells whose texture changes in a way no motion explains.

The first test (``detectors.detect_boil``) reads the motion-compensated residual divided by the
same frame's texture, and on real footage shimmer slips past it: the noise raises the texture it is
divided by, the flow check fails on the boiling cells, and DIS follows the noise so the cell reads
as moving. This test uses the signals of :mod:`broll.qc.shimmer` and needs none of that to hold.
A cell, as a rolling median over ``min_frames``, is shimmering when all of these hold:

- it changes by at least ``shimmer_change`` code values more than usual in its shot (its
  ``shimmer_usual`` percentile there: a patch boiling for a third of a shot whose other frames
  differ among themselves drags the median up to its own level; the
  motion-compensated residual, or where flow fails the uncompensated change; gain and offset
  removed either way, so flicker and fades do not count);
- motion explains little of that change: the compensated residual is at least
  ``shimmer_share`` of the uncompensated one (moving texture: far less);
- consecutive frame differences anti-correlate to ``shimmer_dcorr`` or below (about -0.5 when each
  frame brings new noise; a still cell reads about 0, an edge moving on positive);
- and either the compensated residuals anti-correlate too (``shimmer_corr``; content moving faster
  than its texture, which also makes frame differences anti-correlate, leaves a residual that
  flow follows and that persists), or the flow check fails on at least ``shimmer_lost_flow`` more of
  the cell than usual in its shot (shimmer breaks the check where the picture held still),
  or the frame's two compensated residuals (``cell_bicorr``: the next frame and the one before,
  both warped onto it) correlate at ``shimmer_bicorr`` or more while their common part
  (``cell_common``) is at least ``shimmer_common`` code values above its usual level in the shot:
  noise new in this frame sits at the same pixels in both whatever the camera does, where the
  consecutive-pair correlation above reads about 0 once the camera moves a few pixels a frame;
  both that common part and the change must also rise by ``shimmer_texture_share`` of the cell's
  texture (a hand-held camera over busy texture reads the same correlation and code values).

A third test, of its own, asks no rise of the change (in a hand-held shot whose other frames change
as much, the boil's level is the shot's usual level): motion explains little of the change, frame
differences anti-correlate, and this frame pair's compensated residual anti-correlates with the last
pair's warped onto this frame (``cell_chain``, between ``shimmer_chain_floor`` and ``shimmer_chain``)
while the part they share (``cell_chain_common``) rises ``shimmer_chain_common`` over its usual level.
Noise new every frame enters the two with opposite signs whatever the camera does; the warp's error
over clean texture, and texture the flow follows imperfectly, persist from pair to pair (positive).
"""

from __future__ import annotations

import warnings

import numpy as np

from broll.qc.signals import Signals


def shimmer_hot(sig: Signals, cfg: dict, segments: list[tuple[int, int]], excluded: np.ndarray,
                rolling_median) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames x cells: shimmering, as a rolling median over ``min_frames``; frame by frame
    without the median, changing ``shimmer_change`` over usual (where the detector extends an
    episode to: the median trims about half a window off each end); and shimmering by the chained
    test (:func:`_chained`, a test of its own: the detector asks it to cover ``min_area`` alone).

    ``segments``: shots (lo, hi) each cell's usual level is taken over; ``excluded``: frames that
    judge nothing (cuts, glitches, flashes); ``rolling_median``: the detector's own window median."""
    n = sig.frames
    cells = sig.cell_resid.shape[1] if sig.cell_resid.ndim == 2 else 0
    if not sig.cells or "cell_change" not in sig.cells or n == 0:
        return np.zeros((n, cells), bool), np.zeros((n, cells), bool), np.zeros((n, cells), bool)
    width = int(cfg["min_frames"])
    raw = sig.cells["cell_change"].astype(np.float64)
    warped = sig.cell_resid.astype(np.float64)
    change = np.where(np.isnan(warped), raw, warped)       # flow failed: nothing of it is explained
    change[excluded] = np.nan
    fail = np.nan_to_num(sig.cells["cell_fail"].astype(np.float64), nan=0.0)
    base = np.empty_like(change)
    fail_base = np.empty_like(fail)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for lo, hi in segments:
            base[lo:hi] = np.nanpercentile(change[lo:hi], cfg["shimmer_usual"], axis=0)
            fail_base[lo:hi] = np.median(fail[lo:hi], axis=0)
    base = np.nan_to_num(base, nan=np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = change / np.maximum(raw, 0.5)
    sustained = rolling_median(np.nan_to_num(change, nan=0.0), width)
    share = rolling_median(np.nan_to_num(share, nan=0.0), width)
    dcorr = rolling_median(np.nan_to_num(sig.cells["cell_dcorr"].astype(np.float64), nan=0.0), width)
    corr = rolling_median(np.nan_to_num(sig.cell_corr.astype(np.float64), nan=0.0), width)
    lost = rolling_median(fail, width) - fail_base
    slow = rolling_median(sig.cell_motion.astype(np.float64), width) < cfg["shimmer_max_motion"]
    unexplained = (corr <= cfg["shimmer_corr"]) | ((lost >= cfg["shimmer_lost_flow"]) & slow)
    unexplained |= _new_in_frame(sig, cfg, segments, excluded, rolling_median, sustained - base)
    hot = ((sustained >= base + cfg["shimmer_change"]) & (share >= cfg["shimmer_share"])
           & (dcorr <= cfg["shimmer_dcorr"]) & unexplained)
    # the chained test: a test of its own (it covers min_area alone), with no rise of the change
    chained = (share >= cfg["shimmer_share"]) & (dcorr <= cfg["shimmer_dcorr"])
    chained &= _chained(sig, cfg, segments, excluded, rolling_median, chained.any(axis=0))
    hot[excluded] = False
    chained[excluded] = False
    now = np.nan_to_num(change, nan=0.0) >= base + cfg["shimmer_change"]
    return hot, now, chained


def _usual_and_level(values: np.ndarray, cfg: dict, segments: list[tuple[int, int]], excluded: np.ndarray,
                     rolling_median) -> tuple[np.ndarray, np.ndarray]:
    """Frames x cells: each cell's usual level in its shot (the ``shimmer_usual`` percentile over the
    frames not ``excluded``; inf where unknown) and its rolling median level over ``min_frames``."""
    v = values.astype(np.float64)
    v[excluded] = np.nan
    base = np.empty_like(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for lo, hi in segments:
            base[lo:hi] = np.nanpercentile(v[lo:hi], cfg["shimmer_usual"], axis=0)
    return np.nan_to_num(base, nan=np.inf), rolling_median(np.nan_to_num(v, nan=0.0), int(cfg["min_frames"]))


def _new_in_frame(sig: Signals, cfg: dict, segments: list[tuple[int, int]], excluded: np.ndarray,
                  rolling_median, rise: np.ndarray) -> np.ndarray:
    """Frames x cells: both compensated residuals of the frame share new content (``cell_bicorr``
    at ``shimmer_bicorr`` or more) whose level (``cell_common``) is ``shimmer_common`` code values
    above the cell's usual in its shot; and both that common part and the cell's change (``rise``:
    its rise over its usual level) rise by at least ``shimmer_texture_share`` of the cell's texture
    (plus ``texture_floor``). Shimmer is large against the texture it sits on; a hand-held camera over
    busy texture changes it by as many code values, but by a small share of that texture.
    False everywhere for signals measured before they existed."""
    n = sig.frames
    cells = sig.cell_resid.shape[1] if sig.cell_resid.ndim == 2 else 0
    if "cell_bicorr" not in sig.cells or "cell_common" not in sig.cells:
        return np.zeros((n, cells), bool)
    width = int(cfg["min_frames"])
    base, level = _usual_and_level(sig.cells["cell_common"], cfg, segments, excluded, rolling_median)
    bicorr = rolling_median(np.nan_to_num(sig.cells["cell_bicorr"].astype(np.float64), nan=0.0), width)
    new = (bicorr >= cfg["shimmer_bicorr"]) & (level >= base + cfg["shimmer_common"])
    share = cfg["shimmer_texture_share"]
    if share > 0 and new.any():
        texture = rolling_median(np.nan_to_num(sig.cell_texture.astype(np.float64), nan=0.0), width)
        floor = share * (texture + cfg["texture_floor"])
        new &= (level - base >= floor) & (rise >= floor)
    return new



def _chained(sig: Signals, cfg: dict, segments: list[tuple[int, int]], excluded: np.ndarray,
             rolling_median, columns: np.ndarray) -> np.ndarray:
    """Frames x cells: this frame pair's compensated residual and the last pair's, warped onto this
    frame (``cell_chain``), anti-correlate between ``shimmer_chain_floor`` and ``shimmer_chain`` while
    the part they share (``cell_chain_common``) is ``shimmer_chain_common`` code values above its usual
    level in the shot. Noise new every frame enters the two with opposite signs (-0.5, or a little
    less where the warp smooths it); texture the flow follows imperfectly leaves errors that persist
    (0 or above). Below the floor the frame in the middle disagrees with both neighbours by more than
    new noise can: the flow misregisters it (a clean clip's busy texture), not shimmer.
    Only the cells in ``columns`` are read (the others are False: the other conditions never hold there).
    False everywhere for signals measured before they existed, or when ``shimmer_chain`` is below -1 (off)."""
    n = sig.frames
    cells = sig.cell_resid.shape[1] if sig.cell_resid.ndim == 2 else 0
    out = np.zeros((n, cells), bool)
    if cfg["shimmer_chain"] < -1 or "cell_chain" not in sig.cells or "cell_chain_common" not in sig.cells:
        return out
    if not columns.any():
        return out
    width = int(cfg["min_frames"])
    base, level = _usual_and_level(sig.cells["cell_chain_common"][:, columns], cfg, segments, excluded,
                                   rolling_median)
    chain = rolling_median(np.nan_to_num(sig.cells["cell_chain"][:, columns].astype(np.float64), nan=0.0), width)
    texture = rolling_median(np.nan_to_num(sig.cell_texture[:, columns].astype(np.float64), nan=0.0), width)
    rise = np.maximum(cfg["shimmer_chain_common"], cfg["shimmer_chain_share"] * (texture + cfg["texture_floor"]))
    out[:, columns] = ((chain <= cfg["shimmer_chain"]) & (chain >= cfg["shimmer_chain_floor"])
                       & (level >= base + rise))
    return out
