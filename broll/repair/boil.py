"""Boil repair: a temporal average limited to the cells and frames that shimmer.

Boil is texture that changes every frame where little moves, so averaging each pixel over a few
frames (5 here, each warped onto the frame being repaired with optical flow so a slow drift or
zoom does not smear; frames outside the boiling span, which carry none, weigh 3x) removes it, provided it is confined to the shimmering cells. Those are found again on a small copy: per cell of a 16x9 grid, the temporal high-pass
|Y_t - (Y_t-1 + Y_t+1)/2| inside the QC span against the same cell in the context frames either
side; cells at least twice as busy (and 1 code value above), whose consecutive high-passes
anti-correlate as fresh noise does (a moving subject's do not), are candidates. QC's span is first
widened to the frames around it where those cells still shimmer (:func:`boiling_span`): it can
cover part of the boil only, and a boiling frame taken as clean context defeats both the
candidate test and the average. A candidate is kept
only where the aligned average changes the boiling frames at least twice as much as it changes the
clean frames around them (otherwise it would blur moving detail, e.g. a zoom into fine texture, as
much as it removes shimmer); kept cells are feathered and only they are averaged.

An average of N boiling frames still keeps 1/N of the shimmer's power, while the clean frames just
outside the span carry none; so a second pass (:func:`_bridge`) warps those onto each boiling frame
and keeps them wherever the two sides agree. On the benchmark's moderate boil (delivered at CRF 8)
that brought the injected patch from about 4 dB to 1-3 dB below the clean encode on photographs.

Both passes predict the frame from others, and where the content changes in ways no warp follows
(generated clips' detail that moves or morphs) the prediction drops the frame's own detail with the
shimmer. A third pass (:func:`_restore`) gives back the luma detail of the residual (frame -
prediction) that stands above the shimmer's measured spatial spectrum: the shimmer is band-limited
and even over the patch, the prediction's error local (:mod:`broll.repair.residual_wiener`). The
bridge predicts from frames up to half the span away; a fourth pass (:func:`_chain`) estimates each
frame recursively from its neighbour's estimate one frame away, forwards and backwards, and mixes that
in: the residual filter alone could not tell what the bridge got wrong from shimmer.

What really moves is never averaged (:func:`cell_motion`): a cell whose flow, apart from the
picture's median flow, is 0.9 px/frame or more over the span is not boil, and within the average's
reach of a frame where it moves 1.5 or more it is left alone in that frame (a subject crossing the
boil). A 4:2:0 clip is repaired in its own planes (:class:`RepairWindow`): Y at full size, U and V at
half, no BGR round trip; flows are measured once per pair and shared by every test and pass.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from broll.repair.residual_wiener import ResidualWiener
from broll.repair.window_warp import SHARP_INTERP, BoxWarper, RepairWindow, WindowFlows

GRID = (16, 9)
RADIUS = 2              # a 5-frame first pass: the bridge (second pass) replaces most of it and the third gives back the
                        # detail it blurs; 7 frames (before session 12) did no better with the third pass (tuning cases,
                        # -0.14 to +0.02 dB against 5) at 1.5x the warps; 11 gained nothing (synthetic CRF 8) at 1.6x
CLEAN_WEIGHT = 3.0     # a context frame outside the boiling span carries no shimmer: trust it more
BRIDGE_FRAMES = 1      # clean frames each side of the span warped onto a boiling frame (bicubic): the nearest one does
                       # about as well as two (synthetic CRF 8 median +2.19 against +2.22) at half the warps and flows
BRIDGE_AGREE = 10.0    # code values: where the warped clean frames either side differ by more, trust the average
WORTH_RATIO = 1.5      # the average must change boiling frames this many times more than clean ones
MAX_HP_CORR = -0.5     # shimmer's consecutive high-passes correlate at -2/3, a moving subject's at -0.5 to 0
GROW = 12              # frames QC's span may be widened by on each side, to where the shimmer really starts and ends
WEAK_RATIO = 1.5       # a cell next to boiling ones joins them at this energy ratio ...
WEAK_HP_CORR = -0.5    # ... with the same anti-correlation (at -0.3 a moving subject beside the boil joined: SAM 2)
GROW_LEVEL = 0.6       # a frame boils when its cells' energy is this far from the clean level to the span's
MAX_MOTION = 0.9       # px/frame at the analysis size, a cell's flow apart from the picture's median flow: boil
                       # cells read 0.06-0.55 (a pan or zoom under them included), SAM 2's moving dog 1.2-6.3
FRAME_MOTION = 1.5     # px/frame, per frame and cell within FRAME_REACH frames: a subject crossing a boiling cell
                       # for part of the span (one frame's flow is noisier than the span's median: at 0.9 MMAudio's
                       # boil cells were dropped on spikes, -0.3 to -0.5 dB; at 1.5 or 2.0 nothing but SAM 2 moved)
FRAME_REACH = RADIUS   # the average reaches this many frames either side
CHAIN_WEIGHT = 0.5     # the recursive estimate's share of the final luma (:func:`_chain`): 0.35 to 0.67 alike within
                       # 0.02 dB on the tuning cases (real median); alone (1.0) it lost 0.1-0.4 dB where the bridge fits
SPECTRUM_PAIRS = 6     # aligned frame pairs inside the span (and as many around it) the shimmer's spectrum is read from


def _cell_energy(lumas: list[np.ndarray]) -> np.ndarray:
    import cv2

    out = np.zeros((len(lumas), GRID[1], GRID[0]))
    for t in range(1, len(lumas) - 1):
        hp = np.abs(lumas[t].astype(np.float32) - 0.5 * (lumas[t - 1].astype(np.float32) + lumas[t + 1]))
        out[t] = cv2.resize(hp, GRID, interpolation=cv2.INTER_AREA)
    out[0], out[-1] = out[min(1, len(lumas) - 1)], out[max(0, len(lumas) - 2)]
    return out


def _cell_hp_corr(lumas: list[np.ndarray], start: int, end: int) -> np.ndarray:
    """Per cell, the median over [start, end] of the correlation of consecutive temporal high-passes.

    Fresh noise every frame gives hp_t = n_t - (n_t-1 + n_t+1)/2, whose consecutive values correlate
    at -2/3; a moving subject's high-pass changes smoothly from frame to frame (it correlates at 0 or
    above), so this tells shimmer from motion without any flow (QC's boil gate rests on the same
    anti-correlation)."""
    gw, gh = GRID
    hps = []
    for t in range(max(1, start), min(len(lumas) - 1, end + 1)):
        hp = lumas[t].astype(np.float32) - 0.5 * (lumas[t - 1].astype(np.float32) + lumas[t + 1])
        h, w = hp.shape
        hps.append(hp[:h - h % gh, :w - w % gw].reshape(gh, h // gh, gw, w // gw).transpose(0, 2, 1, 3)
                   .reshape(gh, gw, -1))
    if len(hps) < 2:
        return np.full((gh, gw), -1.0)
    corr = []
    for a, b in zip(hps[:-1], hps[1:]):
        a, b = a - a.mean(axis=2, keepdims=True), b - b.mean(axis=2, keepdims=True)
        corr.append((a * b).sum(axis=2) / np.sqrt((a * a).sum(axis=2) * (b * b).sum(axis=2) + 1e-6))
    return np.median(corr, axis=0)


def boil_mask(lumas: list[np.ndarray], start: int, end: int, moving: np.ndarray | None = None) -> np.ndarray:
    """Cells (9x16 bool) that shimmer inside [start, end] compared with the frames around it, and
    whose high-pass is new every frame (anti-correlated frame to frame: not a moving subject), and
    that are not ``moving`` (:func:`moving_cells`)."""
    e = _cell_energy(lumas)
    inside = e[start:end + 1].mean(axis=0)
    outside_idx = [t for t in range(len(lumas)) if t < start or t > end]
    if len(outside_idx) >= 3:
        base = np.median(e[outside_idx], axis=0)
    else:
        base = np.full_like(inside, float(np.median(inside)))
    corr = _cell_hp_corr(lumas, start, end)
    strong = (inside >= 2.0 * base) & (inside >= base + 1.0) & (corr <= MAX_HP_CORR)
    weak = (inside >= WEAK_RATIO * base) & (inside >= base + 0.5) & (corr <= WEAK_HP_CORR)
    if moving is not None:
        strong, weak = strong & ~moving, weak & ~moving
    return _grow(strong, weak)


def cell_motion(flows: WindowFlows, n: int) -> np.ndarray:
    """Per frame and cell (n x 9 x 16), how fast the content really moves, px/frame at the analysis
    size: the cell's flow apart from the picture's median flow (a pan or a slow zoom moves every cell
    alike), the larger of the frame's flow to the frame before and to the one after.

    A temporal average blurs what moves, even flow-aligned (the flow is smoothed, and boil is where
    little moves). The high-pass tests do not see it: a subject whose motion changes inside the span
    (SAM 2's dog speeds up) reads as much new energy as shimmer, and its high-passes anti-correlate
    as much (-0.5 to -0.6). Shimmer barely steers the flow (smoothed, on blurred luma): boil cells
    read 0.06-0.55 over the span (median) on the benchmark's clips, the dog 1.2-6.3. The flows are
    those the average uses next (frame t to t+1), so the measure costs little."""
    import cv2

    hs, ws = flows.shape
    scale = flows.small[0].shape[1] / ws           # field px -> analysis px
    step = np.zeros((max(0, n - 1), GRID[1], GRID[0]), np.float32)
    for t in range(n - 1):
        f = flows.get(t, t + 1)
        med = np.median(f.reshape(-1, 2), axis=0)
        mag = np.hypot(f[..., 0] - med[0], f[..., 1] - med[1]) * scale
        step[t] = cv2.resize(mag, GRID, interpolation=cv2.INTER_AREA)
    out = np.zeros((n, GRID[1], GRID[0]), np.float32)
    if n > 1:
        out[:-1] = step
        out[1:] = np.maximum(out[1:], step)
    return out


def moving_cells(motion: np.ndarray, start: int, end: int) -> np.ndarray:
    """Cells (9x16 bool) whose content moves over most of [start, end] (median ``MAX_MOTION`` or more):
    they are not boil, whatever their high-pass says."""
    return np.median(motion[start:end + 1], axis=0) >= MAX_MOTION


def moving_frames(motion: np.ndarray) -> np.ndarray:
    """Per frame and cell, content that moves within ``RADIUS`` frames: the average over frames
    t-RADIUS..t+RADIUS would smear it there (a subject crossing boiling cells for part of the span)."""
    fast = motion >= FRAME_MOTION
    out = fast.copy()
    for d in range(1, FRAME_REACH + 1):          # a running maximum over time (scipy's import alone cost 0.5 s)
        out[d:] |= fast[:-d]
        out[:-d] |= fast[d:]
    return out


def _grow(strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """``strong`` cells plus the ``weak`` ones connected to them (hysteresis, as Canny's edges): boil
    covers a region, and a cell over busy texture reads a lower ratio over its own busy baseline."""
    import cv2

    out = strong.copy()
    while True:
        near = cv2.dilate(out.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        add = near & weak & ~out
        if not add.any():
            return out
        out |= add


def boiling_span(lumas: list[np.ndarray], start: int, end: int, cells: np.ndarray,
                 moving: np.ndarray | None = None) -> tuple[int, int]:
    """QC's span widened (by up to ``GROW`` frames a side) over the neighbouring frames whose ``cells``
    still shimmer: QC's span can cover part of the boil only (its span is where the residual, judged
    shot by shot, crossed its threshold), and a boiling frame left out keeps all of its shimmer while
    the average trusts it as clean.

    A frame boils when the median high-pass energy of ``cells`` is at least ``GROW_LEVEL`` of the way
    from the clean level (the lower quartile over the window: at most a quarter of it may boil
    unseen) to the span's median. The frame just outside real boil reads about 0.4 of the way (its
    high-pass holds half of its neighbour's shimmer), so it is not taken. A side whose level does not
    fall back within ``GROW`` frames (or the window) is not widened: boil stops, motion ramps.
    """
    if not cells.any():
        return start, end
    energy = _cell_energy(lumas)[:, cells]
    if moving is not None:
        # a cell's frames where content moves through it do not count: motion is high-pass energy too
        # (SAM 2: the dog crossing two boiling cells after the boil widened the span by 7 clean frames)
        energy = np.where(moving[:, cells], np.nan, energy)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmedian(energy, axis=1)          # a moving subject's few cells do not lead
    if np.isnan(level).all():
        return start, end
    clean = float(np.nanpercentile(level, 25))
    inside = float(np.nanmedian(level[start:end + 1])) if not np.isnan(level[start:end + 1]).all() else clean
    level = np.nan_to_num(level, nan=-np.inf)          # a frame whose cells all move is not boiling
    if inside <= clean:
        return start, end
    cut = clean + GROW_LEVEL * (inside - clean)
    s, e = start, end
    while s - 1 >= 1 and level[s - 1] >= cut:
        s -= 1
    while e + 1 <= len(lumas) - 2 and level[e + 1] >= cut:
        e += 1
    # no clean edge within GROW frames (the level ramps, as a moving subject's does): that side stays
    return (s if s >= start - GROW and s > 1 else start), (e if e <= end + GROW and e < len(lumas) - 2 else end)


def _shimmer(lumas: list[np.ndarray], start: int, end: int, mask: np.ndarray) -> float:
    if not mask.any():
        return 0.0
    e = _cell_energy(lumas)
    return float(e[start:end + 1][:, mask].mean())


def _average(warper: BoxWarper, t: int, span: tuple[int, int] | None = None) -> list[np.ndarray]:
    """Flow-aligned weighted mean of frames t-RADIUS..t+RADIUS; frames outside ``span`` (clean) weigh more."""
    n = len(warper.win.frames)
    lo, hi = max(0, t - RADIUS), min(n - 1, t + RADIUS)
    import cv2

    acc = warper.here(t)
    total = 1.0
    for k in range(lo, hi + 1):
        if k != t:
            w = CLEAN_WEIGHT if span is not None and not span[0] <= k <= span[1] else 1.0
            for a, x in zip(acc, warper.warp(k, t)):
                cv2.addWeighted(a, 1.0, x, w, 0.0, dst=a, dtype=cv2.CV_32F)      # uint8 in, no float copy
            total += w
    return [a * np.float32(1.0 / total) for a in acc]


def _bridge(warper: BoxWarper, first: dict[int, list[np.ndarray]], masks: dict[int, np.ndarray | None],
            start: int, end: int) -> dict[int, list[np.ndarray]]:
    """Second pass: the clean frames either side of the span, warped onto each boiling frame.

    An average of boiling frames keeps 1/N of the shimmer's power (N = 5: about 7 dB); the clean
    frames around the span carry none. Each boiling frame's flow is measured from its first-pass
    result (less shimmer to steer it), the ``BRIDGE_FRAMES`` clean frames before and after are
    warped onto it and blended by distance in time; where the two sides disagree (an occlusion, motion
    the flow missed) the first pass stays. ``first`` is updated in place (and returned).
    """
    import cv2

    win = warper.win
    n = len(win.frames)
    before = [k for k in range(start - BRIDGE_FRAMES, start) if k >= 0]
    after = [k for k in range(end + 1, end + 1 + BRIDGE_FRAMES) if k < n]
    if not before or not after:
        return first
    for t in first:
        warper.flows.retarget(t, _assembled_luma(warper, t, first[t]))
    out = first            # each frame's first pass replaced by its bridge as it is made: one window of boxes held
    for t in first:
        m = masks[t]
        a = _mean([warper.warp(k, t, sharp=True) for k in before])
        b = _mean([warper.warp(k, t, sharp=True) for k in after])
        alpha = (t - (start - 1)) / (end + 1 - (start - 1))
        differ = cv2.GaussianBlur(np.abs(win.grey([a[0] - b[0]])), (0, 0), 2.0)
        trust = np.exp(-(differ / BRIDGE_AGREE) ** 2) * m
        res = []
        for cur, pa, pb, s in zip(first[t], a, b, warper.scales):
            tr = warper.at(trust, s)
            if tr.ndim < cur.ndim:
                tr = tr[..., None]
            res.append(cur + tr * ((1 - alpha) * pa + alpha * pb - cur))
        out[t] = res
    return out


def _shimmer_spectrum(warper: BoxWarper, masks: dict[int, np.ndarray | None], m_all: np.ndarray,
                      start: int, end: int, work: ResidualWiener) -> np.ndarray | None:
    """The luma shimmer's power spectrum per tile (:mod:`broll.repair.residual_wiener`): half of what
    consecutive aligned frames differ by inside the span, less what they differ by around it
    (alignment error, codec noise). ``SPECTRUM_PAIRS`` pairs a side: the spectrum is averaged over
    every tile of the patch, so a few frames make a steady estimate."""
    n = len(warper.win.frames)
    inside = [t for t in range(start + 1, end + 1) if masks.get(t) is not None and masks.get(t - 1) is not None]
    inside = inside[::max(1, len(inside) // SPECTRUM_PAIRS)][:SPECTRUM_PAIRS]
    around = ([t for t in range(max(1, start - SPECTRUM_PAIRS // 2), start)]
              + [t for t in range(end + 2, min(n, end + 2 + SPECTRUM_PAIRS // 2))])
    power = []
    for group in (inside, around):
        acc, count = 0.0, 0
        for t in group:
            m = masks[t] if start <= t <= end else m_all
            p, k = work.power(_lum(warper.here(t, planes=1)[0] - warper.warp(t - 1, t, planes=1)[0]), m)
            acc, count = acc + p, count + k
        if not count:
            return None
        power.append(acc / count)
    return np.maximum(power[0] - power[1], 0) / 2


def _restore(warper: BoxWarper, result: dict[int, list[np.ndarray]], masks: dict[int, np.ndarray | None],
             work: ResidualWiener, noise: np.ndarray) -> dict[int, list[np.ndarray]]:
    """Third pass: each frame's own luma detail that the prediction (first pass and bridge) missed,
    given back where it stands above the shimmer (:mod:`broll.repair.residual_wiener`). Chroma stays
    as predicted: it gained nothing measurable (tuning cases within 0.02 dB) for half again the work.
    ``result`` is updated in place (and returned)."""
    out = result           # replaced frame by frame, as in the bridge
    for t, planes in result.items():
        pred = planes[0]
        kept = work.detail(_lum(warper.here(t, planes=1)[0] - pred), noise)
        m = masks[t] > 0
        if pred.ndim == 3:          # BGR: the luma detail on every channel (chroma stays as predicted)
            kept, m = kept[..., None], m[..., None]
        out[t] = [np.where(m, pred + kept, pred)] + list(planes[1:])
    return out


def _chain(warper: BoxWarper, result: dict[int, list[np.ndarray]], masks: dict[int, np.ndarray | None],
           work: ResidualWiener, noise: np.ndarray, start: int, end: int) -> dict[int, list[np.ndarray]]:
    """Fourth pass: a recursive estimate of each boiling frame's luma, mixed into the result.

    The bridge predicts a frame from clean frames up to half the span away, and where the content
    changes in ways no warp follows that prediction is wrong by more than the shimmer (the residual
    filter cannot tell the two apart: given each tile's true spectra it gained at most 0.15 dB on the
    tuning cases). One frame away the content has barely changed: so from the clean frame before the
    span, each frame's estimate is the previous estimate warped onto it (bicubic) plus the part of
    its own residual that stands above the shimmer (:mod:`broll.repair.residual_wiener`), and the
    same backwards from the clean frame after; the two chains, averaged, carry other errors than the
    bridge's, and ``CHAIN_WEIGHT`` of their mean replaces the result's luma under the mask. The chains
    run at the residual filter's working size (a third of a 1080p box): what lies above that band
    stays as the result has it."""
    import cv2

    n = len(warper.win.frames)
    if start < 1 or end > n - 2:
        return result
    x0, y0, x1, y1 = warper.by_scale[1].box
    sw, sh = work.small
    sx, sy = (x1 - x0) / sw, (y1 - y0) / sh                 # box px per working px
    gx, gy = warper.by_scale[1].gain                        # plane px per flow-field px
    # the flow field sampled at each working pixel's centre, and the working grid the flow moves
    cx, cy = np.meshgrid(np.arange(sw, dtype=np.float32), np.arange(sh, dtype=np.float32))
    at = np.dstack([(x0 + (cx + 0.5) * sx) / gx - 0.5, (y0 + (cy + 0.5) * sy) / gy - 0.5]).astype(np.float32)
    grid, gain = np.dstack([cx, cy]), (float(gx / sx), float(gy / sy), 0.0, 0.0)

    def warp(k: int, t: int, x: np.ndarray) -> np.ndarray:
        """Estimate ``x`` of frame k (working size) moved onto frame t; the box's edge replicated
        beyond it (the mask is near zero there)."""
        f = cv2.remap(warper.flows.get(t, k), at, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return cv2.remap(x, cv2.add(cv2.multiply(f, gain), grid), None, SHARP_INTERP,
                         borderMode=cv2.BORDER_REPLICATE)

    frame: dict[int, np.ndarray] = {}

    def seen(t: int) -> np.ndarray:
        if t not in frame:
            frame[t] = work.down(_lum(warper.here(t)[0]))
        return frame[t]

    est: dict[int, np.ndarray] = {}
    for prev, order in ((start - 1, range(start, end + 1)), (end + 1, range(end, start - 1, -1))):
        x = seen(prev)
        for t in order:
            y = seen(t)
            if masks[t] is None:          # a subject moves through: the chain restarts from the frame as it is
                x = y
            else:
                pred = warp(prev, t, x)
                x = pred + work.filter(y - pred, noise)
            est[t] = est[t] + x if t in est else x
            prev = t
    out = {}
    for t, planes in result.items():
        p = planes[0]
        step = work.up(np.float32(0.5) * est[t] - work.down(_lum(p)))
        step *= masks[t] * np.float32(CHAIN_WEIGHT)
        out[t] = [p + (step if p.ndim == 2 else step[..., None])] + list(planes[1:])
    return out


def _lum(box: np.ndarray) -> np.ndarray:
    """A plane's box as luma-like values: the Y plane itself, or the mean of a BGR box's channels."""
    return box if box.ndim == 2 else box.mean(axis=2)


def _mean(warps: list[list[np.ndarray]]) -> list[np.ndarray]:
    import cv2

    out = []
    for ps in zip(*warps):
        acc = ps[0].astype(np.float32)
        for p in ps[1:]:
            cv2.addWeighted(acc, 1.0, p, 1.0, 0.0, dst=acc, dtype=cv2.CV_32F)
        out.append(acc * np.float32(1.0 / len(ps)))
    return out


def _assemble(warper: BoxWarper, t: int, values: list[np.ndarray]) -> np.ndarray:
    """Frame t with its box replaced by ``values`` (one float array per plane)."""
    f = warper.win.frames[t].copy()
    for p, v, s in zip(warper.win.planes(f), values, warper.scales):
        warper.by_scale[s].cut(p)[:] = np.clip(v + 0.5, 0, 255).astype(np.uint8)
    return f


def _assembled_luma(warper: BoxWarper, t: int, values: list[np.ndarray]) -> np.ndarray:
    """``win.luma(_assemble(warper, t, values))``: of a planar frame only the Y plane is put together
    (the analysis luma reads nothing else)."""
    win = warper.win
    if not win.planar:
        return win.luma(_assemble(warper, t, values))
    from broll.repair.measure import luma_y

    y = win.planes(win.frames[t])[0].copy()
    warper.by_scale[warper.scales[0]].cut(y)[:] = np.clip(values[0] + 0.5, 0, 255).astype(np.uint8)
    return luma_y(y)


def _worth_it(win: RepairWindow, flows: WindowFlows, cells: np.ndarray, start: int, end: int) -> np.ndarray:
    """Cells where the aligned average changes the boiling frames at least twice as much as it changes
    the clean frames around them: elsewhere it would blur moving detail as much as it removes shimmer."""
    import cv2

    warper = BoxWarper(win, flows, (0, 0, 0, 0), small=True)
    n = len(win.frames)
    ctx = [t for t in range(max(0, start - 4), start)] + [t for t in range(end + 1, min(n, end + 5))]
    inside = list(range(start, end + 1, max(1, (end - start + 1) // 8)))
    if not ctx:
        return cells

    def change(ts):
        acc = np.zeros((GRID[1], GRID[0]))
        for t in ts:
            d = np.abs(_average(warper, t)[0] - win.small(t).astype(np.float32)).mean(axis=2)
            acc += cv2.resize(d, GRID, interpolation=cv2.INTER_AREA)
        return acc / len(ts)

    return cells & (change(inside) >= WORTH_RATIO * change(ctx) + 0.5)


def _feathered(cells: np.ndarray, w: int, h: int,
               box: tuple[int, int, int, int] | None = None) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The cells as a soft mask over a w x h picture (feathered by a quarter of a cell), cut to the box
    it covers (corners even: the chroma planes' box is the same box at half size). The feathering is
    made at 1/8 size and upsampled over the box only: it is smooth, and a 1080p Gaussian of a quarter
    cell cost 0.3 s."""
    import cv2

    f = 8 if min(w, h) >= 8 * 4 * GRID[1] else 1
    ws, hs = max(1, int(round(w / f))), max(1, int(round(h / f)))
    soft = cv2.resize(cells.astype(np.float32), (ws, hs), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(soft, (0, 0), max(1.0, w / GRID[0] / 4) / f)
    if box is None:
        ys, xs = np.nonzero(soft > 0.01)
        x0, y0 = max(0, int(xs.min() * f) - f) & ~1, max(0, int(ys.min() * f) - f) & ~1
        x1, y1 = min(w, (int((xs.max() + 1) * f) + f + 1) & ~1), min(h, (int((ys.max() + 1) * f) + f + 1) & ~1)
    else:
        x0, y0, x1, y1 = box
    if f == 1:
        return (x0, y0, x1, y1), soft[y0:y1, x0:x1]
    # the small field's pixel centres sit at (i + 0.5) * f - 0.5 full pixels: a map over the box
    gx = (np.arange(x0, x1, dtype=np.float32) + 0.5) / f - 0.5
    gy = (np.arange(y0, y1, dtype=np.float32) + 0.5) / f - 0.5
    mx, my = np.meshgrid(gx, gy)
    m = cv2.remap(soft, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return (x0, y0, x1, y1), np.where(m > 0.01, m, 0).astype(np.float32)


class BoilRepair(NamedTuple):
    """New window frames, the masked share of the picture, shimmer before/after, the frames repaired."""

    frames: list[np.ndarray]
    area: float
    before: float
    after: float
    start: int
    end: int


def repair_boil(frames: list[np.ndarray], start: int, end: int, planar: bool = False) -> BoilRepair:
    """Repair the shimmer of QC's span [start, end] (window indices), widened to the boil's real extent.

    ``frames`` are BGR, or I420 with ``planar`` (then repaired in their own planes, returned as I420);
    a frame the repair does not change is returned as the same object."""
    win = RepairWindow(frames, planar)
    lumas = win.lumas
    flows = WindowFlows(lumas)
    motion = cell_motion(flows, len(frames))
    moving = moving_frames(motion)
    found = boil_mask(lumas, start, end, moving_cells(motion, start, end))
    if found.any():
        # widened before the worth test: that test takes the frames around the span as clean
        wider = boiling_span(lumas, start, end, found, moving)
        if wider != (start, end):
            start, end = wider
            found = boil_mask(lumas, start, end, moving_cells(motion, start, end))
    cells = _worth_it(win, flows, found, start, end) if found.any() else found
    if not cells.any():
        return BoilRepair(frames, 0.0, 0.0, 0.0, start, end)
    before = _shimmer(lumas, start, end, cells)
    w, h = win.size
    box, m_all = _feathered(cells, w, h)
    # per frame, the cells where nothing moves within the average's reach
    masks = {t: m_all if not (cells & moving[t]).any() else
             (_feathered(cells & ~moving[t], w, h, box)[1] if (cells & ~moving[t]).any() else None)
             for t in range(start, end + 1)}
    warper = BoxWarper(win, flows, box)
    first = {}
    for t in range(start, end + 1):
        m = masks[t]
        if m is None:
            continue
        cur = warper.here(t)
        avg = _average(warper, t, (start, end))
        res = []
        for c, a, s in zip(cur, avg, warper.scales):
            ms = warper.at(m, s)
            res.append(c + (ms if ms.ndim == c.ndim else ms[..., None]) * (a - c))
        first[t] = res
    result = _bridge(warper, first, masks, start, end)
    x0, y0, x1, y1 = box
    work = ResidualWiener(w, (y1 - y0, x1 - x0))
    noise = _shimmer_spectrum(warper, masks, m_all, start, end, work)
    if noise is not None and noise.any():
        result = _restore(warper, result, masks, work, noise)
        if CHAIN_WEIGHT > 0:
            result = _chain(warper, result, masks, work, noise, start, end)
    out = list(frames)
    for t in result:
        out[t] = _assemble(warper, t, result[t])
    after = _shimmer([win.luma(f) if start <= k <= end else lumas[k] for k, f in enumerate(out)], start, end, cells)
    return BoilRepair(out, float(cells.mean()), before, after, start, end)
