"""Flicker repair: per-frame, per-region gain and offset toward a temporally smoothed reference.

Each region's mean and spread (per colour channel, measured on a small copy) are tracked over
the flagged span plus context; a Gaussian low-pass of those tracks (sigma 0.2 s: a 2 Hz flicker
is cut to 4%) is what the region should have looked like. The gain matches the spread, the offset
the mean; both are interpolated smoothly over the picture and applied to the full-size frame.
Outside the QC span the correction fades to nothing over a few frames so no step is visible.

Region statistics move with the content as well as with the light (a pan brings a brighter
object in), so the first candidate measures the light alone: each frame is aligned onto the one
before it with optical flow and the median log-ratio of the aligned pixels, per region and colour
channel, is that frame's gain step (:func:`aligned_log_gain`). Summed over time it is the light's
own track; its Gaussian low-pass is the reference, and the correction is a pure per-region,
per-channel gain (no offset: a flicker scales the light, and an offset would lift the blacks).

FFmpeg's ``deflicker`` (a moving-average gain over the whole frame) is another candidate: it
runs on the small copy and its per-frame gain is applied to the full-size frames. Whichever
candidate leaves the lowest residual of the aligned light track (:func:`_residual`; the flow is measured
once, :class:`LightTrack`, and each candidate adds its own change of the light to it) is used:
the region-mean index would favour the candidate that follows the content's means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from broll.repair.measure import flicker_index, gaussian_smooth, small_luma

SMOOTH_SECONDS = 0.2
TAPER_FRAMES = 6
GAIN_RANGE = (0.75, 1.33)
MODE = "blend"
STROBE_GAIN_RANGE = (0.2, 5.0)


@dataclass
class Correction:
    method: str
    gain: np.ndarray      # frames x gy x gx x 3
    offset: np.ndarray    # frames x gy x gx x 3


def _small(frames: list[np.ndarray]) -> list[np.ndarray]:
    import cv2

    h, w = frames[0].shape[:2]
    s = min(1.0, 320 / max(h, w))
    size = (max(8, int(round(w * s))), max(8, int(round(h * s))))
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) if s < 1 else f for f in frames]


def _weights(n: int, start: int, end: int) -> np.ndarray:
    t = np.arange(n)
    before = np.clip(1 - (start - t) / (TAPER_FRAMES + 1), 0, 1)
    after = np.clip(1 - (t - end) / (TAPER_FRAMES + 1), 0, 1)
    return np.where(t < start, before, np.where(t > end, after, 1.0))


def _bridge_correction(m: np.ndarray, s: np.ndarray, start: int, end: int, grid: tuple[int, int]) -> Correction:
    """A strobe: every frame of the span is an affine change of the picture (mixed with a bright or
    coloured field), and half of them are changed, so a moving average is contaminated. The reference
    bridges the clean frames either side instead (their stats, interpolated linearly across the span)
    and the gain is the full spread ratio: the picture's contrast comes back, not just its level."""
    n = m.shape[0]
    k = 3
    pre = [t for t in range(max(0, start - k), start)]
    post = [t for t in range(end + 1, min(n, end + 1 + k))]
    if not pre and not post:
        return Correction("none", np.ones_like(m), np.zeros_like(m))
    a_m, a_s = (m[pre].mean(axis=0), s[pre].mean(axis=0)) if pre else (m[post].mean(axis=0), s[post].mean(axis=0))
    b_m, b_s = (m[post].mean(axis=0), s[post].mean(axis=0)) if post else (a_m, a_s)
    u = np.clip((np.arange(n) - (start - 0.5)) / max(1.0, end - start + 1.0), 0, 1)[:, None, None, None]
    ref_m, ref_s = (1 - u) * a_m + u * b_m, (1 - u) * a_s + u * b_s
    gain = np.clip(ref_s / np.maximum(s, 1.0), *STROBE_GAIN_RANGE)
    offset = ref_m - gain * m
    inside = ((np.arange(n) >= start) & (np.arange(n) <= end)).astype(np.float64)[:, None, None, None]
    return Correction(f"bridge gain+offset {grid[0]}x{grid[1]}", 1 + inside * (gain - 1), inside * offset)


