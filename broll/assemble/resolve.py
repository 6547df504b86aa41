"""The media pass: an EditList plus probed media becomes a Timeline for one preset.

This is where `broll validate` checks what the schema cannot: missing or unreadable
files, ``in >= out``, ``out`` past a clip's end, a transition longer than half of a
neighbouring item, a missing music track, no font for titles. Every problem is located
at the YAML field that caused it and all of them are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from broll.assemble.editlist import ClipItem, EditList, ImageItem, ShotItem, StyleOverride, TitleItem, load_edit_list
from broll.assemble.timeline import (MusicBed, Source, TextOverlay, Timeline, Transition as PlacedTransition,
                                     Item, place)
from broll.errors import EditListError, EditListErrors, MediaError, UnknownNameError
from broll.media.colour import is_tagged, source_full_range, source_matrix
from broll.media.fonts import find_font
from broll.media.probe import MediaInfo, probe
from broll.templates.presets import Preset, get_preset
from broll.timebase import TimeValue, format_seconds, frame_at, to_frames


@dataclass(frozen=True)
class OutputJob:
    """One deliverable: where it goes, its preset, its timeline."""
    path: Path
    preset: Preset
    timeline: Timeline
    reframe: str | None = None        # the output's own reframe, if it set one


class _Collector:
    def __init__(self, edit: EditList):
        self.edit = edit
        self.errors: list[EditListError] = []

    def add(self, path: tuple, message: str, hint: str | None = None, *, key: bool = False) -> None:
        self.errors.append(self.edit.locate(path, message, hint, key=key))

    def raise_if_any(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: (e.line or 0, e.column or 0))
            raise EditListErrors(self.errors)


def _probe(edit: EditList, rel: str, where: tuple, errors: _Collector) -> MediaInfo | None:
    path = (edit.base_dir / rel) if not Path(rel).is_absolute() else Path(rel)
    try:
        return probe(path)
    except MediaError as exc:
        text = exc.message.replace(str(path.resolve()), rel).replace(str(path), rel)
        errors.add(where, text, exc.hint)
        return None


def _source(info: MediaInfo) -> Source:
    return Source(path=info.path, kind=info.kind, width=info.width, height=info.height, fps=info.fps,
                  duration=info.duration, sar=info.sar, has_audio=info.has_audio, animated=info.animated,
                  colour=source_matrix(info), full_range=source_full_range(info), tagged=is_tagged(info))


def _seconds(value: TimeValue, fps: Fraction) -> Fraction:
    return value.resolve(fps)


def _preset_for(edit: EditList, name: str, where: tuple, errors: _Collector) -> Preset | None:
    try:
        return get_preset(name)
    except UnknownNameError as exc:
        errors.add(where, exc.message, exc.hint)
        return None


def _placement(entry, output_reframe: str | None, defaults) -> tuple[str, str]:
    """(fit, reframe) for a clip: the item's reframe, else its fit, else the output's reframe,
    else the defaults; ``reframe: blur|contain`` is the fit of that name."""
    if entry.reframe:
        mode, fit = entry.reframe, entry.fit or defaults.fit
    elif entry.fit:
        mode, fit = (output_reframe or defaults.reframe) if entry.fit == "cover" else "center", entry.fit
    else:
        mode, fit = output_reframe or defaults.reframe, defaults.fit
    if mode in ("blur", "contain"):
        return mode, "center"
    return fit, mode


def resolve_timeline(edit: EditList, preset: Preset, errors: _Collector | None = None,
                     probes: dict | None = None, reframe: str | None = None,
                     output: str | None = None) -> Timeline:
    """EditList + preset -> Timeline; raises EditListErrors listing every media problem."""
    own = errors is None
    errors = errors or _Collector(edit)
    probes = {} if probes is None else probes
    fps = preset.rate
    defaults = edit.defaults
    items: list[Item] = []
    resolved: dict[int, Item] = {}
    needs_font = False
    for index, entry in enumerate(edit.timeline):
        where = ("timeline", index)
        label = f"timeline[{index}]"
        tr = entry.transition or defaults.transition
        # floor, not round: a transition of exactly half an item stays legal at any output rate
        tr_frames = 0 if tr.type == "cut" else frame_at(_seconds(tr.duration, fps), fps)
        transition = PlacedTransition(tr.type if tr_frames else "cut", tr_frames)
        common = dict(transition=transition, label=label)
        if isinstance(entry, ClipItem):
            info = probes.get(entry.clip) or _probe(edit, entry.clip, where + ("clip",), errors)
            if info is None:
                continue
            probes[entry.clip] = info
            if info.kind == "audio" or (info.kind == "image" and not info.animated):
                errors.add(where + ("clip",), f"{entry.clip} is {'an audio file' if info.kind == 'audio' else 'a still image'}, not a video",
                           "use `image:` for stills" if info.kind == "image" else "put music under `music:`")
                continue
            src_fps = info.fps or fps
            wanted_in = _seconds(entry.in_, src_fps) if entry.in_ else Fraction(0)
            # a trim's first frame is the frame showing at `in`: the seek snaps to the source's
            # frame grid, but the item's length is taken from `in` as written (below), so a snap
            # to an earlier frame never lengthens the item
            src_in = Fraction(frame_at(wanted_in, src_fps)) / src_fps
            if entry.out is not None:
                src_out = _seconds(entry.out, src_fps)
            elif entry.duration is not None:
                src_out = wanted_in + _seconds(entry.duration, fps) * Fraction(str(entry.speed))
            else:
                src_out = info.duration
            if wanted_in >= src_out:
                errors.add(where + ("in" if entry.in_ else "out",),
                           f"in ({format_seconds(wanted_in)} s) must be before out ({format_seconds(src_out)} s)")
                continue
            tolerance = Fraction(1, 2) / src_fps
            if src_out > info.duration + tolerance:
                field = "out" if entry.out is not None else ("duration" if entry.duration is not None else "in")
                errors.add(where + (field,), f"out ({format_seconds(src_out)} s) is past the end of {entry.clip} "
                           f"({format_seconds(info.duration)} s)", "trim to within the clip")
                continue
            src_out = min(src_out, info.duration)
            speed = Fraction(str(entry.speed))
            frames = to_frames((src_out - wanted_in) / speed, fps)   # round((out - in) / speed x fps)
            if frames < 1:
                errors.add(where + ("out",), "the trimmed clip is shorter than one output frame")
                continue
            fit, mode = _placement(entry, reframe, defaults)
            item = Item(kind="clip", frames=frames, source=_source(info), src_in=src_in, src_out=src_out,
                        speed=speed, audio=entry.audio, fit=fit, reframe=mode, **common,
                        retime=entry.retime or defaults.retime)
        elif isinstance(entry, ImageItem):
            info = probes.get(entry.image) or _probe(edit, entry.image, where + ("image",), errors)
            if info is None:
                continue
            probes[entry.image] = info
            if info.kind not in ("image", "video"):
                errors.add(where + ("image",), f"{entry.image} is not an image")
                continue
            duration = _seconds(entry.duration or defaults.image_duration, fps)
            frames = to_frames(duration, fps)
            if frames < 1:
                errors.add(where + ("duration",), "must be at least one frame long")
                continue
            motion = entry.motion or defaults.motion
            if info.kind != "image" or info.animated:
                motion = "none"      # GIFs and videos used as images play (looped), they do not pan
            item = Item(kind="image", frames=frames, source=_source(info), motion=motion,
                        fit=entry.fit or defaults.fit, **common)
        else:
            assert isinstance(entry, TitleItem)
            needs_font = True
            duration = _seconds(entry.duration or defaults.title_duration, fps)
            frames = to_frames(duration, fps)
            if frames < 1:
                errors.add(where + ("duration",), "must be at least one frame long")
                continue
            item = Item(kind="title", frames=frames, title=entry.title, subtitle=entry.subtitle or "",
                        background=entry.background, color=entry.color, size=entry.size, **common)
        if entry.text is not None:
            needs_font = True
            t = entry.text
            start = to_frames(_seconds(t.start, fps), fps) if t.start is not None else 0
            end = to_frames(_seconds(t.end, fps), fps) if t.end is not None else None
            if start >= item.frames:
                errors.add(where + ("text", "start"), f"starts after the item ends ({format_seconds(Fraction(item.frames) / fps)} s)")
            elif end is not None and end <= start:
                errors.add(where + ("text", "end"), "must be after text.start")
            else:
                item = _with_text(item, TextOverlay(t.value, t.position, start, end, t.size, t.color))
        items.append(item)
        resolved[index] = item

    for index in range(1, len(edit.timeline)):
        if index not in resolved or index - 1 not in resolved:
            continue        # a neighbour already has an error of its own
        tr = resolved[index].transition
        if tr.is_cut:
            continue
        for neighbour in (index - 1, index):
            if tr.frames * 2 > resolved[neighbour].frames:
                errors.add(("timeline", index, "transition", "duration"),
                           f"transition ({format_seconds(Fraction(tr.frames) / fps)} s) is longer than half of "
                           f"timeline[{neighbour}] ({format_seconds(Fraction(resolved[neighbour].frames) / fps)} s)",
                           "shorten the transition or lengthen the item")
                break
    music = None
    if edit.music is not None:
        info = probes.get(("music", edit.music.path)) or _probe(edit, edit.music.path, ("music", "path"), errors)
        if info is not None:
            probes[("music", edit.music.path)] = info
            if not info.has_audio:
                errors.add(("music", "path"), f"{edit.music.path} has no audio track")
            else:
                m = edit.music
                start = _seconds(m.start, fps)
                if start >= info.audio_duration:
                    errors.add(("music", "start"), f"is past the end of {m.path} ({format_seconds(info.audio_duration)} s)")
                music = MusicBed(path=info.path, volume_db=m.volume, fade_in=_seconds(m.fade_in, fps),
                                 fade_out=_seconds(m.fade_out, fps), duck=m.duck,
                                 start=start, loop=m.loop, duration=info.audio_duration)
    font = ""
    if needs_font:
        font = find_font() or ""
        if not font:
            errors.add(("timeline",), "titles and text need a font, and none was found on this machine",
                       "install fonts-dejavu (or any TTF) or set BROLL_FONT=/path/to/font.ttf")
    placed = place(items)
    from broll.assemble.layers import resolve_layers      # captions, overlays, voice-over (#18)
    layers = resolve_layers(edit, preset, placed, errors, probes, output=output)
    if own:
        errors.raise_if_any()
    sz = preset.safe_zone
    return Timeline(fps=fps, width=preset.width, height=preset.height, items=placed, music=music,
                    loudness=edit.loudness, true_peak=preset.loudness.true_peak, lra=preset.loudness.lra,
                    safe_zone=(sz.top, sz.right, sz.bottom, sz.left), font=font, layers=layers)


def _with_text(item: Item, overlay: TextOverlay) -> Item:
    from dataclasses import replace
    return replace(item, texts=item.texts + (overlay,))


def output_jobs(edit: EditList) -> list[OutputJob]:
    """Every output of the edit list with its preset and timeline; all problems raised together."""
    errors = _Collector(edit)
    probes: dict = {}
    jobs = []
    timelines: dict[tuple, Timeline] = {}
    for index, target in enumerate(edit.output):
        name = target.preset or edit.preset
        field = ("output", index, "preset") if target.preset else ("preset",)
        preset = _preset_for(edit, name, field, errors)
        if preset is None:
            continue
        preset, rate_choice = _output_rate(edit, index, target, preset, errors, probes)
        key = (name, target.reframe, preset.rate, target.path if edit.overlays else None)   # overlays may differ per output
        if key not in timelines:
            timelines[key] = resolve_timeline(edit, preset, errors, probes, reframe=target.reframe,
                                              output=target.path)
            timelines[key].meta["fps_reason"] = rate_choice.reason
        path = Path(target.path)
        if not path.is_absolute():
            path = edit.base_dir / path
        if path.suffix.lower() not in (".mp4", ".mov", ".m4v", ".mkv"):
            errors.add(("output", index, "path"), f"{target.path}: output must end in .mp4, .mov, .m4v or .mkv")
        jobs.append(OutputJob(path=path, preset=preset, timeline=timelines[key], reframe=target.reframe))
    # de-duplicate repeated media errors (several outputs share the same items)
    unique, seen = [], set()
    for err in errors.errors:
        if str(err) not in seen:
            seen.add(str(err))
            unique.append(err)
    errors.errors = unique
    errors.raise_if_any()
    return jobs


def _output_rate(edit: EditList, index: int, target, preset: Preset, errors: _Collector, probes: dict):
    """The frame-rate hook (issue 20): this output's preset at its chosen rate, and why."""
    from broll.assemble.outputrate import output_rate

    def probe_clip(rel: str, where: tuple):
        if rel not in probes:
            info = _probe(edit, rel, where, _Collector(edit))   # the media pass reports the failure
            if info is None:
                return None
            probes[rel] = info
        return probes[rel]

    return output_rate(edit, index, target, preset, probe_clip, lambda where, msg, hint: errors.add(where, msg, hint))


