"""Captions, brand overlays and voice-over for one output: edit list -> :class:`Layers` -> graph statements.

Three steps, so ``plan.py`` only needs two small hooks:

* :func:`resolve_layers` (the media pass): reads the caption file or inline cues plus per-item ``caption:``,
  probes overlay images and the voice-over, applies per-output overrides and lays captions out on the output's
  :class:`~broll.captions.ass.Canvas`. Every problem is a located error added to the resolve pass's collector, so
  a bad caption file, a missing image or a missing voice-over stops the build before anything renders.
* :func:`video_layers` / :func:`voice_layer`: the filter statements (``overlay``, ``drawtext``, ``subtitles``;
  ``adelay`` + ``amix``) the picture and sound graphs end with.
* :meth:`Layers.write_files`: the generated .ass lands in the project's ``.broll/captions/`` under its content
  hash (identical captions across variants and rebuilds share one file and one cache key).

The layers sit on the joined reel (after transitions), so their times are on the reel's clock.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

from broll.assemble.overlays import Placement, overlay_statements, position
from broll.captions.ass import Canvas, render_ass, subtitles_filter
from broll.captions.model import CaptionStyle, Cue, Word
from broll.errors import EditListError
from broll.filtergraph import Graph, ffcolor, num, opt

CAPTIONS_DIR = "captions"


@dataclass(frozen=True)
class PlacedOverlay:
    """One overlay on one output: the image, where it lands, and its lower-third text if any."""
    path: str
    placement: Placement
    image_size: tuple[int, int]
    text: str = ""
    text_color: str = "white"


@dataclass(frozen=True)
class VoiceLayer:
    path: str
    start: Fraction          # seconds on the reel
    volume_db: float = 0.0


@dataclass(frozen=True)
class Layers:
    """Everything drawn or mixed over the joined reel for one output."""
    canvas: Canvas
    ass_text: str = ""
    ass_path: str = ""       # where write_files puts it (content-addressed)
    fonts_dir: str = ""
    font_file: str = ""
    cues: int = 0
    overlays: tuple[PlacedOverlay, ...] = ()
    voiceover: Optional[VoiceLayer] = None

    @property
    def has_video(self) -> bool:
        return bool(self.ass_text) or bool(self.overlays)

    def write_files(self) -> None:
        """The .ass script the ``subtitles`` filter reads (skipped when already there: same hash, same text)."""
        if self.ass_text and not Path(self.ass_path).is_file():
            from broll.atomic import write_text
            Path(self.ass_path).parent.mkdir(parents=True, exist_ok=True)
            write_text(self.ass_path, self.ass_text)

    def for_frames(self, first: int, end: int, fps: Fraction) -> "Layers":
        """The layers as the reel's frames ``[first, end)`` (a segment) see them: only the caption
        events on screen there, in a script of their own (content-addressed like the whole one), so
        a segment's cache key and graph change only when its own captions do. Times stay on the
        reel's clock (see :func:`video_layers`). Overlays off screen for the whole segment are
        dropped too, so a lower-third's text changing elsewhere in the reel does not change this
        segment's graph or key."""
        shown = tuple(o for o in self.overlays if _on_screen_in(o.placement, first, end, fps))
        if shown != self.overlays:
            return replace(self, overlays=shown).for_frames(first, end, fps)
        if not self.ass_text:
            return self
        from broll.captions.ass import stamp
        lo, hi = _centiseconds(stamp(first, fps)), _centiseconds(stamp(end, fps))
        kept = []
        for line in self.ass_text.splitlines(keepends=True):
            if line.startswith("Dialogue:"):
                parts = line.split(",", 3)
                if not (_centiseconds(parts[1]) < hi and _centiseconds(parts[2]) > lo):
                    continue
            kept.append(line)
        text = "".join(kept)
        if not any(line.startswith("Dialogue:") for line in kept):
            return replace(self, ass_text="", ass_path="")
        if text == self.ass_text:
            return self
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
        return replace(self, ass_text=text, ass_path=str(Path(self.ass_path).with_name(f"{digest}.ass")))

    def describe(self) -> dict:
        """What ``broll plan`` shows."""
        return {"captions": {"cues": self.cues, "ass": self.ass_path} if self.ass_text else None,
                "overlays": [{"image": o.path, "anchor": o.placement.anchor, "scale": o.placement.scale,
                              "opacity": o.placement.opacity, "start": float(o.placement.start),
                              "end": None if o.placement.end is None else float(o.placement.end),
                              "text": o.text or None} for o in self.overlays],
                "voiceover": None if self.voiceover is None else {
                    "path": self.voiceover.path, "start": float(self.voiceover.start),
                    "volume": self.voiceover.volume_db},
                "safe_zone": {"top": self.canvas.safe_top, "right": self.canvas.safe_right,
                              "bottom": self.canvas.safe_bottom, "left": self.canvas.safe_left}}


