"""Where variants of one reel differ, so segment boundaries can fence the differences in (issue #18).

Rows of ``--variants`` usually change a few local things: a headline caption, a lower-third's name, an
end card. A variant re-encodes every segment such a change touches, so with the default 6 s segments a
2.5 s caption costs a whole segment per row. :func:`varying_spans` compares the resolved timelines of
all rows and returns the reel frames whose pictures may differ between them; :func:`fence_edges` turns
those into segment boundaries (snapped outwards to places a boundary may go, see
:mod:`broll.assemble.segments`), which every row's build then uses (one segment layout for all
rows, so the segments outside the fences are rendered once and shared through the segment cache).

Pure functions over frozen timelines (no I/O). Conservative: two rows' frames count as the same only
when the items covering them are equal and the captions and overlays on screen there are equal
(:meth:`broll.assemble.layers.Layers.for_frames`); anything else is a difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Sequence

from broll.assemble.segments import allowed_boundaries
from broll.assemble.timeline import Timeline

MIN_GAP_SECONDS = Fraction(1, 2)    # a shared stretch shorter than this between fences is not worth its own segment


@dataclass(frozen=True)
class VaryingSpans:
    """Reel frames ``[start, end)`` that differ between variants, for timelines of ``frames`` frames at ``fps``."""
    fps: Fraction
    frames: int
    spans: tuple[tuple[int, int], ...]

    def fits(self, timeline: Timeline) -> bool:
        """Whether these spans were measured on a timeline shaped like ``timeline`` (same rate and length)."""
        return Fraction(timeline.fps) == self.fps and timeline.frames == self.frames


def _same_shape(timelines: Sequence[Timeline]) -> bool:
    first = timelines[0]
    return all((t.fps, t.width, t.height, t.frames, len(t.items)) ==
               (first.fps, first.width, first.height, first.frames, len(first.items))
               and all(a.start == b.start and a.frames == b.frames for a, b in zip(t.items, first.items))
               for t in timelines[1:])


def _layer_edges(tl: Timeline) -> set[int]:
    """Frames where a caption event or an overlay may appear or disappear (rounded outwards)."""
    from broll.assemble.layers import _centiseconds
    layers = tl.layers
    fps = Fraction(tl.fps)
    edges: set[int] = set()
    if layers is None:
        return edges
    for o in layers.overlays:
        edges.add(math.floor(o.placement.start * fps))
        if o.placement.end is not None:
            edges.add(math.ceil(o.placement.end * fps))
    for line in layers.ass_text.splitlines():
        if line.startswith("Dialogue:"):
            parts = line.split(",", 3)
            edges.add(math.floor(Fraction(_centiseconds(parts[1]), 100) * fps))
            edges.add(math.ceil(Fraction(_centiseconds(parts[2]), 100) * fps) + 1)
    return edges


def _layers_seen(tl: Timeline, first: int, end: int):
    layers = tl.layers
    if layers is None:
        return None
    seen = layers.for_frames(first, end, tl.fps)
    return (seen.ass_text, seen.overlays, seen.font_file if seen.overlays else "", seen.fonts_dir)


def varying_spans(timelines: Sequence[Timeline]) -> Optional[VaryingSpans]:
    """The frames whose picture may differ between these timelines (one per variant, same output), merged
    into spans; None when the timelines are not laid out alike (another length, rate or cut), so there
    is nothing to fence and the default segments apply."""
    if len(timelines) < 2 or not _same_shape(timelines):
        return None
    first = timelines[0]
    total = first.frames
    differ: list[tuple[int, int]] = []
    for k, item in enumerate(first.items):            # an item that differs (a clip named by a variable)
        if any(t.items[k] != item for t in timelines[1:]):
            differ.append((item.start, item.end))
    cuts = {0, total}
    for tl in timelines:
        cuts |= {e for e in _layer_edges(tl) if 0 < e < total}
    points = sorted(cuts)
    for a, b in zip(points, points[1:]):
        seen = _layers_seen(first, a, b)
        if any(_layers_seen(t, a, b) != seen for t in timelines[1:]):
            differ.append((a, b))
    return VaryingSpans(Fraction(first.fps), total, tuple(_merge(differ)))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def fence_edges(timeline: Timeline, spans: Sequence[tuple[int, int]],
                min_gap: Optional[int] = None) -> list[int]:
    """Segment boundaries around each varying span: its start moved back and its end moved forward to
    the nearest frame a boundary may fall on (outside transitions). A shared stretch shorter than
    ``min_gap`` frames (default half a second) between two fences, or between a fence and either end
    of the reel, joins the varying part (one process fewer per variant for a few frames)."""
    total = timeline.frames
    if min_gap is None:
        min_gap = max(1, round(MIN_GAP_SECONDS * Fraction(timeline.fps)))
    allowed = allowed_boundaries(timeline)
    fenced: list[tuple[int, int]] = []
    for a, b in spans:
        lo = max([x for lo_, hi_ in allowed for x in (min(hi_, a),) if lo_ <= x] or [0])
        hi = min([x for lo_, hi_ in allowed for x in (max(lo_, b),) if x <= hi_] or [total])
        lo = 0 if lo < min_gap else lo
        hi = total if total - hi < min_gap else hi
        if fenced and lo - fenced[-1][1] < min_gap:
            fenced[-1] = (fenced[-1][0], max(fenced[-1][1], hi))
        else:
            fenced.append((lo, hi))
    return sorted({e for span in fenced for e in span if 0 < e < total})
