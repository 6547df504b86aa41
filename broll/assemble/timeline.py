"""The resolved timeline: a pure, frozen model in exact integer frames at the output rate.

No YAML, no FFmpeg, no I/O. Every item knows its length in output frames and where it
starts and ends on the reel; a transition into an item overlaps it with the previous
one. So ``reel frames = sum(item frames) - sum(overlaps)`` holds by construction, and
audio sample positions derive from the same frame positions (no drift, ever).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Optional

AUDIO_RATE = 48000


@dataclass(frozen=True)
class TextOverlay:
    value: str
    position: str = "bottom"          # top | center | bottom
    start: int = 0                    # frames from the item's start
    end: Optional[int] = None         # exclusive; None = to the item's end
    size: Optional[float] = None      # fraction of frame height
    color: str = "white"


@dataclass(frozen=True)
class Transition:
    type: str = "cut"                 # "cut" or an xfade name
    frames: int = 0                   # overlap with the previous item

    @property
    def is_cut(self) -> bool:
        return self.type == "cut" or self.frames == 0


@dataclass(frozen=True)
class Source:
    """What the plan needs to know about a media file (from the probe)."""
    path: str
    kind: str                         # video | image
    width: int
    height: int
    fps: Fraction = Fraction(0)
    duration: Fraction = Fraction(0)
    sar: Fraction = Fraction(1)
    has_audio: bool = False
    animated: bool = False
    colour: str = "bt709"             # how its pictures reach BT.709: broll.media.colour.source_matrix
    full_range: bool = False
    tagged: bool = True               # False: no matrix tag, so FFmpeg and PyAV decode it as BT.601


@dataclass(frozen=True)
class Item:
    """One entry of the reel, placed on the output in frames."""
    kind: str                         # clip | image | title
    frames: int                       # length on the output
    start: int = 0                    # first output frame (includes the overlap with the previous item)
    transition: Transition = Transition()
    source: Optional[Source] = None   # None for titles
    src_in: Fraction = Fraction(0)    # seconds into the source (snapped to its frame grid)
    src_out: Fraction = Fraction(0)
    speed: Fraction = Fraction(1)
    audio: str | float = "keep"       # keep | mute | gain dB
    fit: str = "cover"
    reframe: str = "center"           # where a cover crop sits: center | subject | auto (broll.reframe)
    motion: str = "none"
    title: str = ""
    subtitle: str = ""
    background: str = "#101010"
    color: str = "white"
    size: Optional[float] = None
    texts: tuple[TextOverlay, ...] = ()
    video_filter: str = ""            # extra per-item filter inserted right after decode/trim (e.g. lut3d)
    label: str = ""                   # where it came from, for messages ("timeline[2]")
    # frame rate (issue 20): how a clip at another rate becomes the reel's (broll.assemble.retime)
    retime: str = "repeat"
    picture: Optional[Source] = None  # the picture pre-rendered at the reel's rate (retime: motion); sound stays on source
    framing: tuple = ()               # (strategy, confidence, widened) of a subject analysis (broll.reframe.timeline)

    @property
    def end(self) -> int:
        return self.start + self.frames

    @property
    def uses_source_audio(self) -> bool:
        return (self.kind == "clip" and self.source is not None and self.source.has_audio
                and self.audio != "mute")


@dataclass(frozen=True)
class MusicBed:
    path: str
    volume_db: float = -12.0
    fade_in: Fraction = Fraction(1)
    fade_out: Fraction = Fraction(2)
    duck: bool = True
    start: Fraction = Fraction(0)
    loop: bool = True
    duration: Fraction = Fraction(0)


@dataclass(frozen=True)
class Timeline:
    fps: Fraction
    width: int
    height: int
    items: tuple[Item, ...]
    music: Optional[MusicBed] = None
    loudness: Optional[float] = -14.0
    true_peak: float = -1.0
    lra: float = 11.0
    sample_rate: int = AUDIO_RATE
    safe_zone: tuple[float, float, float, float] = (0.05, 0.05, 0.05, 0.05)  # top, right, bottom, left
    font: str = ""
    meta: dict = field(default_factory=dict, compare=False)
    layers: Optional[object] = None   # captions, overlays, voice-over on the reel (broll.assemble.layers.Layers)

    @property
    def frames(self) -> int:
        return self.items[-1].end if self.items else 0

    @property
    def duration(self) -> Fraction:
        return Fraction(self.frames) / self.fps

    def sample_at(self, frame: int) -> int:
        """Audio sample index at an output frame boundary (exact, rounded once)."""
        return int(Fraction(frame * self.sample_rate) / self.fps + Fraction(1, 2))

    @property
    def samples(self) -> int:
        return self.sample_at(self.frames)

    def item_samples(self, item: Item) -> int:
        return self.sample_at(item.end) - self.sample_at(item.start)

    def overlap_samples(self, index: int) -> int:
        """Samples shared by item ``index`` and the one before it (its crossfade)."""
        if index == 0:
            return 0
        return self.sample_at(self.items[index - 1].end) - self.sample_at(self.items[index].start)

    def with_filters(self, filters: dict[int, str]) -> "Timeline":
        """A copy with extra per-item video filters (index -> filter string), e.g. a grade's lut3d."""
        items = tuple(replace(it, video_filter=filters.get(i, it.video_filter)) for i, it in enumerate(self.items))
        return replace(self, items=items)


def place(items: list[Item]) -> tuple[Item, ...]:
    """Give each item its start frame: it begins where the previous ends, minus its transition."""
    placed: list[Item] = []
    cursor = 0
    for index, item in enumerate(items):
        overlap = 0 if index == 0 else item.transition.frames
        if index == 0 and item.transition.frames:
            item = replace(item, transition=Transition("cut", 0))
        start = cursor - overlap
        placed.append(replace(item, start=start))
        cursor = start + item.frames
    return tuple(placed)
