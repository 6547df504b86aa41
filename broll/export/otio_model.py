"""OpenTimelineIO export: a finished edit handed to Resolve or Premiere for finishing.

Input is a small neutral list of ``OtioItem`` (what the build timeline resolves to), so this
module knows nothing of YAML or FFmpeg. Output is an ``.otio`` file with:

* a video track of clips (``ExternalReference`` with the media's available range and each
  item's source range), stills as one-frame-rate clips, titles as ``GeneratorReference``;
* transitions as ``SMPTE_Dissolve`` (fade/dissolve) or ``Custom_Transition`` named after the
  xfade, centred on the cut: the outgoing clip gives half the overlap from its tail and the
  incoming clip half from its head, so the track runs exactly as long as the reel;
* speed as ``LinearTimeWarp``; text overlays and titles as markers; fit/motion/audio choices
  in ``metadata["broll"]`` (OTIO has no transform schema);
* a music track when there is a bed.

``opentimelineio`` is an optional dependency (extra ``otio``); it is imported on use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from broll.atomic import atomic_path
from broll.errors import InputError

DISSOLVES = {"fade", "dissolve", "fadeblack", "fadewhite", "fadegrays"}


@dataclass(frozen=True)
class OtioText:
    value: str
    start: Fraction            # seconds from the item's start on the timeline
    end: Fraction


@dataclass(frozen=True)
class OtioItem:
    kind: str                                  # clip | image | title
    name: str
    duration: Fraction                         # seconds on the output timeline (after speed)
    path: Path | None = None                   # media file (clip, image)
    source_in: Fraction = Fraction(0)          # seconds into the media (clips)
    media_duration: Fraction | None = None     # the whole media's length (clips)
    media_rate: Fraction | None = None         # the media's frame rate (clips)
    speed: Fraction = Fraction(1)
    transition: str = "cut"                    # into this item from the previous one
    transition_duration: Fraction = Fraction(0)
    texts: tuple[OtioText, ...] = ()
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OtioMusic:
    path: Path
    duration: Fraction                         # on the timeline
    media_duration: Fraction
    metadata: dict = field(default_factory=dict)


def _otio():
    try:
        import opentimelineio as otio
    except ImportError:
        raise InputError("OpenTimelineIO export needs the 'opentimelineio' package",
                         "pip install 'broll[otio]'") from None
    return otio


def build_timeline(name: str, items: list[OtioItem], rate: Fraction, music: OtioMusic | None = None):
    """An ``otio.schema.Timeline`` for ``items`` at the output ``rate`` (pure: no file I/O)."""
    otio = _otio()
    r = float(rate)

    def rt(seconds: Fraction) -> "otio.opentime.RationalTime":
        return otio.opentime.RationalTime(round(float(seconds) * r, 6), r)

    def tr(start: Fraction, duration: Fraction):
        return otio.opentime.TimeRange(rt(start), rt(duration))

    timeline = otio.schema.Timeline(name=name, global_start_time=rt(Fraction(0)))
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for i, item in enumerate(items):
        # half of each overlap comes out of either neighbour, so the track length is exact
        head = item.transition_duration / 2 if i > 0 and item.transition != "cut" else Fraction(0)
        nxt = items[i + 1] if i + 1 < len(items) else None
        tail = nxt.transition_duration / 2 if nxt is not None and nxt.transition != "cut" else Fraction(0)
        if head:
            kind = otio.schema.TransitionTypes.SMPTE_Dissolve if item.transition in DISSOLVES \
                else otio.schema.TransitionTypes.Custom
            video.append(otio.schema.Transition(name=item.transition, transition_type=kind,
                                                in_offset=rt(head), out_offset=rt(head),
                                                metadata={"broll": {"xfade": item.transition}}))
        visible = item.duration - head - tail
        meta = {"broll": dict(item.metadata, kind=item.kind)}
        if item.kind == "title":
            ref = otio.schema.GeneratorReference(name=item.name, generator_kind="broll.title",
                                                 parameters={"text": item.name, **item.metadata},
                                                 available_range=tr(Fraction(0), item.duration))
            clip = otio.schema.Clip(name=item.name, media_reference=ref,
                                    source_range=tr(head, visible), metadata=meta)
            clip.markers.append(otio.schema.Marker(name=item.name, marked_range=tr(head, visible),
                                                   color=otio.schema.MarkerColor.PURPLE,
                                                   metadata={"broll": {"title": item.name}}))
        else:
            media_rate = item.media_rate or rate
            available = None
            if item.media_duration is not None:
                available = otio.opentime.TimeRange(
                    otio.opentime.RationalTime(0, float(media_rate)),
                    otio.opentime.RationalTime(round(float(item.media_duration * media_rate), 6), float(media_rate)))
            ref = otio.schema.ExternalReference(target_url=Path(item.path).resolve().as_uri(),
                                                available_range=available)
            # as OTIO's EDL/FCP adapters do: the range starts at the media in-point and lasts
            # as long as the clip plays on the track; a LinearTimeWarp says how fast media runs
            start = item.source_in + head * item.speed
            clip = otio.schema.Clip(name=item.name, media_reference=ref,
                                    source_range=tr(start, visible), metadata=meta)
            if item.speed != 1:
                clip.effects.append(otio.schema.LinearTimeWarp(name="speed", time_scalar=float(item.speed)))
        for text in item.texts:
            t0 = max(text.start, head)
            t1 = min(text.end, item.duration - tail)
            if t1 <= t0:
                continue
            # marker ranges live in the clip's own time, which starts at source_range.start_time
            base = clip.source_range.start_time.to_seconds() - float(head)
            marked = otio.opentime.TimeRange(
                otio.opentime.RationalTime(round((base + float(t0)) * r, 6), r), rt(t1 - t0))
            clip.markers.append(otio.schema.Marker(name=text.value, marked_range=marked,
                                                   color=otio.schema.MarkerColor.YELLOW,
                                                   metadata={"broll": {"text": text.value}}))
        video.append(clip)
    timeline.tracks.append(video)
    if music is not None:
        audio = otio.schema.Track(name="A1 music", kind=otio.schema.TrackKind.Audio)
        ref = otio.schema.ExternalReference(target_url=Path(music.path).resolve().as_uri(),
                                            available_range=tr(Fraction(0), music.media_duration))
        remaining, k = music.duration, 0
        while remaining > 0:               # a bed shorter than the reel loops: one clip per pass
            part = min(remaining, music.media_duration)
            audio.append(otio.schema.Clip(name=f"{Path(music.path).name}" + (f" ({k + 1})" if k else ""),
                                          media_reference=ref, source_range=tr(Fraction(0), part),
                                          metadata={"broll": dict(music.metadata)}))
            remaining -= part
            k += 1
        timeline.tracks.append(audio)
    return timeline


def write_otio(target: str | os.PathLike, timeline) -> Path:
    """Write ``timeline`` atomically as ``.otio`` JSON."""
    otio = _otio()
    target = Path(target)
    if target.suffix.lower() != ".otio":
        raise InputError(f"{target}: OpenTimelineIO export writes .otio files", "name the file like reel.otio")
    with atomic_path(target) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    return target


def items_from_timeline(timeline) -> tuple[list[OtioItem], OtioMusic | None]:
    """Adapt a resolved build timeline (``broll.assemble.timeline.Timeline``) to OTIO items.

    Read by attribute, so this module does not depend on the assemble package.
    """
    fps = Fraction(timeline.fps)
    out: list[OtioItem] = []
    for it in timeline.items:
        src = it.source
        duration = Fraction(it.frames) / fps
        cut = it.transition.is_cut
        texts = tuple(OtioText(t.value, Fraction(t.start) / fps,
                               Fraction(t.end if t.end is not None else it.frames) / fps) for t in it.texts)
        meta = {"fit": it.fit, "audio": it.audio, "motion": it.motion, "label": it.label}
        if it.kind == "title":
            meta = {"background": it.background, "color": it.color, "subtitle": it.subtitle, "label": it.label}
            out.append(OtioItem("title", it.title or "title", duration, texts=texts, metadata=meta,
                                transition="cut" if cut else it.transition.type,
                                transition_duration=Fraction(0) if cut else Fraction(it.transition.frames) / fps))
            continue
        is_clip = it.kind == "clip"
        out.append(OtioItem(
            "clip" if is_clip else "image", Path(src.path).name, duration, Path(src.path),
            source_in=Fraction(it.src_in) if is_clip else Fraction(0),
            media_duration=Fraction(src.duration) if is_clip and src.duration else None,
            media_rate=Fraction(src.fps) if is_clip and src.fps else None,
            speed=Fraction(it.speed) if is_clip else Fraction(1),
            transition="cut" if cut else it.transition.type,
            transition_duration=Fraction(0) if cut else Fraction(it.transition.frames) / fps,
            texts=texts, metadata=meta))
    music = None
    bed = getattr(timeline, "music", None)
    if bed is not None:
        from broll.media.probe import probe
        media = Fraction(bed.duration) if getattr(bed, "duration", 0) else Fraction(probe(bed.path).duration)
        music = OtioMusic(Path(bed.path), timeline.duration, media,
                          {"volume_db": bed.volume_db, "fade_in": float(bed.fade_in),
                           "fade_out": float(bed.fade_out), "duck": bed.duck})
    return out, music