def region_correction(small: list[np.ndarray], start: int, end: int, fps: float,
                      grid: tuple[int, int], bridge: bool = False) -> Correction:
    import cv2

    gx, gy = grid
    stats_m, stats_s = [], []
    for f in small:
        x = f.astype(np.float32)
        m = cv2.resize(x, grid, interpolation=cv2.INTER_AREA)
        m2 = cv2.resize(x * x, grid, interpolation=cv2.INTER_AREA)
        stats_m.append(m)
        stats_s.append(np.sqrt(np.maximum(m2 - m * m, 1.0)))
    m = np.stack(stats_m).astype(np.float64).reshape(len(small), gy, gx, 3)
    s = np.stack(stats_s).astype(np.float64).reshape(len(small), gy, gx, 3)
    if bridge:
        return _bridge_correction(m, s, start, end, grid)
    sigma = max(1.0, SMOOTH_SECONDS * fps)
    ref_m, ref_s = gaussian_smooth(m, sigma), gaussian_smooth(s, sigma)
    gain = np.clip(ref_s / np.maximum(s, 1.0), *GAIN_RANGE)
    # trust the spread only as far as the mean agrees (a gain flicker moves both alike): blend
    # the spread-matched gain with the mean-matched one, so motion that changes texture is not "corrected"
    gain_mean = np.clip(ref_m / np.maximum(m, 4.0), *GAIN_RANGE)
    gain = 0.5 * gain + 0.5 * gain_mean if MODE == "blend" else gain_mean
    offset = ref_m - gain * m
    w = _weights(len(small), start, end)[:, None, None, None]
    return Correction(f"region-gain {gx}x{gy}", 1 + w * (gain - 1), w * offset)


def deflicker_correction(small: list[np.ndarray], start: int, end: int, fps: float) -> Correction:
    """FFmpeg ``deflicker`` on the small frames; its per-frame gain, as a whole-frame correction."""
    from broll.media.reencode import filter_frames

    size = max(3, min(129, int(round(fps * 0.5)) | 1))
    out = filter_frames(small, f"deflicker=size={size}:mode=am", fps)
    g = np.array([float(o.astype(np.float32).mean()) / max(1.0, float(i.astype(np.float32).mean()))
                  for i, o in zip(small, out)])
    w = _weights(len(small), start, end)
    g = 1 + w * (g - 1)
    gain = np.repeat(g[:, None, None, None], 3, axis=3)
    return Correction(f"ffmpeg deflicker size={size}", gain, np.zeros_like(gain))


