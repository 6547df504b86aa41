"""Boil repair: a temporal average limited to the cells and frames that shimmer.

Boil is texture that changes every frame where little moves, so averaging each pixel over a few
frames (7 here, each warped onto the frame being repaired with optical flow so a slow drift or
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
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from broll.repair.measure import small_luma

GRID = (16, 9)
RADIUS = 3              # a 7-frame first pass: the bridge (second pass) replaces most of it; 11 frames gained nothing (synthetic CRF 8) at 1.6x the warps
CLEAN_WEIGHT = 3.0     # a context frame outside the boiling span carries no shimmer: trust it more
FLOW_SMOOTH = 6.0      # px at 320 px: Gaussian smoothing of the flow field (boil is where little moves)
BRIDGE_FRAMES = 2      # clean frames each side of the span warped onto a boiling frame
BRIDGE_AGREE = 10.0    # code values: where the warped clean frames either side differ by more, trust the average
WORTH_RATIO = 1.5      # the average must change boiling frames this many times more than clean ones
MAX_HP_CORR = -0.5     # shimmer's consecutive high-passes correlate at -2/3, a moving subject's at -0.5 to 0
DIS_PRESET = 1         # cv2.DISOPTICAL_FLOW_PRESET_FAST: 5x cheaper than MEDIUM, as close (the flow is smoothed)
GROW = 12              # frames QC's span may be widened by on each side, to where the shimmer really starts and ends
WEAK_RATIO = 1.5       # a cell next to boiling ones joins them at this energy ratio ...
WEAK_HP_CORR = -0.5    # ... with the same anti-correlation (at -0.3 a moving subject beside the boil joined: SAM 2)
GROW_LEVEL = 0.6       # a frame boils when its cells' energy is this far from the clean level to the span's


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


def boil_mask(lumas: list[np.ndarray], start: int, end: int) -> np.ndarray:
    """Cells (9x16 bool) that shimmer inside [start, end] compared with the frames around it, and
    whose high-pass is new every frame (anti-correlated frame to frame: not a moving subject)."""
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
    return _grow(strong, weak)


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


def boiling_span(lumas: list[np.ndarray], start: int, end: int, cells: np.ndarray) -> tuple[int, int]:
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
    level = np.median(_cell_energy(lumas)[:, cells], axis=1)     # a moving subject's few cells do not lead
    clean = float(np.percentile(level, 25))
    inside = float(np.median(level[start:end + 1]))
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


class _Aligner:
    """Warps frame k onto frame t inside a box, with DIS flow on blurred small luma (the shimmer,
    being blobby noise, would otherwise steer the flow); slow drift or zoom then does not smear."""

    def __init__(self, frames: list[np.ndarray], box: tuple[int, int, int, int]):
        import cv2

        self.cv2, self.frames, self.box = cv2, frames, box
        h, w = frames[0].shape[:2]
        self.small = [cv2.GaussianBlur(small_luma(f), (0, 0), 1.5) for f in frames]
        self.dis = cv2.DISOpticalFlow_create(DIS_PRESET)
        x0, y0, x1, y1 = box
        gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
        self.grid = np.dstack([gx, gy])
        # the small flow field is upsampled over the box only (and a margin), not over the whole
        # frame: the values a whole-frame resize gives there, at 1080p on a 12% patch 1/8 of the work
        hs, ws = self.small[0].shape[:2]
        self.gain = (w / ws, h / hs)
        gx, gy = self.gain
        self.crop = (max(0, int(x0 / gx) - 1), max(0, int(y0 / gy) - 1),
                     min(ws, int(np.ceil(x1 / gx)) + 1), min(hs, int(np.ceil(y1 / gy)) + 1))
        cx0, cy0, cx1, cy1 = self.crop
        self.up = (int(round((cx1 - cx0) * gx)), int(round((cy1 - cy0) * gy)))
        self.offset = (x0 - int(round(cx0 * gx)), y0 - int(round(cy0 * gy)))
        reach = int(round(FLOW_SMOOTH * 4))        # OpenCV's kernel radius for a float image
        self.blur_crop = (max(0, cx0 - reach), max(0, cy0 - reach), min(ws, cx1 + reach), min(hs, cy1 + reach))

    def retarget(self, t: int, picture: np.ndarray) -> None:
        """Measure flow from ``picture`` (a denoised frame t) instead of the boiling frame itself."""
        self.small[t] = self.cv2.GaussianBlur(small_luma(picture), (0, 0), 1.5)

    def warp(self, k: int, t: int) -> np.ndarray:
        cv2 = self.cv2
        f = self.dis.calc(self.small[t], self.small[k], None)          # where each pixel of t is in k
        # the shimmer steers the flow locally; the motion of a low-motion (boiling) region is smooth.
        # Smoothed over the box's crop and the kernel's reach only (the same values there)
        bx0, by0, bx1, by1 = self.blur_crop
        f = cv2.GaussianBlur(f[by0:by1, bx0:bx1], (0, 0), FLOW_SMOOTH)
        f = self.upsample(f[self.crop[1] - by0:, self.crop[0] - bx0:], cropped=True)
        f += self.grid
        return cv2.remap(self.frames[k], f, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)

    def upsample(self, f: np.ndarray, cropped: bool = False) -> np.ndarray:
        """The small flow field ``f`` (or, ``cropped``, its part from the crop's corner) over the box,
        in full-size pixels."""
        cv2 = self.cv2
        x0, y0, x1, y1 = self.box
        cx0, cy0, cx1, cy1 = self.crop
        ox, oy = self.offset
        if not cropped:
            f = f[cy0:, cx0:]
        f = cv2.resize(f[:cy1 - cy0, :cx1 - cx0], self.up, interpolation=cv2.INTER_LINEAR)[oy:oy + y1 - y0, ox:ox + x1 - x0]
        if f.shape[:2] != self.grid.shape[:2]:      # a rounding short at the frame's edge
            f = cv2.copyMakeBorder(f, 0, self.grid.shape[0] - f.shape[0], 0, self.grid.shape[1] - f.shape[1],
                                   cv2.BORDER_REPLICATE)
        f *= self.gain[0]         # (small luma keeps the aspect ratio)
        return f


def _average(frames: list[np.ndarray], flow: "_Aligner", t: int, box,
             span: tuple[int, int] | None = None) -> np.ndarray:
    """Flow-aligned weighted mean of frames t-RADIUS..t+RADIUS; frames outside ``span`` (clean) weigh more."""
    x0, y0, x1, y1 = box
    lo, hi = max(0, t - RADIUS), min(len(frames) - 1, t + RADIUS)
    acc = frames[t][y0:y1, x0:x1].astype(np.float32)
    total = 1.0
    for k in range(lo, hi + 1):
        if k != t:
            w = CLEAN_WEIGHT if span is not None and not span[0] <= k <= span[1] else 1.0
            acc += w * flow.warp(k, t)
            total += w
    return acc / total


def _bridge(frames: list[np.ndarray], first: list[np.ndarray], flow: "_Aligner", box, m: np.ndarray,
            start: int, end: int) -> list[np.ndarray]:
    """Second pass: the clean frames either side of the span, warped onto each boiling frame.

    An average of boiling frames keeps 1/N of the shimmer's power (N = 7: about 8 dB); the clean
    frames around the span carry none. Each boiling frame's flow is measured from its first-pass
    average (less shimmer to steer it), the ``BRIDGE_FRAMES`` clean frames before and after are
    warped onto it and blended by distance in time; where the two sides disagree (an occlusion, motion
    the flow missed) the first-pass average stays.
    """
    import cv2

    before = [k for k in range(start - BRIDGE_FRAMES, start) if k >= 0]
    after = [k for k in range(end + 1, end + 1 + BRIDGE_FRAMES) if k < len(frames)]
    if not before or not after:
        return first
    x0, y0, x1, y1 = box
    for t in range(start, end + 1):
        flow.retarget(t, first[t])
    out = list(first)
    for t in range(start, end + 1):
        a = sum(flow.warp(k, t) for k in before) / len(before)
        b = sum(flow.warp(k, t) for k in after) / len(after)
        alpha = (t - (start - 1)) / (end + 1 - (start - 1))
        bridge = (1 - alpha) * a + alpha * b
        differ = cv2.GaussianBlur(np.abs(a - b).mean(axis=2), (0, 0), 2.0)
        trust = (np.exp(-(differ / BRIDGE_AGREE) ** 2) * m[..., 0])[..., None]
        f = first[t].copy()
        cur = f[y0:y1, x0:x1].astype(np.float32)
        f[y0:y1, x0:x1] = np.clip(cur + trust * (bridge - cur) + 0.5, 0, 255).astype(np.uint8)
        out[t] = f
    return out


def _worth_it(frames: list[np.ndarray], cells: np.ndarray, start: int, end: int) -> np.ndarray:
    """Cells where the aligned average changes the boiling frames at least twice as much as it changes
    the clean frames around them: elsewhere it would blur moving detail as much as it removes shimmer."""
    import cv2

    small = [cv2.resize(f, (GRID[0] * 20, GRID[1] * 20), interpolation=cv2.INTER_AREA) for f in frames]
    box = (0, 0, GRID[0] * 20, GRID[1] * 20)
    flow = _Aligner(small, box)
    ctx = [t for t in range(max(0, start - 4), start)] + [t for t in range(end + 1, min(len(frames), end + 5))]
    inside = list(range(start, end + 1, max(1, (end - start + 1) // 8)))
    if not ctx:
        return cells

    def change(ts):
        acc = np.zeros((GRID[1], GRID[0]))
        for t in ts:
            d = np.abs(_average(small, flow, t, box) - small[t].astype(np.float32)).mean(axis=2)
            acc += cv2.resize(d, GRID, interpolation=cv2.INTER_AREA)
        return acc / len(ts)

    return cells & (change(inside) >= WORTH_RATIO * change(ctx) + 0.5)


class BoilRepair(NamedTuple):
    """New window frames, the masked share of the picture, shimmer before/after, the frames repaired."""

    frames: list[np.ndarray]
    area: float
    before: float
    after: float
    start: int
    end: int


def repair_boil(frames: list[np.ndarray], start: int, end: int) -> BoilRepair:
    """Repair the shimmer of QC's span [start, end] (window indices), widened to the boil's real extent."""
    import cv2

    lumas = [small_luma(f) for f in frames]
    found = boil_mask(lumas, start, end)
    if found.any():
        # widened before the worth test: that test takes the frames around the span as clean
        wider = boiling_span(lumas, start, end, found)
        if wider != (start, end):
            start, end = wider
            found = boil_mask(lumas, start, end)
    cells = _worth_it(frames, found, start, end) if found.any() else found
    if not cells.any():
        return BoilRepair(frames, 0.0, 0.0, 0.0, start, end)
    before = _shimmer(lumas, start, end, cells)
    h, w = frames[0].shape[:2]
    soft = cv2.resize(cells.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(soft, (0, 0), max(1.0, w / GRID[0] / 4))
    ys, xs = np.nonzero(soft > 0.01)
    box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    x0, y0, x1, y1 = box
    m = soft[y0:y1, x0:x1, None]
    flow = _Aligner(frames, box)
    out = list(frames)
    for t in range(start, end + 1):
        f = frames[t].copy()
        cur = f[y0:y1, x0:x1].astype(np.float32)
        avg = _average(frames, flow, t, box, (start, end))
        f[y0:y1, x0:x1] = np.clip(cur + m * (avg - cur) + 0.5, 0, 255).astype(np.uint8)
        out[t] = f
    out = _bridge(frames, out, flow, box, m, start, end)
    after = _shimmer([small_luma(f) for f in out], start, end, cells)
    return BoilRepair(out, float(cells.mean()), before, after, start, end)