def _on_screen_in(placement: Placement, first: int, end: int, fps: Fraction) -> bool:
    """Whether an overlay may show on any of the reel's frames ``[first, end)`` (on screen means
    ``start <= f / fps < end``, see :func:`broll.assemble.overlays.overlay_statements`); errs towards
    keeping it, which costs a cache miss at worst, never a missing overlay."""
    fps = Fraction(fps)
    if placement.start * fps >= end:
        return False
    return placement.end is None or placement.end * fps > first


# ------------------------------------------------------------------ the canvas

def _is_vertical(width: int, height: int) -> bool:
    return abs(Fraction(height, width) - Fraction(16, 9)) < Fraction(1, 50)


def canvas_for(preset) -> Canvas:
    """The preset's safe zone; on a 9:16 output, the union of every 9:16 platform preset's zone, so captions
    and logos stay clear of the UI of whichever app the reel is posted to (``broll presets`` lists them)."""
    sz = preset.safe_zone
    top, right, bottom, left = sz.top, sz.right, sz.bottom, sz.left
    if _is_vertical(preset.width, preset.height):
        from broll.templates.presets import builtin_presets
        for other in builtin_presets().values():
            if _is_vertical(other.width, other.height):
                o = other.safe_zone
                top, right, bottom, left = max(top, o.top), max(right, o.right), max(bottom, o.bottom), max(left, o.left)
    return Canvas(preset.width, preset.height, preset.rate, safe_top=top, safe_bottom=bottom,
                  safe_left=left, safe_right=right)


# ------------------------------------------------------------------ resolve

def _full(edit, rel: str) -> Path:
    return Path(rel) if Path(rel).is_absolute() else edit.base_dir / rel


def _style(spec) -> CaptionStyle:
    return CaptionStyle(font=spec.font, size=spec.size, min_size=min(spec.min_size, spec.size), color=spec.color,
                        highlight_color=spec.highlight, outline_color=spec.outline_color, outline=spec.outline,
                        shadow=spec.shadow, box=spec.box, position=spec.position, max_chars=spec.max_chars,
                        max_lines=spec.max_lines)


def spread_words(cue: Cue) -> Cue:
    """Word timings for a cue that has none (SRT, inline): each word's share of the cue is its share of the
    characters, so ``words: highlight`` still walks through a plain cue."""
    words = cue.text.split()
    if cue.words or not words:
        return cue
    weights = [len(w) + 1 for w in words]
    total, acc, out = sum(weights), 0, []
    span = cue.end - cue.start
    for w, weight in zip(words, weights):
        start = cue.start + span * Fraction(acc, total)
        acc += weight
        out.append(Word(w, start, cue.start + span * Fraction(acc, total)))
    return replace(cue, words=tuple(out))


def _font(edit, spec_font: str, where: tuple, errors) -> tuple[str, str]:
    """(font file, family libass matches) for the caption style's ``font``: a file, or a fontconfig family."""
    from broll.media.fonts import find_font, font_family
    looks_like_file = spec_font.lower().endswith((".ttf", ".otf", ".ttc")) or "/" in spec_font
    if looks_like_file:
        path = _full(edit, spec_font)
        if not path.is_file():
            errors.add(where, f"font file {spec_font} not found", "give a .ttf/.otf path relative to the edit list, "
                       "or a family name such as \"DejaVu Sans:bold\"")
            return "", ""
        return str(path), font_family(str(path))
    path = find_font(spec_font) or find_font()
    if not path:
        errors.add(where, "captions need a font, and none was found on this machine",
                   "install fonts-dejavu (or any TTF) or set BROLL_FONT=/path/to/font.ttf")
        return "", ""
    return path, font_family(path)


