"""Which frames of a built reel are source pictures and which were made up by retiming.

The build writes ``<output>.frames.json`` beside each reel: runs of output frames that are
``repeat`` (a source picture shown again) or ``synth`` (blended or motion-interpolated).
QC reads it so the freeze, jump and glitch detectors do not flag frames the build made on
purpose; the review page uses :func:`source_frames` to step through source pictures only.
Frames not listed are source frames (or titles and stills, which are not retimed).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

from broll.assemble.retime import frame_kinds, item_method
from broll.assemble.timeline import Timeline

SIDECAR_SUFFIX = ".frames.json"
MADE_KINDS = ("repeat", "synth")


@dataclass(frozen=True)
class FrameMap:
    """Output frame runs ``(start, end_exclusive, kind)`` of made-up frames, and the reel's size."""
    fps: Fraction
    frames: int
    runs: tuple[tuple[int, int, str], ...]
    methods: tuple[str, ...] = ()     # per timeline item: pass | drop | repeat | blend | motion | ""

    def kind_at(self, frame: int) -> str:
        for start, end, kind in self.runs:
            if start <= frame < end:
                return kind
        return "source"

    def made(self, start: int, end: int) -> bool:
        """True when every frame in [start, end] (inclusive) was made up by retiming."""
        return all(self.kind_at(f) in MADE_KINDS for f in range(start, end + 1))

    def to_dict(self) -> dict:
        return {"version": 1, "fps": f"{self.fps.numerator}/{self.fps.denominator}", "frames": self.frames,
                "methods": list(self.methods), "runs": [list(r) for r in self.runs]}

    @classmethod
    def from_dict(cls, data: dict) -> "FrameMap":
        num, _, den = str(data["fps"]).partition("/")
        return cls(fps=Fraction(int(num), int(den or 1)), frames=int(data["frames"]),
                   runs=tuple((int(s), int(e), str(k)) for s, e, k in data.get("runs", [])),
                   methods=tuple(data.get("methods", ())))


def frame_map(tl: Timeline) -> FrameMap:
    """The made-up frames of a timeline, placed on the reel (a later item's frames win an overlap)."""
    kinds = ["source"] * tl.frames
    methods = []
    for item in tl.items:
        if item.kind == "title" or item.source is None or not (item.kind == "clip" or item.source.kind == "video"
                                                                 or item.source.animated):
            methods.append("")
            continue
        method = item_method(item, tl.fps, tl.width, tl.height)
        methods.append(method)
        src_fps = item.source.fps or tl.fps
        available = None
        if item.kind == "clip" and item.src_out > item.src_in:
            available = max(1, math.ceil((item.src_out - item.src_in) * src_fps - Fraction(1, 100)))
        per = frame_kinds(method, item.frames, src_fps, item.speed, tl.fps, available)
        for k, kind in enumerate(per):
            if 0 <= item.start + k < tl.frames:
                kinds[item.start + k] = kind
    runs: list[tuple[int, int, str]] = []
    for index, kind in enumerate(kinds):
        if kind == "source":
            continue
        if runs and runs[-1][1] == index and runs[-1][2] == kind:
            runs[-1] = (runs[-1][0], index + 1, kind)
        else:
            runs.append((index, index + 1, kind))
    return FrameMap(fps=tl.fps, frames=tl.frames, runs=tuple(runs), methods=tuple(methods))


def sidecar_path(video: str | os.PathLike) -> Path:
    video = Path(video)
    return video.with_name(video.name + SIDECAR_SUFFIX)


def write_frame_map(video: str | os.PathLike, tl: Timeline) -> Optional[Path]:
    """Write the sidecar beside a built reel (atomically) when it has made-up frames; a reel
    without any gets none (and loses a stale one from an earlier build)."""
    from broll.atomic import write_text
    fmap = frame_map(tl)
    path = sidecar_path(video)
    if not fmap.runs:
        path.unlink(missing_ok=True)
        return None
    return write_text(path, json.dumps(fmap.to_dict()) + "\n")


def read_frame_map(video: str | os.PathLike) -> Optional[FrameMap]:
    """The sidecar of a video, or None when it has none (or an unreadable one: QC then flags as usual)."""
    path = sidecar_path(video)
    try:
        return FrameMap.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def source_frames(fmap: FrameMap) -> list[int]:
    """Output frame numbers that show a source picture for the first time (review: source frames only)."""
    made = {f for start, end, kind in fmap.runs if kind in MADE_KINDS for f in range(start, end)}
    return [f for f in range(fmap.frames) if f not in made]
