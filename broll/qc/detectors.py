"""Detectors: pure functions from per-frame :class:`~broll.qc.signals.Signals` to findings.

``DETECTORS`` maps a readable name to a function ``(ctx, cfg) -> list[Finding]`` where ``cfg`` is
that detector's profile section. They run in table order, and later ones read earlier findings
from ``ctx`` (a cut on a flash frame is a glitch, not a cut; a jump inside a flicker span is
flicker). No detector touches media: everything here is numpy on a few series per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from broll.media.probe import MediaInfo
from broll.qc.report import Finding
from broll.qc.signals import Signals


@dataclass
class Context:
    signals: Signals
    info: MediaInfo | None
    findings: list[Finding] = field(default_factory=list)
    uniform: np.ndarray | None = None
    blank: bool = False
    metrics: dict = field(default_factory=dict)
    cut_cfg: dict | None = None     # the profile's cut section: freeze judges each shot on its own

    @property
    def n(self) -> int:
        return self.signals.frames

    @property
    def fps(self) -> float:
        return self.signals.fps

    def finding(self, kind: str, s: int, e: int, severity: str, value: float, threshold: float, message: str) -> Finding:
        times = self.signals.times
        start = float(times[s]) if len(times) else s / self.fps
        end = (float(times[e]) if len(times) else e / self.fps) + 1.0 / self.fps
        return Finding(kind, int(s), int(e), start, end, severity, float(value), float(threshold), message)

    def spans(self, *kinds: str) -> list[tuple[int, int]]:
        return [(f.start_frame, f.end_frame) for f in self.findings if f.kind in kinds]

    def near(self, t: int, kinds: tuple[str, ...], margin: int = 1) -> bool:
        return any(s - margin <= t <= e + margin for s, e in self.spans(*kinds))


def runs(mask: np.ndarray, *, min_len: int = 1, max_gap: int = 0) -> list[tuple[int, int]]:
    """Inclusive (start, end) of True runs, bridging gaps of up to ``max_gap`` False frames."""
    idx = np.flatnonzero(np.asarray(mask, bool))
    if idx.size == 0:
        return []
    out: list[tuple[int, int]] = []
    s = p = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - p - 1 > max_gap:
            out.append((s, p))
            s = i
        p = i
    out.append((s, p))
    return [(a, b) for a, b in out if b - a + 1 >= min_len]


def _robust(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0, 0.0
    med = float(np.median(x))
    return med, float(np.median(np.abs(x - med))) * 1.4826


# --- detectors --------------------------------------------------------------------------

def detect_blank(ctx: Context, cfg: dict, black_cfg: dict | None = None) -> list[Finding]:
    frac = float(ctx.uniform.mean()) if ctx.n else 1.0
    if ctx.n == 0 or frac >= cfg["min_fraction"]:
        ctx.blank = True
        luma = float(np.mean(ctx.signals["luma"])) if ctx.n else 0.0
        return [ctx.finding("blank", 0, max(0, ctx.n - 1), cfg["severity"], frac, cfg["min_fraction"],
                            f"{frac:.0%} of frames are near-uniform (mean luma {luma:.0f}): a degenerate generation")]
    return []


def detect_black(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank:
        return []
    luma = ctx.signals["luma"]
    out = []
    edge = max(1, int(round(cfg["edge_allowance"] * ctx.fps)))
    for s, e in runs(ctx.uniform):
        level = float(np.mean(luma[s:e + 1]))
        what = "black" if level < cfg["dark_luma"] else "white" if level > cfg["white_luma"] else "uniform"
        at_edge = (s == 0 or e == ctx.n - 1) and (e - s + 1) <= edge
        severity = "note" if at_edge else cfg["severity"]
        where = " at the clip's edge (fade)" if at_edge else ""
        out.append(ctx.finding("black", s, e, severity, level, cfg["max_std"],
                               f"{e - s + 1} {what} frame(s){where}, mean luma {level:.0f}"))
    return out


def _static_by_flow(ctx: Context, keep: np.ndarray) -> tuple[bool, float]:
    """VBench's static filter with DIS flow: few frame pairs whose top flow exceeds 3*min(H,W)/256."""
    top = np.nan_to_num(ctx.signals["motion_top"], nan=0.0)[1:][keep[1:]]
    thres = 3.0 * min(ctx.signals.size) / 256.0
    moving = int((top > thres).sum())
    return moving <= round(2 * len(top) / 16), float(np.median(top)) if len(top) else 0.0


def _within_cadence_hold(mae: np.ndarray, s: int, e: int) -> bool:
    """True when repeated frames ``s..e`` sit inside one of the clip's regular holds.

    Some generations show a new picture every few frames and vary it only slightly in between
    (an 8 fps render interpolated or upscaled to 24): most such in-between frames differ a little,
    but a few come out exactly alike. The big changes then recur at one interval; a run between
    two consecutive big changes no further apart than that interval is the cadence, not a stall.
    """
    x = np.nan_to_num(mae, nan=0.0)
    if x.size < 12:
        return False
    big = np.flatnonzero(x >= 0.5 * float(np.percentile(x[1:], 90)))
    gaps = np.diff(big)
    if gaps.size < 4:
        return False
    usual = int(np.median(gaps))
    if usual < 2 or float(np.mean(gaps == usual)) < 0.6:
        return False
    before = big[big <= s - 1]
    after = big[big >= e + 1]
    return bool(before.size and after.size and after[0] - before[-1] <= usual)


FREEZE_CAP = 0.35   # mean |dY| above which a frame is never a repeat (the rule before the relative one)


