"""Cut a resolved timeline into segments, and key each segment by what shapes its pixels.

Pure functions over the frozen :class:`~broll.assemble.timeline.Timeline` (no I/O, no FFmpeg):
the groundwork for segmented, cached and parallel renders (issue #15), not yet wired into
rendering.

Where a segment may end. A join is invisible only where one frame of the reel comes from one
place, so a boundary (between frame ``b - 1`` and frame ``b``) must lie in an item's *solo
part*: the frames after its incoming transition has finished and before its outgoing one
begins. Every transition therefore lies wholly inside one segment, and a boundary at a hard
cut between two items (the natural join: nothing continues across it) is preferred over one
in the middle of an item. Boundaries are integer output frames: exact by construction.

What a segment's key covers. Everything that shapes the segment's frames and nothing else:
each covered item's source *content* hash (not its path), its trim, speed, fit, motion,
titles, texts and resolved filters (LUT paths replaced by the LUTs' content hashes), the part
of the item the segment covers (item-relative frames, so a segment does not change when an
earlier item gets longer), the reel's size, rate, font and safe zone, the encoder settings
and the FFmpeg version. Audio settings are left out: the sound is rendered once, over the
whole programme, and muxed last.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any, Mapping, Sequence

from broll.assemble.timeline import Item, Timeline
from broll.hashing import text_sha256

SEGMENT_KEY_VERSION = 1
DEFAULT_TARGET_SECONDS = Fraction(6)


@dataclass(frozen=True)
class ItemSpan:
    """The part of one timeline item a segment covers, in the item's own frames ``[first, last)``."""

    index: int
    first: int
    last: int


@dataclass(frozen=True)
class Segment:
    """Output frames ``[start, end)`` of the reel and the item spans that make them."""

    index: int
    start: int
    end: int
    spans: tuple[ItemSpan, ...]

    @property
    def frames(self) -> int:
        return self.end - self.start


def solo_parts(timeline: Timeline) -> list[tuple[int, int]]:
    """Per item, the boundaries ``[lo, hi]`` (reel frames) at which a segment may end inside it.

    ``lo`` is where its incoming transition ends, ``hi`` where its outgoing one begins; an item
    whose transitions cover it completely has none (``lo > hi``).
    """
    items = timeline.items
    parts = []
    for k, item in enumerate(items):
        lo = item.start + (item.transition.frames if k > 0 and not item.transition.is_cut else 0)
        nxt = items[k + 1] if k + 1 < len(items) else None
        hi = nxt.start if nxt is not None and not nxt.transition.is_cut else item.end
        parts.append((lo, hi))
    return parts


def allowed_boundaries(timeline: Timeline) -> list[tuple[int, int]]:
    """Merged, sorted intervals of reel frames where a segment boundary may fall (0 < b < frames)."""
    total = timeline.frames
    spans = sorted((max(lo, 1), min(hi, total - 1)) for lo, hi in solo_parts(timeline))
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if lo > hi:
            continue
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def hard_cuts(timeline: Timeline) -> list[int]:
    """Reel frames where one item ends and the next starts with a cut (the preferred joins)."""
    return [it.start for k, it in enumerate(timeline.items) if k > 0 and it.transition.is_cut]


def _nearest_allowed(allowed: list[tuple[int, int]], ideal: int, lo: int, hi: int) -> int | None:
    best = None
    for a, b in allowed:
        a, b = max(a, lo), min(b, hi)
        if a > b:
            continue
        candidate = min(max(ideal, a), b)
        if best is None or abs(candidate - ideal) < abs(best - ideal):
            best = candidate
    return best