class LightTrack:
    """The optical flow between consecutive small frames, measured once for a repair.

    A brightness correction does not move the content, so the light track of each candidate's
    corrected frames reuses these flows (:meth:`track`); measuring them afresh per candidate was
    half the cost of a flicker repair.
    """

    # the step medians are taken over every STRIDE-th pixel in each direction (a quarter of them: 14k
    # pixels of a 320x180 frame, ample for a median; the flow itself is measured on every pixel)
    STRIDE = 2

    def __init__(self, small: list[np.ndarray], grid: tuple[int, int]):
        import cv2

        gx, gy = grid
        self.grid = grid
        h, w = small[0].shape[:2]
        self.shape = (h, w)
        ch, cw = h // gy, w // gx
        # cell of each pixel (-1: the remainder past the last whole cell, left out as before)
        cy, cx = np.arange(h) // max(1, ch), np.arange(w) // max(1, cw)
        cell = cy[:, None] * gx + cx[None, :]
        cell[(cy >= gy)[:, None] | (cx >= gx)[None, :]] = -1
        k = self.STRIDE
        self.cell = cell[::k, ::k].ravel()
        lum = [cv2.GaussianBlur(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (0, 0), 1.0) for f in small]
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self.maps: list[tuple] = [None]        # per step t: (a -> b) maps for (t, t-1) and (t-1, t)
        for t in range(1, len(small)):
            pair = []
            for a, b in ((t, t - 1), (t - 1, t)):
                flow = dis.calc(lum[a], lum[b], None)          # where each pixel of a is in b
                mx, my = (xs + flow[..., 0])[::k, ::k], (ys + flow[..., 1])[::k, ::k]
                inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
                pair.append((np.ascontiguousarray(mx), np.ascontiguousarray(my), inside))
            self.maps.append(tuple(pair))

    def _step(self, logs, ok, a: int, b: int, maps) -> np.ndarray:
        """Median log(frame a) - log(frame b warped onto a), per region and channel."""
        import cv2

        mx, my, inside = maps
        warped = cv2.remap(logs[b], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        warped_ok = cv2.remap(ok[b].view(np.uint8), mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT) > 0
        k = self.STRIDE
        good = (ok[a][::k, ::k] & warped_ok & inside).ravel()
        d = (logs[a][::k, ::k] - warped).reshape(-1, 3)
        gx, gy = self.grid
        out = np.zeros((gy, gx, 3))
        if gx * gy == 1:
            sel = good & (self.cell == 0)
            if sel.any():
                out[0, 0] = np.median(d[sel], axis=0)
            return out
        cells = np.where(good, self.cell, -1)
        order = np.argsort(cells, kind="stable")
        bounds = np.searchsorted(cells[order], np.arange(gx * gy + 1))
        for k in range(gx * gy):
            idx = order[bounds[k]:bounds[k + 1]]
            if idx.size:
                out[k // gx, k % gx] = np.median(d[idx], axis=0)
        return out

    def track(self, small: list[np.ndarray]) -> np.ndarray:
        """Cumulative log gain of each frame against the first, per region and channel (frames x gy x gx x 3).

        Each step is the median over a region of log(frame t) - log(frame t-1 warped onto t), over
        pixels neither clipped nor near black, so a moving object or an occlusion does not count.
        ``small`` are the frames the flows were measured on, or a brightness-corrected copy of them.
        """
        gx, gy = self.grid
        n = len(small)
        logs = [np.log(f.astype(np.float32) + 1.0) for f in small]
        ok = [np.all((f > 12) & (f < 243), axis=2) for f in small]
        steps = np.zeros((n, gy, gx, 3))
        for t in range(1, n):
            fwd, back = self.maps[t]
            # both directions, halved: the interpolation's smoothing biases one direction, and cancels
            steps[t] = 0.5 * (self._step(logs, ok, t, t - 1, fwd) - self._step(logs, ok, t - 1, t, back))
        return np.cumsum(steps, axis=0)


def aligned_log_gain(small: list[np.ndarray], grid: tuple[int, int]) -> np.ndarray:
    """Cumulative log gain of each frame against the first, per region and channel (see :class:`LightTrack`)."""
    return LightTrack(small, grid).track(small)


def aligned_correction(tracker: LightTrack, small: list[np.ndarray], start: int, end: int,
                       fps: float, track: np.ndarray | None = None) -> Correction:
    """A per-region, per-channel gain that flattens the light's own track (``track``, when measured
    already) to its low-pass."""
    track = tracker.track(small) if track is None else track
    sigma = max(1.0, SMOOTH_SECONDS * fps)
    corr = gaussian_smooth(track, sigma) - track
    w = _weights(len(small), start, end)[:, None, None, None]
    gain = np.clip(np.exp(w * corr), *GAIN_RANGE)
    grid = tracker.grid
    return Correction(f"aligned-gain {grid[0]}x{grid[1]}", gain, np.zeros_like(gain))


def _light_change(small: list[np.ndarray], corr: Correction, grid: tuple[int, int]) -> np.ndarray:
    """What a correction adds to the light track, per frame, region and channel (log gain).

    A pure gain per channel over the whole frame adds its log exactly; otherwise (an offset, or
    regions interpolated over the picture) the median log-ratio of corrected to original pixels per
    region, over the same pixels the track uses (neither clipped nor near black)."""
    if grid == (1, 1) and corr.gain.shape[1:3] == (1, 1) and not np.any(corr.offset):
        return np.log(corr.gain)
    gx, gy = grid
    k = LightTrack.STRIDE
    out = np.zeros((len(small), gy, gx, 3))
    for t, f in enumerate(small):
        g = apply(f, corr.gain[t], corr.offset[t])
        if g is f:
            continue
        a, b = f[::k, ::k], g[::k, ::k]
        d = np.log(b.astype(np.float32) + 1.0) - np.log(a.astype(np.float32) + 1.0)
        ok = np.all((a > 12) & (a < 243), axis=2)
        h, w = ok.shape
        ch, cw = max(1, h // gy), max(1, w // gx)
        for y in range(gy):
            for x in range(gx):
                sel = ok[y * ch:(y + 1) * ch, x * cw:(x + 1) * cw]
                if sel.any():
                    out[t, y, x] = np.median(d[y * ch:(y + 1) * ch, x * cw:(x + 1) * cw][sel], axis=0)
    return out


def _residual(track: np.ndarray, start: int, end: int, fps: float) -> float:
    """Std of a light track around its low-pass in [start, end], % (worst quarter of regions and channels)."""
    dev = (track - gaussian_smooth(track, max(1.0, SMOOTH_SECONDS * fps)))[max(0, start):end + 1]
    if dev.shape[0] < 2:
        return 0.0
    sd = np.sort(dev.std(axis=0).ravel())[::-1]
    return float(sd[:max(1, sd.size // 4)].mean() * 100.0)


def apply(frame: np.ndarray, gain: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Apply one frame's region gain/offset, interpolated smoothly over the full-size picture."""
    import cv2

    h, w = frame.shape[:2]
    if gain.shape[0] == 1 and gain.shape[1] == 1:
        g = gain.reshape(1, 1, 3).astype(np.float32)
        o = offset.reshape(1, 1, 3).astype(np.float32)
        if np.allclose(g, 1, atol=1e-4) and np.allclose(o, 0, atol=0.05):
            return frame
        # one gain per channel: a 256-entry table per channel, the same numbers as the float path below
        lut = np.arange(256, dtype=np.float32)[:, None] * g.reshape(1, 3)
        lut += o.reshape(1, 3) + 0.5
        return cv2.LUT(frame, np.clip(lut, 0, 255).astype(np.uint8).reshape(256, 1, 3))
    from broll.repair.planar import region_field
    g, o = region_field(gain, w, h), region_field(offset, w, h)
    out = frame.astype(np.float32)
    out *= g
    out += o + 0.5
    return np.clip(out, 0, 255).astype(np.uint8)


def _measure(small: list[np.ndarray], corr: Correction | None, start: int, end: int, fps: float,
             grid: tuple[int, int]) -> float:
    frames = small if corr is None else [apply(f, corr.gain[i], corr.offset[i]) for i, f in enumerate(small)]
    return flicker_index([small_luma(f) for f in frames], start, end, max(1.0, SMOOTH_SECONDS * fps), grid)


def plan_flicker(frames: list[np.ndarray], start: int, end: int, fps: float, scope: str = "global",
                 use_ffmpeg: bool = True, strobe: bool = False,
                 small: list[np.ndarray] | None = None) -> tuple[Correction | None, str, float, float]:
    """The correction for frames[start..end] (window indices, BGR; context is read, tapered into).

    Returns the chosen correction (None when no candidate reduced the flicker), the method, and
    the flicker index before and after. The caller applies it (:func:`apply`, or
    :func:`broll.repair.planar.apply_i420` on the planar frames, which avoids a chroma round trip).
    ``small`` are the frames at analysis size when the caller has them (then ``frames`` is not read).
    """
    small = _small(frames) if small is None else small
    grid = (4, 4) if scope == "regional" else (1, 1)
    before = _measure(small, None, start, end, fps, grid)
    if strobe:
        # a strobe over part of the picture is local: regional bridges, measured on the whole frame
        candidates = [region_correction(small, start, end, fps, g, bridge=True) for g in ((1, 1), (4, 4))]
    else:
        tracker = LightTrack(small, grid)
        track = tracker.track(small)
        candidates = [aligned_correction(tracker, small, start, end, fps, track),
                      region_correction(small, start, end, fps, grid)]
    if scope == "global" and use_ffmpeg:
        candidates.append(deflicker_correction(small, start, end, fps))
    if strobe:
        scored = [(_measure(small, c, start, end, fps, grid), i, c) for i, c in enumerate(candidates)]
    else:
        # judged on the light's own track (content motion moves region means too): the measured track
        # plus what each candidate does to the light, so the frames are not aligned again per candidate
        scored = [(_residual(track + _light_change(small, c, grid), start, end, fps), i, c)
                  for i, c in enumerate(candidates)]
    _, _, best = min(scored, key=lambda x: (x[0], x[1]))
    after = _measure(small, best, start, end, fps, grid)
    if after >= before:
        return None, "none (no candidate reduced the flicker)", before, before
    return best, best.method, before, after


def touched_frames(corr: Correction) -> np.ndarray:
    """Which frames of the window the correction changes."""
    return np.any(np.abs(corr.gain - 1) > 1e-6, axis=(1, 2, 3)) | np.any(np.abs(corr.offset) > 1e-6, axis=(1, 2, 3))


def repair_flicker(frames: list[np.ndarray], start: int, end: int, fps: float, scope: str = "global",
                   use_ffmpeg: bool = True, strobe: bool = False) -> tuple[list[np.ndarray], str, float, float]:
    """Repair frames[start..end] (window indices; context around them is read, tapered into).

    Returns the new window frames, the method used, and the flicker index before and after.
    """
    best, method, before, after = plan_flicker(frames, start, end, fps, scope, use_ffmpeg, strobe)
    if best is None:
        return frames, method, before, after
    touched = touched_frames(best)
    out = [apply(f, best.gain[i], best.offset[i]) if touched[i] else f for i, f in enumerate(frames)]
    return out, method, before, after