def _item_cues(edit, placed: dict[int, object], fps: Fraction, errors) -> list[Cue]:
    cues = []
    for index, entry in enumerate(edit.timeline):
        cap = getattr(entry, "caption", None)
        item = placed.get(index)
        if cap is None or item is None:
            continue
        where = ("timeline", index, "caption")
        begin = Fraction(item.start) / fps
        length = Fraction(item.frames) / fps
        start = cap.start.resolve(fps) if cap.start is not None else Fraction(0)
        end = cap.end.resolve(fps) if cap.end is not None else length
        if start >= length:
            errors.add(where + ("start",), f"starts after the item ends ({float(length):.3f} s)")
            continue
        if end <= start:
            errors.add(where + ("end",), "must be after caption.start")
            continue
        cues.append(Cue(begin + start, begin + min(end, length), " ".join(cap.text.split()),
                        where=f"{edit.source}:timeline[{index}].caption"))
    return cues


def _caption_cues(edit, fps: Fraction, errors) -> list[Cue]:
    from broll.captions.readers import read_captions
    spec = edit.captions
    cues: list[Cue] = []
    if spec.path:
        try:
            cues = read_captions(_full(edit, spec.path))
        except EditListError as exc:
            errors.errors.append(exc)     # located in the caption file itself: file:line
            return []
    for i, cue in enumerate(spec.cues or []):
        start, end = cue.start.resolve(fps), cue.end.resolve(fps)
        if end <= start:
            errors.add(("captions", "cues", i, "end"), "must be after start")
            continue
        cues.append(Cue(start, end, " ".join(cue.text.split()), where=f"{edit.source}:captions.cues[{i}]"))
    offset = spec.offset.resolve(fps)
    return [c.shifted(offset) for c in cues] if offset else cues


def _override(overlay, output: Optional[str], preset_name: str):
    """The per-output override for this output: by the output's path as written, its file name, or its preset."""
    table = overlay.outputs or {}
    if not table:
        return None
    keys = [k for k in (output, Path(output).name if output else None, preset_name) if k]
    for key in keys:
        if key in table:
            return table[key]
    return None


def _probe_layer(edit, rel: str, where: tuple, key: tuple, errors, probes: dict):
    """A layer's file probed once per build (``probes`` is shared), or None with a located error
    that names the path as the edit list wrote it."""
    from broll.errors import MediaError
    from broll.media.probe import probe
    info = probes.get(key)
    if info is None:
        path = _full(edit, rel)
        try:
            info = probe(path)
        except MediaError as exc:
            errors.add(where, exc.message.replace(str(path.resolve()), rel).replace(str(path), rel),
                       exc.hint or "check the path (relative to the edit list)")
            return None
        probes[key] = info
    return info


def _overlays(edit, fps: Fraction, output: Optional[str], preset_name: str, errors, probes: dict
              ) -> list[PlacedOverlay]:
    out = []
    for i, ov in enumerate(edit.overlays or []):
        where = ("overlays", i)
        info = _probe_layer(edit, ov.image, where + ("image",), ("overlay", ov.image), errors, probes)
        if info is None:
            continue
        if info.kind != "image":
            errors.add(where + ("image",), f"{ov.image} is not an image", "overlays take a PNG (alpha is kept)")
            continue
        o = _override(ov, output, preset_name)
        if o is not None and o.show is False:
            continue
        pick = lambda name: getattr(o, name) if o is not None and getattr(o, name) is not None else getattr(ov, name)  # noqa: E731
        start, end = pick("start"), pick("end")
        placement = Placement(anchor=pick("anchor"), margin=pick("margin"), scale=pick("scale"),
                              opacity=pick("opacity"), start=start.resolve(fps) if start is not None else Fraction(0),
                              end=end.resolve(fps) if end is not None else None)
        if placement.end is not None and placement.end <= placement.start:
            errors.add(where + ("end",), "must be after start")
            continue
        out.append(PlacedOverlay(info.path, placement, (info.width, info.height), ov.text or "", ov.text_color))
    return out


def _voice(edit, fps: Fraction, errors, probes: dict) -> Optional[VoiceLayer]:
    v = edit.voiceover
    info = _probe_layer(edit, v.path, ("voiceover", "path"), ("voiceover", v.path), errors, probes)
    if info is None:
        return None
    if not info.has_audio:
        errors.add(("voiceover", "path"), f"{v.path} has no audio track")
        return None
    return VoiceLayer(info.path, v.start.resolve(fps), v.volume)