def detect_freeze(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank or ctx.n < 3:
        return []
    keep = _freeze_keep(ctx)
    # each shot is judged on its own: a cut joins shots of different speed and frame-repeat cadence
    # (a still first shot next to a fast second one read as a stall; holds of an 8 fps shot spliced
    # after a 30 fps one read as hitches), and a cut is no catch-up
    limit, _ = _repeat_limit(ctx, cfg, keep)
    strict = (np.nan_to_num(ctx.signals["mae"], nan=np.inf) <= limit) & ~ctx.uniform
    need = int(cfg["min_frames"])
    # ... but a candidate right after a stall of encoded copies, in a shot that moved before the
    # stall, may be the stall catching up at once: the clip stays whole there, and the freeze is
    # judged with what follows (a still picture from the shot's first frame up to the candidate
    # is a still shot cut to the next)
    bounds = [0]
    for c in (_cut_candidates(ctx, ctx.cut_cfg) if ctx.cut_cfg else []):
        r = c - 1
        while r > bounds[-1] and strict[r]:
            r -= 1
        if c - 1 - r >= need and r > bounds[-1] + 1:
            continue
        bounds.append(c)
    bounds.append(ctx.n)
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi - lo < 3:
            continue
        shot = _shot_context(ctx, lo, hi) if (lo, hi) != (0, ctx.n) else ctx
        out.extend(replace(f, start_frame=f.start_frame + lo, end_frame=f.end_frame + lo)
                   for f in _freeze_runs(shot, cfg, lo, ctx.n))
    frac = float(strict[1:][keep[1:]].mean())
    static, top = _static_by_flow(ctx, keep)
    ctx.metrics["static"] = bool(static)
    if not out and (static or frac >= cfg["static_fraction"]):
        out.append(ctx.finding("static", 0, ctx.n - 1, "note", top, 3.0 * min(ctx.signals.size) / 256.0,
                               f"static shot: {frac:.0%} of frames repeat their predecessor, top flow {top:.2f} px/frame"))
    return out


# series that compare a frame with earlier ones: meaningless across a shot's first frame
_STEP_SERIES = ("cells_changed", "mae", "mae2", "mae3", "bgr_mae", "ssim", "motion", "motion_top", "occluded",
                "warp_mae", "bright_shift")


def _shot_context(ctx: Context, lo: int, hi: int) -> Context:
    """Frames ``lo..hi-1`` as a clip of their own (the first frame compares with nothing)."""
    sig = ctx.signals
    series = {k: v[lo:hi].astype(np.float64) for k, v in sig.series.items()}
    for k in _STEP_SERIES:
        if k in series and lo > 0:
            series[k][0] = np.nan
    for k in ("mae2", "mae3"):       # two and three frames back reach over the cut
        if k in series and lo > 0:
            series[k][:3 if k == "mae3" else 2] = np.nan
    shot = Signals(hi - lo, sig.fps, sig.size, series, sig.region_shift[lo:hi], sig.region_luma[lo:hi],
                   sig.region_occluded[lo:hi], sig.region_motion[lo:hi], sig.cell_resid[lo:hi], sig.cell_corr[lo:hi],
                   sig.cell_motion[lo:hi], sig.cell_texture[lo:hi], [], sig.times[lo:hi] if len(sig.times) else sig.times)
    flashes = [replace(f, start_frame=f.start_frame - lo, end_frame=f.end_frame - lo)
               for f in ctx.findings if f.kind == "flash" and f.end_frame >= lo and f.start_frame < hi]
    return Context(shot, ctx.info, findings=flashes, uniform=ctx.uniform[lo:hi], cut_cfg=ctx.cut_cfg)


def _freeze_keep(ctx: Context) -> np.ndarray:
    """Frames that say whether the shot moves: not a strobe's or a black insert's."""
    keep = ~ctx.uniform.copy()
    for s, e in ctx.spans("flash"):
        keep[max(0, s - 1):e + 2] = False
    if keep[1:].sum() < 3:
        keep[:] = True
    return keep


def _structural_change(sig: Signals) -> np.ndarray:
    """Mean |dY| less the change of mean brightness: what moved, not what brightened.

    A flickering stretch changes every pixel by its brightness step; counted as change, it raised
    the clip's typical step so far that the still frames after it read as repeats.
    """
    mae = sig["mae"]
    luma = sig["luma"].astype(np.float64)
    dluma = np.abs(np.diff(luma, prepend=np.nan))
    return np.where(np.isfinite(mae), np.maximum(mae - np.nan_to_num(dluma, nan=0.0), 0.0), np.nan)


def _repeat_limit(ctx: Context, cfg: dict, keep: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean |dY| at or below which a frame repeats its predecessor, and the usual structural steps."""
    struct = _structural_change(ctx.signals)
    usual = struct[keep & np.isfinite(struct)]
    typical = float(np.median(usual)) if usual.size else 0.0
    # an encoded copy differs from its original by a hundredth of a code value or so, a little more
    # where the encoder refines the picture; in a fast shot that is still tiny next to a real step
    # (never more than FREEZE_CAP, whatever the shot)
    return max(cfg["max_mae"], min(cfg["max_relative"] * typical, FREEZE_CAP)), usual


def _freeze_runs(ctx: Context, cfg: dict, offset: int, clip_n: int) -> list[Finding]:
    """Stalls inside one shot (frames are the shot's; ``offset`` and ``clip_n`` place it in the clip)."""
    sig = ctx.signals
    mae = sig["mae"]
    keep = _freeze_keep(ctx)
    limit, usual = _repeat_limit(ctx, cfg, keep)
    frozen = (np.nan_to_num(mae, nan=np.inf) <= limit) & ~ctx.uniform
    changing = np.nan_to_num(mae, nan=0.0)[~frozen & keep]
    step = float(np.median(changing)) if changing.size else 0.0     # a typical real change between frames
    frac = float(frozen[1:][keep[1:]].mean())
    motion = np.where(keep, np.nan_to_num(sig["motion_top"], nan=0.0), np.nan)
    out = []
    finite = motion[np.isfinite(motion)]
    shot_moves = float(np.median(finite)) if finite.size else 0.0
    # the shot as a whole must move: brightness changes and shimmer fake a little local flow
    if frac < cfg["static_fraction"]:
        ctx_len = max(3, int(round(0.5 * ctx.fps)))
        sharp = _sharpness(sig)
        sharp_med = float(np.median(sharp[~ctx.uniform])) if (~ctx.uniform).any() else 0.0
        # the encoder refines a repeated picture over the first and last few copies: extend each run
        # over neighbours that change by less than half a typical step
        # (the decision is taken on the strict run; the extension only widens the reported range)
        near = np.nan_to_num(mae, nan=np.inf) <= 0.5 * step
        # a clip rendered at a lower rate and padded with repeats (8 fps shown at 24: every picture
        # held three times) repeats all along: only a run longer than its usual hold is a stall
        p75 = float(np.percentile(usual, 75)) if usual.size else 0.0
        held = (np.nan_to_num(mae, nan=np.inf) <= max(limit, 0.1 * p75)) & ~ctx.uniform
        holds = [b - a + 1 for a, b in runs(held)]
        cadence = len(holds) >= 3 and float(held[1:].mean()) >= 0.25
        need = int(cfg["min_frames"])
        if cadence:
            frozen = held
            need += int(np.median(holds))
            # how much the shot moves is measured on its new pictures, not on its repeats
            motion = np.where(held, np.nan, motion)
            finite = motion[np.isfinite(motion)]
            shot_moves = float(np.median(finite)) if finite.size else 0.0
        for s, e in runs(frozen, min_len=need):
            s0, e0 = s, e
            while s0 > 1 and near[s0 - 1] and not ctx.uniform[s0 - 1]:
                s0 -= 1
            while e0 + 1 < ctx.n and near[e0 + 1] and not ctx.uniform[e0 + 1]:
                e0 += 1
            if sharp_med > 0 and float(np.median(sharp[s:e + 1])) < 0.5 * sharp_med:
                continue  # a heavy blur erases slow motion: the blur detector reports it
            if _within_cadence_hold(mae, s, e):
                continue  # the clip's own rhythm of held pictures
            around = np.concatenate([motion[max(1, s - ctx_len):s], motion[e + 1:e + 1 + ctx_len]])
            around = around[np.isfinite(around)]
            moving = float(np.median(around)) if around.size else 0.0
            # a slow shot (a talking head) that stalls gives itself away when it catches up: the
            # frame after the run jumps by several typical steps at once
            # (after the encoder's refinement of the last copies: the catch-up follows those;
            # the shot's end is no catch-up: what follows is the next shot)
            after = float(np.nanmax(mae[e0 + 1:e0 + 3])) if e0 + 1 < ctx.n else 0.0
            # ... and moves content when it does (a brightness change after a still stretch is no catch-up)
            moved = float(np.nanmax(np.nan_to_num(sig["motion_top"][e0 + 1:e0 + 3], nan=0.0), initial=0.0))
            catches_up = step > 0 and after >= max(cfg["catch_up"] * step, 1.0) and moved >= cfg["min_motion"]
            if not catches_up and (shot_moves < cfg["min_motion"] or moving < cfg["min_motion"]):
                continue  # the shot around it hardly moves: stillness, not a stalled generation
            s, e = s0, e0
            peak = float(np.nanmax(mae[s:e + 1]))
            # a hitch of a few frames is worth a look; a longer stall is a failed generation
            severity = cfg["severity"] if e - s + 1 >= cfg["regenerate_frames"] else "review"
            # a hold that touches the clip's first or last frames is cut off by a trim with nothing
            # lost between: never a regeneration; a short one is trimmed in the edit anyway (a note),
            # a longer one is worth a look at how much stays
            touches_edge = s + offset <= 2 or e + offset >= clip_n - 2
            where = ""
            if touches_edge:
                short = (e - s + 1) <= max(1.0, cfg["edge_seconds"] * ctx.fps)
                severity = "note" if short else "review"
                where = " at the clip's edge (trim it)"
            out.append(ctx.finding("freeze", s, e, severity, e - s + 1, cfg["min_frames"],
                                   f"{e - s + 1} repeated frame(s){where} (mean |dY| <= {peak:.2f}) after frame {s + offset - 1}, "
                                   f"while the shot moves {moving:.1f} px/frame around them"
                                   + (f"; then it jumps {after / step:.0f}x a usual step" if catches_up else "")))
    return out


def detect_flash(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank:
        return []
    out = []
    win = max(1, int(round(ctx.fps)))
    for series, label in (("flash_lum", "luminance"), ("flash_red", "saturated-red")):
        events = np.flatnonzero(ctx.signals[series] != 0)
        if events.size == 0:
            continue
        mark = np.zeros(ctx.n, bool)
        peak = 0
        # > max_transitions in any 1 s window
        for i, t in enumerate(events):
            inside = events[(events >= t) & (events < t + win)]
            peak = max(peak, inside.size)
            if inside.size > cfg["max_transitions"]:
                mark[inside[0]:inside[-1] + 1] = True
        # sustained: >= extended_transitions per second for extended_seconds of any 5 s (IRIS)
        counts = np.zeros(ctx.n, int)
        for t in events:
            counts[max(0, t - win + 1):t + 1] += 1
        busy = counts >= cfg["extended_transitions"]
        need = int(cfg["extended_seconds"] * ctx.fps)
        span = int(5 * ctx.fps)
        if busy.sum() >= need:
            csum = np.concatenate([[0], np.cumsum(busy)])
            for s in range(0, max(1, ctx.n - span + 1)):
                if csum[min(ctx.n, s + span)] - csum[s] >= need:
                    inside = events[(events >= s) & (events < s + span)]
                    mark[inside[0]:inside[-1] + 1] = True
        for s, e in runs(mark, max_gap=win // 2):
            n_ev = int(((events >= s) & (events <= e)).sum())
            rate = n_ev / max(1.0 / ctx.fps, (e - s + 1) / ctx.fps)
            out.append(ctx.finding("flash", s, e, cfg["severity"], peak, cfg["max_transitions"],
                                   f"{n_ev} {label} transitions over >25% of the screen ({rate:.1f}/s; "
                                   f"BT.1702 allows 3 flashes = {cfg['max_transitions']} transitions per second)"))
    return out


def _zigzag(x: np.ndarray, theta: float) -> list[int]:
    """Indices of turning points where ``x`` reverses by at least ``theta`` (hysteresis)."""
    if len(x) == 0:
        return []
    lo = hi = 0
    direction, ext_i = 0, 0
    pivots: list[int] = []
    for i in range(1, len(x)):
        v = x[i]
        if direction == 0:
            if v < x[lo]:
                lo = i
            if v > x[hi]:
                hi = i
            if v - x[lo] >= theta:
                pivots, direction, ext_i = [lo], 1, i
            elif x[hi] - v >= theta:
                pivots, direction, ext_i = [hi], -1, i
        elif direction > 0:
            if v > x[ext_i]:
                ext_i = i
            elif x[ext_i] - v >= theta:
                pivots.append(ext_i)
                direction, ext_i = -1, i
        else:
            if v < x[ext_i]:
                ext_i = i
            elif v - x[ext_i] >= theta:
                pivots.append(ext_i)
                direction, ext_i = 1, i
    if direction != 0:
        pivots.append(ext_i)
    return pivots


def _oscillation_spans(track: np.ndarray, theta: float, min_swings: int, win: int) -> list[tuple[int, int, float]]:
    """Spans where at least ``min_swings`` reversals of >= theta end within ``win`` frames."""
    piv = _zigzag(track, theta)
    if len(piv) < min_swings + 1:
        return []
    ends = np.asarray(piv[1:])
    starts = np.asarray(piv[:-1])
    amps = np.abs(track[ends] - track[starts])
    mark = np.zeros(len(track), bool)
    hit = False
    for i in range(len(ends) - min_swings + 1):
        j = i + min_swings - 1
        if ends[j] - starts[i] <= win:
            # the legs at either end may include drift before or after the oscillation: clip
            # them to the typical leg length inside the window
            typical = int(np.median(ends[i:j + 1] - starts[i:j + 1]))
            a = max(int(starts[i]), int(ends[i]) - typical)
            b = min(int(ends[j]), int(starts[j]) + typical) if j > i else int(ends[j])
            mark[a:b + 1] = True
            hit = True
    if not hit:
        return []
    out = []
    for s, e in runs(mark):
        inside = (starts >= s) & (ends <= e)
        out.append((s, e, float(np.median(amps[inside])) if inside.any() else 0.0))
    return out


def detect_flicker(ctx: Context, cfg: dict) -> list[Finding]:
    sig = ctx.signals
    score = (255.0 - float(np.nanmean(sig["bgr_mae"]))) / 255.0 if ctx.n > 1 else 1.0
    ctx.metrics["temporal_flicker"] = round(score, 4)
    if ctx.blank or ctx.n < 4:
        return []
    # relative brightness change per region (Weber: a swing of 3 code values matters in the dark)
    prev_luma = np.vstack([sig.region_luma[:1], sig.region_luma[:-1]]).astype(np.float64)
    shifts = np.nan_to_num(sig.region_shift.astype(np.float64)) / np.maximum(prev_luma, 16.0)
    shifts[0] = 0
    # a frame the flow cannot explain (cut, glitch) says nothing about brightness
    broken = np.nan_to_num(sig["occluded"], nan=0.0) > 0.5
    for s, e in ctx.spans("black"):
        broken[max(0, s):min(ctx.n, e + 2)] = True   # into and out of a black insert
    shifts[broken] = 0
    tracks = np.cumsum(shifts, axis=0)
    win = max(2, int(round(cfg["window"] * ctx.fps)))
    spans: list[tuple[int, int, float, str]] = []
    weights = np.maximum(prev_luma, 16.0)
    global_track = np.cumsum(np.nan_to_num((shifts * weights).sum(axis=1) / weights.sum(axis=1)))
    for s, e, amp in _oscillation_spans(global_track, cfg["min_swing"], int(cfg["min_swings"]), win):
        spans.append((s, e, amp, "global"))
    # the same with every pixel weighted by its light: a gain flicker on a dark picture whose few
    # bright things carry it (a night sky, a lamp in a dark room) hardly moves the region means
    bright = np.nan_to_num(sig["bright_shift"].astype(np.float64), nan=0.0)
    bright[0] = 0.0
    bright[broken] = 0.0
    for s, e, amp in _oscillation_spans(np.cumsum(bright), cfg["bright_swing"], int(cfg["min_swings"]), win):
        spans.append((s, e, amp, "global"))
    # one region's brightness may swing because something moves through it (a face turning, a
    # train's windows passing at 8 fps): only frames where flow follows the region count there
    moving = ((np.nan_to_num(sig.region_motion.astype(np.float64), nan=0.0) > cfg["region_max_motion"])
              | (np.nan_to_num(sig.region_occluded.astype(np.float64), nan=1.0) > cfg["region_max_occluded"]))
    region_tracks = np.cumsum(np.where(moving, 0.0, shifts), axis=0)
    for r in range(tracks.shape[1]):
        for s, e, amp in _oscillation_spans(region_tracks[:, r], cfg["region_swing"], int(cfg["min_swings"]), win):
            spans.append((s, e, amp, "regional"))
    if not spans:
        return []
    mark = np.zeros(ctx.n, bool)
    for s, e, _, _ in spans:
        mark[s:e + 1] = True
    out = []
    for s, e in runs(mark):
        if any(fs <= e and s <= fe for fs, fe in ctx.spans("flash")):
            continue
        inside = [sp for sp in spans if sp[0] >= s and sp[1] <= e]
        amp = max(sp[2] for sp in inside)
        scope = "global" if any(sp[3] == "global" for sp in inside) else "regional"
        local = (255.0 - float(np.nanmean(sig["bgr_mae"][max(1, s):e + 1]))) / 255.0
        # one region alone is less certain than the whole picture (motion the flow misread, a
        # lamp switched): a person looks, however large the swing
        severity = "regenerate" if amp >= cfg["regenerate_swing"] and scope == "global" else cfg["severity"]
        out.append(ctx.finding("flicker", s, e, severity, amp, cfg["min_swing"] if scope == "global" else cfg["region_swing"],
                               f"{scope} brightness oscillation, median swing {amp:.1%}; "
                               f"temporal-flicker score {local:.3f} here"))
    return out


def detect_glitch(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank or ctx.n < 3:
        return []
    sig = ctx.signals
    mae, mae2, mae3 = (np.nan_to_num(sig[k], nan=0.0) for k in ("mae", "mae2", "mae3"))
    out = []
    taken = np.zeros(ctx.n, bool)
    skip = ("black", "flash", "flicker", "freeze")
    for length in (1, 2):
        for t in range(1, ctx.n - length):
            if taken[t - 1:t + length + 1].any():
                continue
            d_in, d_out = mae[t], mae[t + length]
            d_skip = (mae2 if length == 1 else mae3)[t + length]
            jump = min(d_in, d_out)
            ratio = jump / max(d_skip, 1.0)
            if jump >= cfg["min_mae"] and ratio > cfg["ratio"]:
                e = t + length - 1
                if any(fs - 1 <= e and t <= fe + 1 for fs, fe in ctx.spans(*skip)):
                    continue
                taken[t:e + 1] = True
                out.append(ctx.finding("glitch", t, e, cfg["severity"], ratio, cfg["ratio"],
                                       f"{length} extraneous frame(s): jumps of {d_in:.0f}/{d_out:.0f} while "
                                       f"frames {t - 1} and {t + length} differ by {d_skip:.1f}"))
    # small artifacts: a thin line, band or rectangle on one frame that stands out from both
    # neighbours while they agree (too small to move the whole frame's difference)
    line = np.nan_to_num(sig["spike_line"], nan=0.0)
    block = np.nan_to_num(sig["spike_block"], nan=0.0)
    area = np.nan_to_num(sig["spike_area"], nan=0.0)
    patch = np.nan_to_num(sig.series.get("spike_patch", np.zeros(ctx.n)), nan=0.0)
    small = (line >= cfg["line_cover"]) | (block >= cfg["min_block"]) | (patch >= cfg["min_patch"])
    occ = np.nan_to_num(sig["occluded"], nan=0.0)
    for t in np.flatnonzero(small):
        t = int(t)
        if t < 1 or t >= ctx.n - 1 or taken[max(0, t - 1):t + 2].any():
            continue
        if any(fs - 1 <= t <= fe + 1 for fs, fe in ctx.spans(*skip)):
            continue
        if line[t] < cfg["line_cover"] and _patch_is_motion(patch, occ, t, cfg):
            continue
        taken[t] = True
        shape = "line" if line[t] >= cfg["line_cover"] else "patch"
        if shape == "line":
            value, limit = line[t], cfg["line_cover"]
        elif block[t] >= cfg["min_block"]:
            value, limit = block[t], cfg["min_block"]
        else:
            value, limit = patch[t], cfg["min_patch"]
        out.append(ctx.finding("glitch", t, t, cfg["severity"], value, limit,
                               f"one-frame {shape} artifact: {area[t]:.2%} of the picture differs from both "
                               f"neighbours ({line[t]:.0%} of one row/column, {block[t]:.2%} of the frame in one "
                               f"window, {patch[t]:.2%} in one solid piece)"))
    return out


def _patch_is_motion(patch: np.ndarray, occ: np.ndarray, t: int, cfg: dict) -> bool:
    """A one-frame patch at ``t`` that motion explains better than an artifact does.

    - *recurring*: a frame next to it stands out in a solid patch too. A one-frame artifact leaves
      its neighbours alone (each of them agrees with its own other neighbour); a border wedge that
      shakes in and out of a hand-held shot, or fast motion, stands out frame after frame.
    - *flow lost around it*: the flow fails on most of the picture just before and just after it
      (frames ``t-1`` and ``t+2``, which the artifact itself does not touch), so motion compensation
      cannot tell a patch from motion there (a car passing the camera in a blur of snow spray).
    """
    n = len(patch)
    recurring = max(patch[t - 1], patch[t + 1] if t + 1 < n else 0.0) >= cfg["recurring_patch"]
    around = [occ[i] for i in (t - 1, t + 2) if 1 <= i < n]
    lost = bool(around) and min(around) >= cfg["lost_flow"]
    return bool(recurring or lost)


def _cut_candidates(ctx: Context, cfg: dict) -> list[int]:
    """Frames where a new shot starts, by every rule of the cut detector but the freeze one.

    ``detect_freeze`` splits the clip at these frames (it runs before ``detect_cut``), and
    ``detect_cut`` reports those not explained by a stalled run catching up.
    """
    return _shot_breaks(ctx, cfg)[0]


def _shot_breaks(ctx: Context, cfg: dict) -> tuple[list[int], list[int]]:
    """Cut candidates, and frames that pass every cut rule but the last: flow fails at once over
    most of the frame while the brightness layout changes no more than at the frames either side
    (a fast shot in which part of the picture teleports; ``detect_jump`` reports those)."""
    sig = ctx.signals
    mae = np.nan_to_num(sig["mae"], nan=0.0)
    mae2 = np.nan_to_num(sig["mae2"], nan=np.inf)
    mae3 = np.nan_to_num(sig["mae3"], nan=np.inf)
    occ = np.nan_to_num(sig["occluded"], nan=0.0)
    changed = np.nan_to_num(sig["cells_changed"], nan=0.0)
    # PySceneDetect's adaptive ratio is low when the whole shot moves fast; a frame that optical
    # flow cannot follow at all, between frames it follows, is a candidate too
    left = np.concatenate([[1.0], occ[:-1]])
    right = np.concatenate([occ[1:], [1.0]])
    own = np.flatnonzero((occ >= 0.9) & (occ >= np.maximum(left, right) + 0.2) & (changed >= cfg["min_changed"]))
    out: list[int] = []
    breaks: list[int] = []
    for c in sorted(set(sig.scene_cuts) | set(int(t) for t in own)):
        if c <= 0 or c >= ctx.n:
            continue
        if ctx.near(c, ("glitch", "black", "flash"), margin=2):
            continue  # PySceneDetect issue #35: a flash frame or a short black insert is no cut
        # the picture comes back within two frames: an extraneous frame, not a new shot
        if c + 1 < ctx.n and mae2[c + 1] < 0.5 * mae[c]:
            continue
        if c + 2 < ctx.n and mae3[c + 2] < 0.5 * mae[c]:
            continue
        if occ[c] < cfg["min_occluded"]:
            continue  # optical flow explains the change: fast motion, not a cut
        if changed[c] < cfg["min_changed"] and occ[c] < 0.9:
            continue  # part of the picture stays: a jump inside the shot, reported by the jump detector
        around = max(changed[c - 1] if c >= 2 else 0.0, changed[c + 1] if c + 1 < ctx.n else 0.0)
        if changed[c] < min(around + cfg["min_changed_rise"], CUT_ALL_CHANGED):
            breaks.append(int(c))   # a new shot changes more of the picture than the motion around it
            continue
        out.append(int(c))
    return out, breaks


CUT_ALL_CHANGED = 0.9   # a change over this share of the grid is a new shot whatever changed around it


def detect_cut(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank:
        return []
    occ = np.nan_to_num(ctx.signals["occluded"], nan=0.0)
    out = []
    for c in _cut_candidates(ctx, cfg):
        if any(s <= c <= e + 2 for s, e in ctx.spans("freeze")):
            continue  # a stalled run catching up jumps at once: the freeze is the finding
        out.append(ctx.finding("cut", c, c, cfg["severity"], occ[c], cfg["min_occluded"],
                               f"hard cut: a new shot starts at frame {c} (flow explains only {1 - occ[c]:.0%} of it)"))
    return out


def _distinct_neighbours(new_picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each frame, the previous and next frame that shows a new picture (-1 when none).

    A generation rendered at 8 fps and padded to 24 repeats each picture: next to a repeat every
    real change looks like a spike, so spikes are judged against the neighbouring *changes*.
    """
    n = len(new_picture)
    left = np.full(n, -1)
    right = np.full(n, -1)
    last = -1
    for t in range(n):
        left[t] = last
        if new_picture[t]:
            last = t
    last = -1
    for t in range(n - 1, -1, -1):
        right[t] = last
        if new_picture[t]:
            last = t
    return left, right


CADENCE_LAGS = range(2, 7)   # a dropped or doubled picture every 2-6 frames is the clip's cadence


def _cadence_levels(x: np.ndarray) -> np.ndarray:
    """Row ``t``: the most ``x`` reaches on both sides of ``t`` at one lag of 2-6 frames (0 where
    no lag fits; NaN counts as 0), for every frame at once.

    A clip converted from another rate skips (or repeats) a picture every few frames: each such
    change carries two steps of motion and spikes, at a regular interval. A jump spikes alone.
    """
    n = len(x)
    out = np.zeros(x.shape, np.float64)
    first = min(CADENCE_LAGS) + 1      # the smallest lag fits from here to n - 1 - min lag
    if n - min(CADENCE_LAGS) <= first:
        return out
    level = np.full(x.shape, -np.inf)
    for p in CADENCE_LAGS:
        if n - p > p + 1:
            # frame t = p + 1 .. n - 1 - p sees x[t - p] and x[t + p]
            both = np.nan_to_num(np.minimum(x[1:n - 2 * p], x[2 * p + 1:]), nan=0.0)
            np.maximum(level[p + 1:n - p], both, out=level[p + 1:n - p])
    out[first:n - min(CADENCE_LAGS)] = level[first:n - min(CADENCE_LAGS)]
    return out


def detect_jump(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank or ctx.n < 5:
        return []
    sig = ctx.signals
    err = sig["warp_mae"].copy()
    ssim = sig["ssim"].copy()
    skip = ("cut", "glitch", "black", "freeze", "flash", "flicker")
    excluded = np.zeros(ctx.n, bool)
    for s, e in ctx.spans(*skip):
        excluded[max(0, s - 2):e + 3] = True
    # the baseline is what a real change between frames looks like: a low-frame-rate generation
    # padded with repeated frames would otherwise make every real change a spike
    new_picture = np.nan_to_num(sig["mae"], nan=0.0) > cfg["min_change"]
    changing = ~excluded & new_picture
    basis = changing if changing.sum() >= 5 else ~excluded
    med, mad = _robust(err[basis])
    smed, smad = _robust(ssim[basis])
    occ = sig["occluded"]
    omed, omad = _robust(occ[basis])
    drop = smed - ssim
    region_occ = np.nan_to_num(sig.region_occluded.astype(np.float64), nan=0.0)
    std = sig["luma_std"]
    contrast_floor = cfg["min_contrast"] * float(np.median(std))
    left_of, right_of = _distinct_neighbours(new_picture)
    breaks = set(_shot_breaks(ctx, ctx.cut_cfg)[1]) if ctx.cut_cfg else set()

    cadence = {id(x): _cadence_levels(x) for x in (err, drop, occ, region_occ)}   # by series

    def around(x: np.ndarray, t: int, floor: float) -> float:
        """What ``x`` is next to ``t``: the larger value at the neighbouring changes, or at the same
        phase of a regular cadence (``floor`` when there is neither)."""
        vals = [x[i] for i in (left_of[t], right_of[t]) if i >= 1 and np.isfinite(x[i])]
        return max([floor, float(cadence[id(x)][t]), *vals])

    out = []
    for t in range(1, ctx.n):
        if excluded[t] or not np.isfinite(err[t]):
            continue
        if min(std[t - 1], std[t]) < contrast_floor:
            continue  # nearly flat frames (the dark end of a fade): flow and SSIM mean little
        by_warp = (err[t] >= max(cfg["ratio"] * med, med + cfg["mad_z"] * mad, cfg["min_error"])
                   and err[t] >= cfg["spike_ratio"] * around(err, t, 0.0))
        by_ssim = (np.isfinite(drop[t]) and drop[t] >= max(cfg["ssim_drop"], cfg["mad_z"] * smad)
                   and drop[t] >= cfg["spike_ratio"] * around(drop, t, 0.01))
        occ_near = around(occ, t, 0.0)
        by_occlusion = (np.isfinite(occ[t]) and occ[t] >= max(cfg["min_occluded"], cfg["ratio"] * omed, omed + cfg["mad_z"] * omad)
                        and occ[t] >= cfg["spike_ratio"] * max(occ_near, 0.01))
        # part of the picture teleports (a patch, a limb, a face): flow fails all at once in a few of
        # the 16 regions, which it followed the change before and after; the whole frame shows it too
        nb = [i for i in (left_of[t], right_of[t]) if i >= 1]
        local = 0.0
        if nb:
            rise = region_occ[t] - np.maximum(np.max(region_occ[nb], axis=0), cadence[id(region_occ)][t])
            local = float(np.sort(rise)[-2:].mean())
        # (flow lost nearly everywhere at once is its limit in a fast pan, not a teleport)
        by_region = (local >= cfg["region_occluded"] and np.isfinite(occ[t]) and occ[t] < cfg["region_max_frame"]
                     and occ[t] - occ_near >= cfg["occluded_rise"]
                     and occ[t] >= omed + cfg["region_mad_z"] * omad
                     and occ[t] >= cfg["region_spike_ratio"] * max(occ_near, 0.01))
        # flow lost at once over most of a fast shot whose brightness layout changes no more than
        # around it: not a new shot (the cut detector passed it on), so part of the picture jumped
        by_break = t in breaks
        if by_warp or by_ssim or by_occlusion or by_region or by_break:
            ratio = err[t] / max(med, 1e-3)
            # an image-to-video generation often steps away from its conditioning frame at once, and
            # the last frames may settle: a jump in the first or last frames is trimmed in the edit
            at_edge = t <= cfg["edge_frames"] or t >= ctx.n - 1 - cfg["edge_frames"]
            out.append(ctx.finding("jump", t, t, "note" if at_edge else cfg["severity"], ratio, cfg["ratio"],
                                   ("at the clip's edge (trim it): " if at_edge else "") +
                                   f"structural jump without a cut: warping error {err[t]:.1f} vs clip median "
                                   f"{med:.1f}, SSIM {ssim[t]:.2f} vs {smed:.2f}, flow fails on {occ[t]:.0%} "
                                   f"vs {omed:.0%} ({local:.0%} more in the two regions it hits)"))
    return out


def _rolling_median(x: np.ndarray, width: int) -> np.ndarray:
    """Centred rolling median along axis 0 (edges use the nearest full window)."""
    n = x.shape[0]
    if n < width:
        return np.repeat(np.median(x, axis=0, keepdims=True), n, axis=0)
    view = np.lib.stride_tricks.sliding_window_view(x, width, axis=0)
    if np.isnan(x).any():
        med = np.median(view, axis=-1)      # NaN wherever a window holds one
    else:
        # np.median's own value (the middle one, or the mean of the middle two), 2-4x faster on
        # these short windows
        ordered = np.sort(view, axis=-1)
        k = width // 2
        med = ordered[..., k] if width % 2 else (ordered[..., k - 1] + ordered[..., k]) / 2
    pad_l = (width - 1) // 2
    pad_r = n - med.shape[0] - pad_l
    return np.concatenate([np.repeat(med[:1], pad_l, axis=0), med, np.repeat(med[-1:], pad_r, axis=0)])


def detect_boil(ctx: Context, cfg: dict) -> list[Finding]:
    width = int(cfg["min_frames"])
    if ctx.blank or ctx.n < width + 2:
        return []
    import warnings

    import cv2

    sig = ctx.signals
    # residual relative to the cell's own texture: detailed texture leaves more residual when clean
    res = sig.cell_resid.astype(np.float64) / (sig.cell_texture.astype(np.float64) + cfg["texture_floor"])
    res[0] = np.nan
    excluded = np.zeros(ctx.n, bool)
    for s, e in ctx.spans("cut", "glitch", "black", "flash", "jump"):
        excluded[max(0, s - 1):e + 2] = True
    res[excluded] = np.nan
    # each cell's usual residual, shot by shot: clean texture is normal, and after a cut or a jump the
    # cell shows other texture (4 of 4 false boil findings on the real suite came from a base taken
    # over the other side of an injected cut or jump)
    base = np.empty_like(res)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for lo, hi in _segments(ctx, ("cut", "jump")):
            base[lo:hi] = np.nanmedian(res[lo:hi], axis=0)
    base = np.maximum(np.nan_to_num(base, nan=np.inf), 0.05)
    # sustained, not a spike: the cell's residual over a window of min_frames
    sustained = _rolling_median(np.nan_to_num(res, nan=0.0), width)
    cols, rows = 16, 9
    moving = sig.cell_motion.reshape(-1, rows, cols)
    near = np.stack([cv2.dilate(m, np.ones((3, 3), np.uint8)) for m in moving])
    slow = _rolling_median(near.reshape(ctx.n, -1).astype(np.float64), width) < cfg["max_motion"]
    # shimmer is new every frame (its residuals anti-correlate frame to frame); real texture moving
    # slowly leaves residuals that persist (positive correlation)
    corr = _rolling_median(np.nan_to_num(sig.cell_corr.astype(np.float64), nan=1.0), width)
    incoherent = corr <= cfg["max_corr"]
    hot = (sustained >= cfg["ratio"] * base) & (sustained >= base + cfg["min_delta"]) & slow & incoherent
    hot[excluded] = False
    raw = np.nan_to_num(res, nan=0.0)
    raw_hot = (raw >= cfg["ratio"] * base) & (raw >= base + cfg["min_delta"])
    # or: change no motion explains, judged without trusting the flow (broll.qc.boil_shimmer)
    from broll.qc.boil_shimmer import shimmer_hot
    # (each test must cover min_area on its own: two partial readings of clean texture do not add up)
    # ... and not over a flicker finding: a swing the per-cell gain does not fully remove alternates
    # like new noise (a synthetic flicker over a still shot read as boil)
    flickering = excluded.copy()
    for s, e in ctx.spans("flicker"):
        flickering[s:e + 1] = True
    shimmer, shimmer_now, chained = shimmer_hot(sig, cfg, _segments(ctx, ("cut",)), flickering, _rolling_median)
    # an episode's ends are found frame by frame by either test's own reading: the first test's
    # residual ratio does not rise on cells only the second test finds, and without this a shimmer
    # episode stayed as short as the window median left it (mmaction2 `demo`: 9 of 24 frames)
    raw_hot |= shimmer_now
    active = (hot.mean(axis=1) >= cfg["min_area"]) | (shimmer.mean(axis=1) >= cfg["min_area"])
    active |= chained.mean(axis=1) >= cfg["min_area"]
    hot |= shimmer | chained
    out = []
    for s, e in runs(active, min_len=width // 2, max_gap=2):
        cells = hot[s:e + 1].any(axis=0)
        # the window median trims the ends of an episode: extend to where those cells are still hot
        # (frame by frame, by either test)
        frac = raw_hot[:, cells].mean(axis=1)
        while s > 1 and frac[s - 1] >= 0.5:
            s -= 1
        while e < ctx.n - 1 and frac[e + 1] >= 0.5:
            e += 1
        if e - s + 1 < width:
            continue
        excess = float(np.median(sustained[s:e + 1][:, cells] / base[s:e + 1][:, cells])) if cells.any() else 0.0
        out.append(ctx.finding("boil", s, e, cfg["severity"], excess, cfg["ratio"],
                               f"texture shimmer over {cells.mean():.0%} of the frame where motion is low "
                               f"(residual {excess:.1f}x the clip's usual level there)"))
    return out


REPEAT_MAE = 0.1     # mean |dY| below which a frame repeats its predecessor (an encoded copy reads <= 0.03)


def _sharpness(sig: Signals) -> np.ndarray:
    return sig["lap_var"] / (sig["luma_std"] ** 2 + 1.0)


def detect_blur(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank or ctx.n < 3:
        return []
    sharp = _sharpness(ctx.signals)
    valid = ~ctx.uniform
    med = float(np.median(sharp[valid])) if valid.any() else 0.0
    ctx.metrics["sharpness_median"] = round(med, 4)
    out = []
    # a close-up of smooth shading (a face against a plain wall) has high contrast and so a low
    # contrast-normalised sharpness, yet its edges are as crisp as any: soft means few edges too
    edges = _quality(ctx)["edges"]
    if med < cfg["floor"] and edges < cfg["max_edges"]:
        out.append(ctx.finding("low_detail", 0, ctx.n - 1, cfg["severity"], med, cfg["floor"],
                               f"the whole clip is soft (contrast-normalised sharpness {med:.3f}, "
                               f"{edges:.0%} of the picture on an edge)"))
        return out
    # each shot is its own reference: across a cut or a jump (whose seams add edges) the picture is
    # another one, and a sharper second half made the first read as blurred on the real suite
    # repeated frames (a stall, found or not: flow reads 0 there) say nothing of how fast it moves
    motion = ctx.signals["motion"].copy()
    motion[np.nan_to_num(ctx.signals["mae"], nan=np.inf) < REPEAT_MAE] = np.nan
    for fs, fe in ctx.spans("freeze"):
        motion[fs:fe + 1] = np.nan
    clip_motion = float(np.nanmedian(motion)) if np.isfinite(motion).any() else 0.0
    for lo, hi in _segments(ctx, ("cut", "jump")):
        seg_valid = valid[lo:hi]
        if not seg_valid.any():
            continue
        seg_med = float(np.median(sharp[lo:hi][seg_valid]))
        below = (sharp[lo:hi] < cfg["ratio"] * seg_med) & seg_valid
        for s, e in runs(below, min_len=int(cfg["min_frames"]), max_gap=1):
            s, e = s + lo, e + lo
            worst = float(np.min(sharp[s:e + 1]) / seg_med)
            moving = motion[s:e + 1]
            run_motion = float(np.nanmedian(moving)) if np.isfinite(moving).any() else 0.0
            # the picture smears as fast as it moves: softness while it moves far faster than the rest
            # of the clip is motion blur, as a camera records it (a car through snow spray at 14 px/frame)
            if run_motion >= cfg["motion_blur"] and run_motion >= cfg["motion_ratio"] * clip_motion:
                out.append(ctx.finding("blur", s, e, "note", worst, cfg["ratio"],
                                       f"motion blur: sharpness falls to {worst:.0%} of the shot's median while the "
                                       f"picture moves {run_motion:.0f} px/frame ({clip_motion:.0f} in the clip)"))
                continue
            out.append(ctx.finding("blur", s, e, cfg["severity"], worst, cfg["ratio"],
                                   f"sharpness falls to {worst:.0%} of the shot's median"))
    return out


def _segments(ctx: Context, kinds: tuple[str, ...]) -> list[tuple[int, int]]:
    """Half-open frame ranges between the starts of findings of ``kinds`` (shots, for a cut)."""
    starts = sorted({f.start_frame for f in ctx.findings if f.kind in kinds and 0 < f.start_frame < ctx.n})
    edges = [0, *starts, ctx.n]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


QUALITY_TERMS = ("edges", "luma_std", "colourfulness", "entropy", "noise")


def _quality(ctx: Context) -> dict[str, float]:
    """Clip medians of the technical-quality terms over frames that are not near-uniform."""
    if "quality" not in ctx.metrics:
        keep = ~ctx.uniform if (~ctx.uniform).any() else np.ones(ctx.n, bool)
        q = {}
        for k in QUALITY_TERMS:
            x = ctx.signals[k][keep]
            x = x[np.isfinite(x)]
            q[k] = round(float(np.median(x)), 4) if x.size else 0.0
        ctx.metrics["quality"] = q
    return ctx.metrics["quality"]


def detect_degenerate(ctx: Context, cfg: dict) -> list[Finding]:
    """Output with no recognisable structure: almost no edges, flat and washed-out, the whole clip.

    Each term is compared with the range measured on real footage (README, degenerate): real
    clips, even night, fog or defocused ones, keep edges somewhere; a failed generation of muddy
    noise keeps none and has little contrast or colour besides.
    """
    if ctx.blank or ctx.n == 0:
        return []
    q = _quality(ctx)
    flat = q["luma_std"] < cfg["max_contrast"]
    dull = q["colourfulness"] < cfg["max_colourfulness"]
    # a very dark shot has its structure at a fraction of the amplitude: it is judged as dark
    # (black, low_quality), never as degenerate
    lit = float(np.median(ctx.signals["luma"])) >= cfg["min_luma"]
    if q["edges"] < cfg["max_edges"] and flat and dull and lit:
        return [ctx.finding("degenerate", 0, ctx.n - 1, cfg["severity"], q["edges"], cfg["max_edges"],
                            f"no recognisable structure: {q['edges']:.1%} of the picture on an edge, contrast "
                            f"(luma std) {q['luma_std']:.0f}, colourfulness {q['colourfulness']:.0f}, "
                            f"entropy {q['entropy']:.1f} bits: a degenerate generation")]
    return []


def detect_low_quality(ctx: Context, cfg: dict) -> list[Finding]:
    """Weak but usable: several quality terms at the low end of what real footage shows."""
    if ctx.blank or ctx.n == 0 or ctx.spans("degenerate", "low_detail"):
        return []
    q = _quality(ctx)
    weak = []
    if q["edges"] < cfg["min_edges"]:
        weak.append(f"few edges ({q['edges']:.1%})")
    if q["luma_std"] < cfg["min_contrast"]:
        weak.append(f"low contrast ({q['luma_std']:.0f})")
    if q["colourfulness"] < cfg["min_colourfulness"]:
        weak.append(f"little colour ({q['colourfulness']:.0f})")
    if q["entropy"] < cfg["min_entropy"]:
        weak.append(f"few tones ({q['entropy']:.1f} bits)")
    if q["noise"] > cfg["max_noise"]:
        weak.append(f"noisy (sigma {q['noise']:.1f})")
    if len(weak) >= cfg["min_terms"]:
        return [ctx.finding("low_quality", 0, ctx.n - 1, cfg["severity"], len(weak), cfg["min_terms"],
                            "weak technical quality: " + ", ".join(weak))]
    return []


def detect_letterbox(ctx: Context, cfg: dict) -> list[Finding]:
    sig = ctx.signals
    if ctx.blank or sig.row_max.size == 0:
        return []
    out = []
    for name, profile in (("letterbox", sig.row_max), ("pillarbox", sig.col_max)):
        dark = profile <= cfg["max_luma"]
        lead = int(np.argmin(dark)) if not dark.all() else dark.size
        trail = int(np.argmin(dark[::-1])) if not dark.all() else dark.size
        frac = (lead + trail) / dark.size
        if min(lead, trail) / dark.size >= cfg["min_fraction"] / 2 and frac >= cfg["min_fraction"]:
            out.append(ctx.finding(name, 0, ctx.n - 1, cfg["severity"], frac, cfg["min_fraction"],
                                   f"{name} bars cover {frac:.0%} of the {'height' if name == 'letterbox' else 'width'}"))
    return out


def detect_interlace(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.n == 0:
        return []
    frac = ctx.signals.interlaced_frames / ctx.n
    if frac >= cfg["min_fraction"]:
        return [ctx.finding("interlace", 0, ctx.n - 1, cfg["severity"], frac, cfg["min_fraction"],
                            f"{frac:.0%} of pictures are coded interlaced: deinterlace before editing")]
    return []


def detect_levels(ctx: Context, cfg: dict) -> list[Finding]:
    if ctx.blank or ctx.n == 0:
        return []
    info = ctx.info
    if info is not None and (info.color_range == "pc" or info.pix_fmt.startswith("yuvj")):
        return []
    brng = float(np.mean(ctx.signals["brng"]))
    r103 = float(np.mean(ctx.signals["r103"]))
    ctx.metrics["out_of_range"] = round(r103, 4)
    if r103 > cfg["max_fraction"]:
        return [ctx.finding("levels", 0, ctx.n - 1, cfg["severity"], r103, cfg["max_fraction"],
                            f"{r103:.1%} of luma outside EBU R103's 5-246 ({brng:.1%} outside 16-235): "
                            "legalise levels before broadcast")]
    return []


Detector = Callable[[Context, dict], list[Finding]]

DETECTORS: dict[str, Detector] = {
    "blank": detect_blank,
    "black": detect_black,
    "flash": detect_flash,
    "freeze": detect_freeze,
    "flicker": detect_flicker,
    "glitch": detect_glitch,
    "cut": detect_cut,
    "jump": detect_jump,
    "boil": detect_boil,
    "blur": detect_blur,
    "degenerate": detect_degenerate,
    "low_quality": detect_low_quality,
    "letterbox": detect_letterbox,
    "interlace": detect_interlace,
    "levels": detect_levels,
}


def run_detectors(signals: Signals, profile, info: MediaInfo | None = None) -> tuple[list[Finding], dict]:
    """Run every detector of ``DETECTORS`` with ``profile``'s thresholds; findings sorted by frame."""
    ctx = Context(signals, info, cut_cfg=profile.section("cut"))
    black = profile.section("black")
    ctx.uniform = signals["luma_std"] < black["max_std"] if signals.frames else np.zeros(0, bool)
    for name, fn in DETECTORS.items():
        cfg = profile.section(name)
        ctx.findings.extend(fn(ctx, cfg))
        if name == "flash":
            # a strobe explains its own uniform frames: report the flash, not each white frame
            strobes = ctx.spans("flash")
            ctx.findings = [f for f in ctx.findings if not (
                f.kind == "black" and any(s <= f.start_frame and f.end_frame <= e for s, e in strobes))]
    ctx.findings.sort(key=lambda f: (f.start_frame, f.end_frame, f.kind))
    return ctx.findings, ctx.metrics