def validate_edit_list(path, variables: dict | None = None, prepare=None) -> tuple[EditList, list[OutputJob]]:
    """Everything `broll validate` checks: schema first, then media. Raises EditListErrors.

    ``path`` may also be an already loaded :class:`EditList` (a variant, see broll.assemble.variants).
    ``prepare(edit) -> edit`` runs between the two when the edit list has a ``generate:`` section
    or ``shot:`` items: the build's generate and check stages (broll.pipeline), which turn
    ``shot:`` items into clips; by default only takes already made are bound (nothing is sent)."""
    edit = path if isinstance(path, EditList) else load_edit_list(path, variables)
    if edit.generate is not None or any(isinstance(e, ShotItem) for e in edit.timeline):
        from broll.pipeline.front import prepare_shots
        edit = (prepare or prepare_shots)(edit)
        if not edit.timeline:          # every item is a shot not generated yet: nothing to probe
            return edit, []
    jobs = output_jobs(edit)
    style_errors = check_style_media(edit)
    if style_errors:
        raise EditListErrors(style_errors)
    return edit, jobs


def style_references(edit: EditList) -> list[tuple[tuple, str]]:
    """(field path, reference) of every style block, for the validation pass; a look book (a
    list) gives one entry per still, located at its index."""
    refs = []

    def add(path: tuple, ref) -> None:
        if isinstance(ref, list):
            if not ref:
                refs.append((path, ""))
            refs.extend((path + (j,), r) for j, r in enumerate(ref))
        else:
            refs.append((path, ref))
    if edit.style is not None:
        add(("style", "reference"), edit.style.reference)
    for i, entry in enumerate(edit.timeline):
        own = getattr(entry, "style", None)
        if isinstance(own, StyleOverride) and own.reference:
            add(("timeline", i, "style", "reference"), own.reference)
    return refs