def resolve_layers(edit, preset, placed_items: Sequence, errors, probes: dict, *, output: Optional[str] = None
                   ) -> Optional[Layers]:
    """The layers of one output, or None when the edit list has none. Problems go to ``errors``."""
    has_item_captions = any(getattr(e, "caption", None) is not None for e in edit.timeline)
    if edit.captions is None and not has_item_captions and not edit.overlays and edit.voiceover is None:
        return None
    fps = preset.rate
    canvas = canvas_for(preset)
    by_index = {}
    for item in placed_items:
        m = re.fullmatch(r"timeline\[(\d+)\]", item.label or "")
        if m:
            by_index[int(m.group(1))] = item
    cues = _caption_cues(edit, fps, errors) if edit.captions is not None else []
    cues += _item_cues(edit, by_index, fps, errors)
    overlays = _overlays(edit, fps, output, preset.name, errors, probes)
    ass_text = ass_path = fonts_dir = font_file = ""
    if cues:
        from broll.assemble.editlist import CaptionStyleSpec
        spec = edit.captions.style if edit.captions is not None else CaptionStyleSpec()
        words = edit.captions.words if edit.captions is not None else "none"
        font_file, family = _font(edit, spec.font, ("captions", "style", "font"), errors)
        if font_file:
            style = replace(_style(spec), words=words)
            if words != "none":
                cues = [spread_words(c) for c in cues]
            ass_text = render_ass(cues, style, canvas, font_family=family,
                                  keep_clear=keep_clear(overlays, canvas, spec.position))
            digest = hashlib.sha256(ass_text.encode("utf-8")).hexdigest()[:20]
            from broll.project import DB_DIR, find_project
            ass_path = str(find_project(edit.source if edit._source else Path.cwd()) / DB_DIR / CAPTIONS_DIR
                           / f"{digest}.ass")
            fonts_dir = str(Path(font_file).parent)
    if any(o.text for o in overlays):
        from broll.media.fonts import find_font
        font_file = font_file or find_font() or ""
    voice = _voice(edit, fps, errors, probes) if edit.voiceover is not None else None
    return Layers(canvas=canvas, ass_text=ass_text, ass_path=ass_path, fonts_dir=fonts_dir, font_file=font_file,
                  cues=len(cues), overlays=tuple(overlays), voiceover=voice)


def _centiseconds(stamp_text: str) -> int:
    """An .ass time (H:MM:SS.cc) in centiseconds."""
    h, m, rest = stamp_text.strip().split(":")
    sec, cs = rest.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 100 + int(cs)


def keep_clear(overlays: Sequence[PlacedOverlay], canvas: Canvas, position: str) -> list[tuple]:
    """While an overlay sits at the captions' edge (a bottom lower-third under bottom captions, a top logo over
    top captions), the cues overlapping it in time take a vertical margin that clears it by 2% of the height."""
    if position == "center":
        return []
    out = []
    gap = round(0.02 * canvas.height)
    for o in overlays:
        if not o.placement.anchor.startswith(position):
            continue
        w, h = _overlay_size(o, canvas)
        _, ye = position_of(o, canvas)
        y = _evaluate(ye, w, h)
        margin = canvas.height - int(y) + gap if position == "bottom" else int(y + h) + gap
        out.append((o.placement.start, o.placement.end, margin))
    return out


def position_of(o: PlacedOverlay, canvas: Canvas) -> tuple[str, str]:
    return position(o.placement.anchor, o.placement.margin, canvas)


# ------------------------------------------------------------------ graph statements

def overlay_inputs(layers: Optional[Layers]) -> list[tuple[str, ...]]:
    """One input per overlay image, in order (the picture graph's inputs after the clips')."""
    return [("-i", o.path) for o in (layers.overlays if layers else ())]


def _overlay_size(o: PlacedOverlay, canvas: Canvas) -> tuple[int, int]:
    w = max(2, int(round(o.placement.scale * canvas.width / 2)) * 2)
    iw, ih = o.image_size
    h = max(2, int(round(w * ih / max(1, iw) / 2)) * 2)
    return w, h


def _evaluate(expr: str, w: int, h: int) -> float:
    """The overlay's x/y expression (digits, + - * / ( ) and w/h only) as a number."""
    text = expr.replace("w", str(w)).replace("h", str(h))
    if not re.fullmatch(r"[0-9+\-*/(). ]+", text):
        raise ValueError(f"unexpected overlay expression {expr!r}")
    return float(eval(text, {"__builtins__": {}}, {}))  # noqa: S307 - checked to be plain arithmetic


