"""Crop geometry and the crop path as data: keyframed window positions, an FFmpeg expression.

A path is a list of linear segments in source pixels over presentation time. Shots are
separate segments, so the window jumps at a cut instead of gliding across it. The FFmpeg
expression is a balanced binary search over the segments (see ``CropPath.expression``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:          # numpy is imported where a path is computed: a build whose items need no
    import numpy as np     # crop (the same aspect) does not pay for it


def _even(v: float) -> int:
    return max(2, int(round(v / 2)) * 2)


@dataclass(frozen=True)
class CropGeometry:
    """The largest window of the target aspect inside the source; it moves along ``axis``."""

    src_w: int
    src_h: int
    crop_w: int
    crop_h: int
    axis: str          # "x" (source wider than target), "y" (taller) or "" (same aspect)

    @property
    def travel(self) -> int:
        """How far the window can move, in source pixels."""
        return (self.src_w - self.crop_w) if self.axis == "x" else (self.src_h - self.crop_h) if self.axis == "y" else 0

    @property
    def span(self) -> int:
        """Source extent along the moving axis."""
        return self.src_w if self.axis != "y" else self.src_h

    @property
    def window(self) -> int:
        return self.crop_w if self.axis != "y" else self.crop_h


def crop_geometry(src_w: int, src_h: int, target_w: int, target_h: int) -> CropGeometry:
    src_aspect = src_w / src_h
    target_aspect = target_w / target_h
    if abs(src_aspect - target_aspect) < 0.01:
        return CropGeometry(src_w, src_h, src_w, src_h, "")
    if src_aspect > target_aspect:
        cw = min(src_w, _even(src_h * target_aspect))
        return CropGeometry(src_w, src_h, cw, src_h, "x")
    ch = min(src_h, _even(src_w / target_aspect))
    return CropGeometry(src_w, src_h, src_w, ch, "y")


@dataclass(frozen=True)
class Segment:
    t0: float
    t1: float          # exclusive; the last segment of a path runs on past t1
    p0: float          # window offset (left or top edge) in source pixels at t0
    p1: float

    def at(self, t: float) -> float:
        if self.t1 <= self.t0:
            return self.p0
        u = min(1.0, max(0.0, (t - self.t0) / (self.t1 - self.t0)))
        return self.p0 + (self.p1 - self.p0) * u


@dataclass(frozen=True)
class CropPath:
    geometry: CropGeometry
    segments: tuple[Segment, ...]
    cuts: tuple[float, ...] = ()
    method: str = "subject"
    stats: dict = field(default_factory=dict, compare=False)
    # the window's size along the axis over time (source px); empty: always ``geometry.window``.
    # Larger where the subject is wider than the window: the wider window is scaled into the
    # output over a blurred fill (a partial ``contain``), see ``widened``
    sizes: tuple[Segment, ...] = ()

    @property
    def confidence(self) -> float:
        """How sure the analysis is of the subject it follows (0..1; 1 for paths not from analysis)."""
        return float(self.stats.get("confidence", 1.0))

    @property
    def strategy(self) -> str:
        """``subject`` when the window follows a subject, ``blur`` when none was found with
        confidence and the picture should be contained over a blurred fill instead."""
        return str(self.stats.get("strategy", self.method))

    def offset_at(self, t: float) -> float:
        """Window offset along the axis at time ``t`` (clamped inside the frame)."""
        if not self.segments:
            return self.geometry.travel / 2
        import numpy as np
        return float(np.clip(_value_at(self.segments, t), 0, self.geometry.travel))

    def size_at(self, t: float) -> float:
        """The window's size along the axis at ``t`` (source px): ``geometry.window`` unless widened."""
        g = self.geometry
        if not self.sizes:
            return float(g.window)
        return float(min(max(_value_at(self.sizes, t), g.window), g.span))

    @property
    def widened(self) -> bool:
        """Whether the window grows past the target aspect anywhere (then the output shows it
        scaled down over a blurred fill while it is wider)."""
        return any(max(s.p0, s.p1) > self.geometry.window + 0.5 for s in self.sizes)

    def window_at(self, t: float) -> tuple[int, int, int, int]:
        """(x, y, w, h) of the window at ``t`` in source pixels (wider than the target's aspect
        where the path is widened)."""
        g = self.geometry
        off = int(round(self.offset_at(t)))
        size = int(round(self.size_at(t)))
        if g.axis == "y":
            return 0, off, g.crop_w, size
        return off, 0, size, g.crop_h

    def retimed(self, factor: float, offset: float = 0.0) -> "CropPath":
        """The same path on another clock: ``t' = t * factor + offset`` (e.g. ``1/speed`` after
        a speed change, or the item's start when the crop runs after items are joined)."""
        def moved(segments):
            return tuple(Segment(s.t0 * factor + offset, s.t1 * factor + offset, s.p0, s.p1) for s in segments)
        return CropPath(self.geometry, moved(self.segments), tuple(c * factor + offset for c in self.cuts),
                        self.method, self.stats, moved(self.sizes))

    @property
    def is_static(self) -> bool:
        return all(abs(s.p1 - s.p0) < 0.5 for s in self.segments) and \
            len({round(s.p0) for s in self.segments}) <= 1

    def expression(self, var: str = "t") -> str:
        """An FFmpeg expression of ``var`` (the time) giving the window offset (for ``crop``'s x or y).

        Segments form a balanced binary search on ``t`` with ``if(lt(t,..),left,right)``:
        FFmpeg evaluates only the taken branch, so each frame costs O(log n) and the
        nesting depth stays ~log2(n) (a flat sum of terms fails past ~60 terms).
        """
        if not self.segments:
            return str(self.geometry.travel // 2)
        if self.is_static:
            return str(int(round(self.segments[0].p0)))
        return _search(list(self.segments), var)

    def size_expression(self, var: str = "t") -> str:
        """An FFmpeg expression of ``var`` giving the window's size along the axis (source px)."""
        if not self.sizes:
            return str(self.geometry.window)
        return _search(list(self.sizes), var)


def _value_at(segments: tuple[Segment, ...], t: float) -> float:
    """The value at ``t`` of the last segment starting at or before it (the first before any)."""
    seg = segments[0]
    for s in segments:
        if t >= s.t0:
            seg = s
        else:
            break
    return seg.at(t)


def _leaf(s: Segment, var: str = "t") -> str:
    if s.t1 > s.t0 and abs(s.p1 - s.p0) >= 0.05:
        slope = (s.p1 - s.p0) / (s.t1 - s.t0)
        return f"{s.p0:.1f}{slope:+.3f}*(clip({var},{s.t0:.3f},{s.t1:.3f})-{s.t0:.3f})"
    return f"{s.p0:.1f}"


def _search(segs: list[Segment], var: str = "t") -> str:
    if len(segs) == 1:
        return _leaf(segs[0], var)
    mid = len(segs) // 2
    return f"if(lt({var},{segs[mid].t0:.3f}),{_search(segs[:mid], var)},{_search(segs[mid:], var)})"


def simplify(times: np.ndarray, values: np.ndarray, tolerance: float) -> list[int]:
    """Indices of the points kept by Ramer-Douglas-Peucker: a polyline within ``tolerance``."""
    import numpy as np
    n = len(times)
    if n <= 2:
        return list(range(n))
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        t0, t1, v0, v1 = times[i], times[j], values[i], values[j]
        seg_t = times[i + 1:j]
        line = v0 + (v1 - v0) * (seg_t - t0) / (t1 - t0) if t1 > t0 else np.full_like(seg_t, v0)
        err = np.abs(values[i + 1:j] - line)
        k = int(np.argmax(err))
        if err[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return [int(i) for i in np.flatnonzero(keep)]


def segments_from_samples(times: np.ndarray, offsets: np.ndarray, shot_starts: list[int],
                          tolerance: float = 0.5) -> tuple[Segment, ...]:
    """Keyframes per shot (RDP within ``tolerance`` px), joined into segments; jumps at cuts."""
    import numpy as np
    bounds = sorted(set(shot_starts) | {0}) + [len(times)]
    segs: list[Segment] = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        t, v = times[a:b], offsets[a:b]
        if len(t) == 0:
            continue
        keep = simplify(t, v, tolerance)
        if len(keep) == 1:
            segs.append(Segment(float(t[0]), float(t[0]), float(v[0]), float(v[0])))
            continue
        for i, j in zip(keep[:-1], keep[1:]):
            segs.append(Segment(float(t[i]), float(t[j]), float(v[i]), float(v[j])))
    # a shot's first segment starts at its first sample; extend the previous shot's last segment up to it
    fixed: list[Segment] = []
    for s in segs:
        if fixed and fixed[-1].t1 < s.t0 and abs(fixed[-1].p1 - fixed[-1].p0) < 1e-9:
            prev = fixed[-1]
            fixed[-1] = Segment(prev.t0, s.t0, prev.p0, prev.p1)
        fixed.append(s)
    return tuple(fixed)