def check_style_media(edit: EditList) -> list[EditListError]:
    """Located errors for style references that are missing or unreadable (a folder is a look
    book: it must hold stills, and each is checked)."""
    from broll.errors import InputError
    from broll.media.probe import probe
    errors = []
    refs = style_references(edit)
    if refs:
        from broll.grading.match import reference_paths   # only when a style block is present
    for path, ref in refs:
        if not ref:
            errors.append(edit.locate(path, "an empty list of style references", "list one or more stills of the look"))
            continue
        full = Path(ref) if Path(ref).is_absolute() else edit.base_dir / ref
        try:
            for still in reference_paths(full):
                info = probe(still)
                if info.kind == "audio":
                    errors.append(edit.locate(path, f"{ref}: is audio; the style reference must be an image or a clip"))
        except InputError as exc:
            errors.append(edit.locate(path, exc.message.replace(str(full), ref), exc.hint))
        except MediaError as exc:
            errors.append(edit.locate(path, exc.message.replace(str(full.resolve()), ref), exc.hint))
    errors.extend(_look_errors(edit))
    return errors


def _look_errors(edit: EditList) -> list[EditListError]:
    """Located errors for ``look:`` LUTs that are missing or malformed, found before anything
    renders (the build would otherwise fail at the first graded clip, after QC)."""
    from broll.errors import InputError
    looks = [(("style", "look"), edit.style.look)] if edit.style is not None and edit.style.look else []
    for i, entry in enumerate(edit.timeline):
        own = getattr(entry, "style", None)
        if isinstance(own, StyleOverride) and own.look:
            looks.append((("timeline", i, "style", "look"), own.look))
    errors = []
    for path, look in looks:
        full = Path(look) if Path(look).is_absolute() else edit.base_dir / look
        if not full.is_file():
            errors.append(edit.locate(path, f"{look}: look LUT not found", "give the path of a .cube file, relative to the edit list"))
            continue
        from broll.grading.lut import LOOK_HINT, read_cube
        try:
            read_cube(full, hint=LOOK_HINT)
        except InputError as exc:
            errors.append(edit.locate(path, exc.message.replace(str(full), look), exc.hint))
    return errors