def lower_third_text(o: PlacedOverlay, canvas: Canvas, font_file: str, *, frame_offset: int = 0) -> str:
    """drawtext inside the overlay's box: left-aligned after a small inset, vertically centred, shrunk to fit.

    ``frame_offset``: the reel frame the stream's first frame shows (a segment's start)."""
    from broll.captions.layout import text_width
    w, h = _overlay_size(o, canvas)
    xe, ye = position(o.placement.anchor, o.placement.margin, canvas)
    x, y = _evaluate(xe, w, h), _evaluate(ye, w, h)
    inset = 0.08 * w
    size = min(0.42 * h, (w - 1.5 * inset) / max(1e-6, text_width(o.text, 1.0)))
    parts = [f"fontfile={opt(font_file)}" if font_file else "", f"text={opt(o.text)}", "expansion=none",
             f"fontsize={max(8, int(size))}", f"fontcolor={opt(ffcolor(o.text_color))}",
             f"x={int(x + inset)}", f"y={int(y + h / 2)}-th/2"]
    if o.placement.opacity < 1:
        parts.append(f"alpha={o.placement.opacity:.3f}")
    enable = _enable(o.placement, canvas.fps, frame_offset)
    if enable:
        parts.append(f"enable={opt(enable)}")
    return "drawtext=" + ":".join(p for p in parts if p)


def _enable(p: Placement, fps: Fraction, frame_offset: int = 0) -> str:
    """On screen for output frames ``start <= f / fps < end`` (tested by frame number, exact);
    ``frame_offset`` is the reel frame of the stream's frame 0."""
    if p.start <= 0 and p.end is None:
        return ""
    first = math.ceil(p.start * fps) - frame_offset
    if p.end is None:
        return f"gte(n,{first})"
    return f"between(n,{first},{math.ceil(p.end * fps) - 1 - frame_offset})"


def video_layers(g: Graph, layers: Layers, label: str, first_input: int, *, start_frame: int = 0,
                 fps: Optional[Fraction] = None) -> str:
    """Overlays (with their lower-third text), then captions, over the joined picture ``label``.

    ``start_frame`` > 0 is a segment of the reel (broll.assemble.segmented) that starts at that
    reel frame: its timestamps are moved onto the reel's clock for the layers (``overlay`` and
    ``subtitles`` test time, the lower-third's ``drawtext`` tests the frame number) and back after,
    so a segment shows exactly the layer frames the single graph shows.
    """
    shift = Fraction(start_frame) / Fraction(fps if fps is not None else layers.canvas.fps) if start_frame else 0
    if shift:
        label = g.add([label], [f"setpts=PTS+{shift.numerator}/{shift.denominator}/TB"], "onreel")
    for k, o in enumerate(layers.overlays):
        out = f"lay{k}"
        g.extend(overlay_statements(f"{first_input + k}:v", label, out, o.placement, layers.canvas, f"ovl{k}"))
        label = out
        if o.text:
            label = g.add([label], [lower_third_text(o, layers.canvas, layers.font_file, frame_offset=start_frame)],
                          f"lay{k}t")
    if layers.ass_text:
        label = g.add([label], [subtitles_filter(layers.ass_path, layers.fonts_dir or None)], "captions")
    if shift:
        label = g.add([label], ["setpts=PTS-STARTPTS"], "onsegment")
    return label


def voice_input(layers: Optional[Layers]) -> list[tuple[str, ...]]:
    return [("-vn", "-i", layers.voiceover.path)] if layers and layers.voiceover else []


def voice_layer(g: Graph, tl, mix: str, input_index: int) -> str:
    """The voice-over on the reel's clock (exact sample offset), mixed with the clips' sound."""
    v = tl.layers.voiceover
    sr, total = tl.sample_rate, tl.samples
    delay = int(v.start * sr + Fraction(1, 2))
    filters = ["asetpts=PTS-STARTPTS", f"aresample={sr}",
               f"aformat=sample_fmts=fltp:sample_rates={sr}:channel_layouts=stereo"]
    if v.volume_db:
        filters.append(f"volume={num(Fraction(str(v.volume_db)))}dB")
    if delay:
        filters.append(f"adelay=delays={delay}S:all=1")
    filters += [f"apad=whole_len={total}", f"atrim=end_sample={total}"]
    voice = g.add([f"{input_index}:a"], filters, "voice")
    return g.add([mix, voice], ["amix=inputs=2:duration=first:dropout_transition=0:normalize=0"], "withvoice")