def plan_segments(timeline: Timeline, target_frames: int, *, min_frames: int | None = None,
                  edges: Sequence[int] = ()) -> tuple[Segment, ...]:
    """Cut ``timeline`` into segments of about ``target_frames`` frames each.

    From each segment's start the planner looks for a hard cut within half a target of the ideal
    end, else the allowed boundary nearest to it; no segment (not even the last) is shorter
    than ``min_frames`` (default: half the target) unless the reel is. A reel with no allowed
    boundary stays one segment. ``edges``: boundaries that must be there (allowed ones, e.g. where
    the picture starts and stops differing between variants, see broll.assemble.variant_spans);
    the stretches between them are cut as above, and may be shorter than ``min_frames``.
    """
    if target_frames < 1:
        raise ValueError(f"target_frames must be positive, got {target_frames}")
    total = timeline.frames
    if total == 0:
        return ()
    min_frames = max(1, target_frames // 2 if min_frames is None else min_frames)
    allowed = allowed_boundaries(timeline)
    cuts = hard_cuts(timeline)
    fixed = sorted({e for e in edges if 0 < e < total})
    for e in fixed:
        if not any(a <= e <= b for a, b in allowed):
            raise ValueError(f"segment edge {e} is not an allowed boundary")
    bounds = [0]
    for stop in fixed + [total]:
        bounds += _cut_stretch(bounds[-1], stop, target_frames, min_frames, allowed, cuts)
    return tuple(_segment(timeline, i, a, b) for i, (a, b) in enumerate(zip(bounds, bounds[1:])))


def _cut_stretch(cursor: int, total: int, target_frames: int, min_frames: int,
                 allowed: list[tuple[int, int]], cuts: list[int]) -> list[int]:
    """The boundaries after ``cursor`` up to and including ``total`` (one stretch of the reel)."""
    bounds = []
    while total - cursor >= target_frames + min_frames:
        lo, hi = cursor + min_frames, total - min_frames
        if lo > hi:
            break
        ideal = cursor + target_frames
        near = [c for c in cuts if lo <= c <= hi and abs(c - ideal) <= target_frames // 2]
        b = min(near, key=lambda c: (abs(c - ideal), c)) if near else _nearest_allowed(allowed, ideal, lo, hi)
        if b is None:
            break
        bounds.append(b)
        cursor = b
    bounds.append(total)
    return bounds


def plan_segments_seconds(timeline: Timeline, target_seconds: Fraction | float = DEFAULT_TARGET_SECONDS,
                          **kwargs) -> tuple[Segment, ...]:
    """:func:`plan_segments` with the target in seconds at the reel's rate."""
    target = max(1, round(Fraction(target_seconds).limit_denominator(1000) * timeline.fps))
    return plan_segments(timeline, int(target), **kwargs)


def _segment(timeline: Timeline, index: int, start: int, end: int) -> Segment:
    spans = tuple(ItemSpan(k, max(it.start, start) - it.start, min(it.end, end) - it.start)
                  for k, it in enumerate(timeline.items) if it.start < end and it.end > start)
    return Segment(index, start, end, spans)


# -- the cache key ---------------------------------------------------------------------------

_UNHASHED_FILE = re.compile(r"file=(?!sha256:)")


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def _filter_with_hashes(text: str, file_hashes: Mapping[str, str], where: str) -> str:
    """The filter string with every referenced file replaced by ``sha256:<its content hash>``."""
    from broll.filtergraph import opt as escape_filter_value

    for path in sorted(file_hashes, key=len, reverse=True):   # longest first: no partial replacement
        for form in {escape_filter_value(path), path}:
            text = text.replace(form, f"sha256:{file_hashes[path]}")
    if _UNHASHED_FILE.search(text):
        raise ValueError(f"{where}: the filter reads a file with no content hash given: {text}")
    return text


def _item_description(item: Item, span: ItemSpan, file_hashes: Mapping[str, str]) -> dict:
    where = item.label or f"item {span.index}"
    desc: dict[str, Any] = {}
    for f in fields(item):
        if f.name in ("start", "label", "audio", "framing"):  # reel position, wording, sound, a report: not the picture's
            continue
        value = getattr(item, f.name)
        if f.name in ("source", "picture") and value is not None:   # picture: a retimed pre-render
            if value.path not in file_hashes:
                raise ValueError(f"{where}: no content hash given for {value.path}")
            value = {g.name: getattr(value, g.name) for g in fields(value)} | {"path": file_hashes[value.path]}
        elif f.name == "texts":
            value = [{g.name: getattr(t, g.name) for g in fields(t)} for t in value]
        elif f.name == "transition":
            # the incoming transition shapes this segment only if its overlap is inside it
            inside = span.first < value.frames
            value = {"type": value.type, "frames": value.frames} if inside else None
        elif f.name == "video_filter":
            value = _filter_with_hashes(value, file_hashes, where)
        desc[f.name] = value
    desc["span"] = [span.first, span.last]
    return desc


def segment_key(timeline: Timeline, segment: Segment, *, file_hashes: Mapping[str, str],
                encoder: Mapping[str, Any], ffmpeg_version: str) -> str:
    """Content hash of everything that shapes ``segment``'s frames (see the module docstring).

    ``file_hashes`` maps every file the segment reads, as the timeline names it (sources, LUTs
    in ``video_filter``, the font), to its sha256; a file without one is an error, because a
    key that ignores a file's content could serve a stale segment. ``encoder`` holds the preset's
    encoder settings (codec, CRF, x264 preset, pixel format, GOP ...).
    """
    font = timeline.font
    if font and font not in file_hashes:
        raise ValueError(f"no content hash given for the font {font}")
    doc = {
        "version": SEGMENT_KEY_VERSION,
        "ffmpeg": ffmpeg_version,
        "encoder": dict(encoder),
        "reel": {"fps": timeline.fps, "width": timeline.width, "height": timeline.height,
                 "font": file_hashes.get(font, "") if font else "", "safe_zone": list(timeline.safe_zone)},
        "frames": segment.frames,
        "items": [_item_description(timeline.items[s.index], s, file_hashes) for s in segment.spans],
    }
    return text_sha256(json.dumps(_plain(doc), sort_keys=True, separators=(",", ":")))


# -- the segment as a timeline of its own -----------------------------------------------------

def segment_timeline(timeline: Timeline, segment: Segment) -> tuple[Timeline, dict[int, tuple[int, int]]]:
    """The items ``segment`` covers, placed relative to its first frame, and the span of each.

    Fed to the one graph builder (:func:`broll.assemble.plan.video_plan` with these spans and
    ``segment.frames``): every item is built whole, as in the single graph, then trimmed to its
    span, and transitions inside the segment keep their offsets relative to its start. The first
    item's incoming transition lies before the segment (boundaries fall in solo parts), so it
    joins as a cut.
    """
    from dataclasses import replace

    from broll.assemble.timeline import Transition

    items = []
    spans: dict[int, tuple[int, int]] = {}
    for local, span in enumerate(segment.spans):
        item = timeline.items[span.index]
        item = replace(item, start=item.start - segment.start)
        if local == 0:
            if span.first < item.transition.frames and not item.transition.is_cut:
                raise ValueError(f"segment {segment.index} starts inside a transition")
            item = replace(item, transition=Transition("cut", 0))
        items.append(item)
        spans[local] = (span.first, span.last)
    layers = getattr(timeline, "layers", None)   # captions and overlays stay on the reel's clock
    if layers is not None:
        layers = layers.for_frames(segment.start, segment.end, timeline.fps)
    return replace(timeline, items=tuple(items), music=None, layers=layers), spans
