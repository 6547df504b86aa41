"""The edit list (version 1): YAML -> validated pydantic model, every error located.

The YAML is composed into nodes first so each key and value keeps its line:column;
pydantic error locations are mapped back to those marks. All schema errors are
collected in one pass and raised together as ``EditListErrors``, each naming
``file:line:col: field: what was expected`` plus the nearest valid key or value.

New top-level keys (grading ``style:``, ``qc:``, ``review:``) slot in as fields of
``EditList``; ``extra="forbid"`` keeps typos loud everywhere else.
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, PlainValidator, Tag,
                      ValidationError, field_validator)

from broll import yamlfile
from broll.errors import EditListError, EditListErrors
from broll.timebase import TimeParseError, TimeValue, parse_time

# Every named transition of FFmpeg's xfade filter (vf_xfade.c), plus "cut".
XFADE_TRANSITIONS = (
    "fade", "wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright", "slideup",
    "slidedown", "circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite", "radial", "smoothleft",
    "smoothright", "smoothup", "smoothdown", "circleopen", "circleclose", "vertopen", "vertclose",
    "horzopen", "horzclose", "dissolve", "pixelize", "diagtl", "diagtr", "diagbl", "diagbr", "hlslice",
    "hrslice", "vuslice", "vdslice", "hblur", "fadegrays", "wipetl", "wipetr", "wipebl", "wipebr",
    "squeezeh", "squeezev", "zoomin", "fadefast", "fadeslow", "hlwind", "hrwind", "vuwind", "vdwind",
    "coverleft", "coverright", "coverup", "coverdown", "revealleft", "revealright", "revealup", "revealdown",
)
TRANSITION_TYPES = ("cut",) + XFADE_TRANSITIONS
FIT_MODES = ("cover", "contain", "blur")
MOTIONS = ("zoom-in", "zoom-out", "pan-left", "pan-right", "none")
TEXT_POSITIONS = ("top", "center", "bottom")
ITEM_KINDS = ("clip", "image", "title", "shot")   # shot: a take of a generate: shot (broll.pipeline)
_COLOR = re.compile(r"^(#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?|0x[0-9a-fA-F]{6}|[a-zA-Z]+)(@[0-9.]+)?$")


def _time(value: Any) -> TimeValue:
    if isinstance(value, TimeValue):
        return value
    try:
        return parse_time(value)
    except TimeParseError as exc:
        raise ValueError(str(exc)) from None


Time = Annotated[TimeValue, PlainValidator(_time)]


def _color(value: Any) -> str:
    text = str(value).strip()
    if not _COLOR.match(text):
        raise ValueError(f"expected a colour like \"#101010\" or \"black\", got {value!r}")
    return text


Color = Annotated[str, PlainValidator(_color)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Transition(Strict):
    """Into an item from the previous one: an xfade name (video) with a matching audio crossfade."""
    type: str = "fade"
    duration: Time = TimeValue(seconds=Fraction(1, 2))

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in TRANSITION_TYPES:
            raise ValueError(_expected_one_of(v, TRANSITION_TYPES, "an FFmpeg xfade name or cut"))
        return v


def _transition(value: Any) -> Any:
    # shorthand: `transition: cut` or `transition: dissolve`
    if isinstance(value, str):
        return {"type": value}
    return value


class Text(Strict):
    """A caption drawn over an item, kept inside the preset's safe zone."""
    value: str
    position: Literal["top", "center", "bottom"] = "bottom"
    start: Optional[Time] = None      # seconds from the item's start; default: whole item
    end: Optional[Time] = None
    size: Optional[float] = Field(None, gt=0, le=0.5, description="font size as a fraction of frame height")
    color: Color = "white"


# how a picture of another shape fills the frame (broll.reframe): a crop that follows the
# subject or sits in the middle, or the fit modes; auto = subject when the crop is large
Reframe = Literal["auto", "subject", "center", "blur", "contain"]


# frame rate (issue 20): `fps:` (top level, per output) and `retime:` (defaults, per clip)
def _fps(value: Any):
    from broll.assemble.framerate import parse_fps
    return parse_fps(value)


Fps = Annotated[Union[Fraction, str], PlainValidator(_fps)]
Retime = Literal["auto", "repeat", "blend", "motion"]


class Defaults(Strict):
    transition: Transition = Transition(type="cut")
    fit: Literal["cover", "contain", "blur"] = "cover"
    reframe: Reframe = "auto"
    motion: Literal["zoom-in", "zoom-out", "pan-left", "pan-right", "none"] = "zoom-in"
    image_duration: Time = TimeValue(seconds=Fraction(3))
    title_duration: Time = TimeValue(seconds=Fraction(2))
    # frame rate (issue 20): how a clip at another rate than the reel's is converted
    retime: Retime = "auto"

    @field_validator("transition", mode="before")
    @classmethod
    def _short(cls, v):
        return _transition(v)


class Music(Strict):
    path: str
    volume: float = Field(-12.0, ge=-60, le=12, description="dB")
    fade_in: Time = TimeValue(seconds=Fraction(1))
    fade_out: Time = TimeValue(seconds=Fraction(2))
    duck: bool = True
    start: Time = TimeValue(seconds=Fraction(0))  # offset into the music file
    loop: bool = True


class StyleOverride(Strict):
    """Per-item ``style:``: any subset of the top-level keys, or ``off``."""
    reference: Optional[Union[str, list[str]]] = None   # a list (or a folder) is a look book
    strength: Optional[float] = Field(None, ge=0, le=1)
    method: Optional[str] = None
    apply: Optional[Literal["auto", "exact", "fast"]] = None
    max_change: Optional[float] = Field(None, gt=0)
    look: Optional[str] = None

    @field_validator("method")
    @classmethod
    def _method(cls, v):
        return _grade_method(v)


class Style(Strict):
    """``style: {reference: style.png, strength: 0.8, method: mkl}``: colour-match every clip."""
    reference: Union[str, list[str]]     # an image or clip; a list of stills or a folder is a look book
    strength: float = Field(0.8, ge=0, le=1)
    method: str = "mkl"
    # how the build applies each shot's grade: the exact LUT, or the YUV stand-in where it is
    # within tolerance of it (auto), or the stand-in regardless (fast); see broll.grading.yuvfast
    apply: Literal["auto", "exact", "fast"] = "auto"
    # largest mean change (dE00) for a clip of other content than the reference or the same
    # content by colour alone; a match confirmed by structure is never capped (see broll.grading.fit)
    max_change: float = Field(5.0, gt=0)
    look: Optional[str] = None          # a look .cube applied after matching

    @field_validator("method")
    @classmethod
    def _method(cls, v):
        return _grade_method(v)


def _grade_method(v: Optional[str]) -> Optional[str]:
    if v is None:
        return v
    from broll.grading.fit import GRADE_METHODS  # imported only when a style block is present
    if v not in GRADE_METHODS:
        raise ValueError(_expected_one_of(v, sorted(GRADE_METHODS), "grade method"))
    return v


def _style_off(value: Any) -> Any:
    # YAML 1.1 reads a bare `off` as false
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "none", "no")):
        return "off"
    return value


def _style_kind(value: Any) -> str:
    return "override" if isinstance(value, (dict, StyleOverride)) else "off"


StyleChoice = Annotated[Union[Annotated[Literal["off"], Tag("off")], Annotated[StyleOverride, Tag("override")]],
                        Discriminator(_style_kind)]


class QCGate(Strict):
    """``qc: {on_fail: stop|warn|skip|repair, profile: default}``: check every clip before rendering.

    ``repair`` runs ``broll fix`` on clips QC says to regenerate and builds with the repaired copies;
    it stops when a clip is still ``regenerate`` after the repair."""
    on_fail: Literal["stop", "warn", "skip", "repair"] = "stop"
    profile: str = "default"


class ItemCaption(Strict):
    """(#18) Per-item ``caption:``: a cue timed from the item's start (default: the whole item)."""
    text: str
    start: Optional[Time] = None
    end: Optional[Time] = None


class ItemBase(Strict):
    transition: Optional[Transition] = None
    text: Optional[Text] = None
    style: Annotated[Optional[StyleChoice], BeforeValidator(_style_off)] = None
    caption: Optional[ItemCaption] = None      # a cue on this item's span of the reel (#18)

    @field_validator("caption", mode="before")
    @classmethod
    def _caption_short(cls, v):
        return {"text": v} if isinstance(v, str) else v

    @field_validator("transition", mode="before")
    @classmethod
    def _short(cls, v):
        return _transition(v)

    @field_validator("text", mode="before")
    @classmethod
    def _text_short(cls, v):
        return {"value": v} if isinstance(v, str) else v


def _audio(value: Any) -> Union[str, float]:
    if isinstance(value, bool):
        raise ValueError("expected keep, mute or a gain in dB")
    if isinstance(value, (int, float)):
        if not -60 <= value <= 24:
            raise ValueError(f"gain {value} dB is out of range -60..24")
        return float(value)
    if value in ("keep", "mute"):
        return value
    raise ValueError(_expected_one_of(str(value), ("keep", "mute"), "keep, mute or a gain in dB"))


class ClipItem(ItemBase):
    clip: str
    in_: Optional[Time] = Field(None, alias="in")
    out: Optional[Time] = None
    duration: Optional[Time] = None
    speed: float = Field(1.0, ge=0.1, le=10)
    audio: Annotated[Union[str, float], PlainValidator(_audio)] = "keep"
    fit: Optional[Literal["cover", "contain", "blur"]] = None
    reframe: Optional[Reframe] = None
    # frame rate (issue 20)
    retime: Optional[Retime] = None

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True)


class ImageItem(ItemBase):
    image: str
    duration: Optional[Time] = None
    motion: Optional[Literal["zoom-in", "zoom-out", "pan-left", "pan-right", "none"]] = None
    fit: Optional[Literal["cover", "contain", "blur"]] = None


class TitleItem(ItemBase):
    title: str
    duration: Optional[Time] = None
    background: Color = "#101010"
    color: Color = "white"
    size: Optional[float] = Field(None, gt=0, le=0.5)
    subtitle: Optional[str] = None


class ShotItem(ClipItem):
    """``- shot: city-dawn``: the take of a ``generate:`` shot, with everything a clip item takes.
    The build swaps it for a clip item once the take exists (broll.pipeline.bind)."""
    shot: str = Field(min_length=1)
    clip: Optional[str] = None        # set by the build to the chosen take; not written by people


def _item_kind(value: Any) -> Optional[str]:
    if isinstance(value, dict):
        for kind in ITEM_KINDS:
            if kind in value:
                return kind
        return None
    return getattr(value, "kind", None)


Item = Annotated[Union[Annotated[ClipItem, Tag("clip")], Annotated[ImageItem, Tag("image")],
                       Annotated[TitleItem, Tag("title")], Annotated[ShotItem, Tag("shot")]], Discriminator(_item_kind)]


class OutputTarget(Strict):
    path: str
    preset: Optional[str] = None
    reframe: Optional[Reframe] = None
    # frame rate (issue 20)
    fps: Optional[Fps] = None


def _outputs(value: Any) -> Any:
    if isinstance(value, str):
        return [{"path": value}]
    if isinstance(value, dict):
        return [value]
    return value


# ---------------------------------------------------------------- captions, brand layers, voice-over (#18)
# ``vars:`` never reaches the model: broll.assemble.variables substitutes {{name}} on the YAML tree first.

class CaptionStyleSpec(Strict):
    """``captions.style``: sizes are fractions of the picture height, so one style serves every preset."""
    font: str = "sans-serif:bold"        # a font file (relative to the edit list) or a fontconfig family
    size: float = Field(0.055, gt=0, le=0.3)
    min_size: float = Field(0.03, gt=0, le=0.3)
    color: Color = "#FFFFFF"
    highlight: Color = "#FFD400"         # the spoken word with words: highlight
    outline_color: Color = "#000000"
    outline: float = Field(0.06, ge=0, le=0.5, description="outline width / font size")
    shadow: float = Field(0.0, ge=0, le=0.5, description="shadow offset / font size")
    box: Optional[Color] = None          # background box colour, e.g. "#000000@0.6"
    position: Literal["bottom", "center", "top"] = "bottom"
    max_chars: int = Field(32, ge=8, le=80)
    max_lines: int = Field(2, ge=1, le=2)


class InlineCue(Strict):
    start: Time
    end: Time
    text: str


class Captions(Strict):
    """``captions:``: an SRT / WebVTT / whisper-JSON file or inline ``cues:`` on the reel's clock."""
    path: Optional[str] = None
    cues: Optional[list[InlineCue]] = None
    offset: Time = TimeValue(seconds=Fraction(0))   # added to every cue of the file (reel time)
    style: CaptionStyleSpec = CaptionStyleSpec()
    words: Literal["highlight", "reveal", "none"] = "none"


class OverlayOverride(Strict):
    """``overlays[i].outputs.<output path or preset>``: what changes on that output."""
    anchor: Optional[str] = None
    margin: Optional[float] = Field(None, ge=0, le=0.5)
    scale: Optional[float] = Field(None, gt=0, le=1)
    opacity: Optional[float] = Field(None, ge=0, le=1)
    start: Optional[Time] = None
    end: Optional[Time] = None
    show: Optional[bool] = None

    @field_validator("anchor")
    @classmethod
    def _anchor(cls, v):
        return _overlay_anchor(v)


class Overlay(Strict):
    """``overlays:`` entry: a PNG (alpha kept) by anchor inside the safe zone; ``text:`` makes a lower-third."""
    image: str
    text: Optional[str] = None
    text_color: Color = "white"
    anchor: str = "top-right"
    margin: float = Field(0.03, ge=0, le=0.5)
    scale: float = Field(0.15, gt=0, le=1)
    opacity: float = Field(1.0, ge=0, le=1)
    start: Optional[Time] = None
    end: Optional[Time] = None
    outputs: Optional[dict[str, OverlayOverride]] = None

    @field_validator("anchor")
    @classmethod
    def _anchor(cls, v):
        return _overlay_anchor(v)


def _overlay_anchor(v: Optional[str]) -> Optional[str]:
    from broll.assemble.overlays import ANCHORS
    if v is not None and v not in ANCHORS:
        raise ValueError(_expected_one_of(v, ANCHORS, "an anchor (" + ", ".join(ANCHORS) + ")"))
    return v


class Voiceover(Strict):
    """``voiceover:``: a second audio layer on the reel's clock; the music ducks under it."""
    path: str
    start: Time = TimeValue(seconds=Fraction(0))     # where on the reel it begins
    volume: float = Field(0.0, ge=-60, le=12, description="dB")


class EditList(Strict):
    version: Literal[1]
    output: Annotated[list[OutputTarget], Field(min_length=1)]
    preset: str = "16x9-1080p"
    loudness: Optional[float] = Field(-14.0, ge=-70, le=-5, description="integrated LUFS; null = off")
    defaults: Defaults = Defaults()
    music: Optional[Music] = None
    style: Optional[Style] = None
    qc: Optional[QCGate] = None
    review: Optional[Literal["required", "optional"]] = None
    timeline: Annotated[list[Item], Field(min_length=1)]
    # frame rate (issue 20): the reel's rate; an output's own `fps` wins; absent = the preset's default
    fps: Optional[Fps] = None
    # captions, brand layers, voice-over (#18; broll.assemble.layers)
    captions: Optional[Captions] = None
    overlays: Optional[list[Overlay]] = None
    voiceover: Optional[Voiceover] = None
    # generation in front of the build (broll.pipeline): a batch spec inline, or a batch.yaml path
    generate: Optional[Union[str, dict[str, Any]]] = None

    @field_validator("output", mode="before")
    @classmethod
    def _out(cls, v):
        return _outputs(v)

    # set by load_edit_list: where the YAML lives (paths are relative to it) and its marks
    _source: Optional[str] = None
    _marks: Optional[dict] = None
    _shots: Optional[Any] = None          # what broll.pipeline bound to `shot:` items (takes, warnings)

    @property
    def source(self) -> str:
        return self._source or "<edit list>"

    @property
    def base_dir(self) -> Path:
        return Path(self._source).resolve().parent if self._source else Path.cwd()

    def locate(self, path: tuple, message: str, hint: str | None = None, *, key: bool = False) -> EditListError:
        """A located error for a field path like ("timeline", 2, "out")."""
        line, col = _find_mark(self._marks or {}, path, key=key)
        return EditListError(message, file=self.source, line=line, column=col, field=_dotted(path), hint=hint)


# ---------------------------------------------------------------- YAML with marks

def _expected_one_of(value: Any, valid, what: str) -> str:
    close = get_close_matches(str(value), [str(v) for v in valid], n=1, cutoff=0.6)
    msg = f"expected {what}, got {value!r}"
    if close:
        msg += f" (did you mean '{close[0]}'?)"
    return msg


# marks and field paths come from the shared YAML reader
_find_mark = yamlfile.find_mark
_dotted = yamlfile.dotted


# ---------------------------------------------------------------- pydantic errors -> located errors

_MODEL_FOR_KIND = {"clip": ClipItem, "image": ImageItem, "title": TitleItem, "shot": ShotItem}


def _fields_of(model: type[BaseModel]) -> list[str]:
    names = []
    for name, info in model.model_fields.items():
        names.append(info.alias or name)
    return names


def _model_at(path: tuple, data: Any) -> type[BaseModel] | None:
    """Which model validates the mapping at ``path`` (for did-you-mean on unknown keys)."""
    if not path:
        return EditList
    head = path[0]
    if head == "timeline" and len(path) >= 2 and isinstance(path[1], int):
        item = data.get("timeline", [])[path[1]] if isinstance(data, dict) else None
        kind = _item_kind(item) if isinstance(item, dict) else None
        model = _MODEL_FOR_KIND.get(kind)
        if len(path) == 2:
            return model
        if path[2] == "transition":
            return Transition
        if path[2] == "text":
            return Text
        if path[2] == "style":
            return StyleOverride
        if path[2] == "caption":
            return ItemCaption
        return None
    if head in ("captions", "overlays", "voiceover"):
        return _layer_model_at(path)
    return {"defaults": Defaults, "music": Music, "style": Style, "qc": QCGate,
            ("defaults", "transition"): Transition}.get(
        head if len(path) == 1 else tuple(path[:2]), OutputTarget if head == "output" else None)


def _layer_model_at(path: tuple) -> type[BaseModel] | None:
    """The model of a mapping under captions:, overlays: or voiceover: (#18)."""
    head, rest = path[0], path[1:]
    if head == "voiceover":
        return Voiceover if not rest else None
    if head == "captions":
        return {(): Captions, ("style",): CaptionStyleSpec}.get(tuple(rest),
                                                                InlineCue if rest[:1] == ("cues",) else None)
    if len(rest) == 1 and isinstance(rest[0], int):
        return Overlay
    if len(rest) == 3 and rest[1] == "outputs":
        return OverlayOverride
    return None


def _clean_loc(loc: tuple, data: Any) -> tuple:
    """Drop pydantic's union tags (timeline.0.clip.fit -> timeline.0.fit) and function names."""
    out: list = []
    parts = list(loc)
    i = 0
    while i < len(parts):
        part = parts[i]
        if out[-2:-1] == ["timeline"] and isinstance(out[-1], int) and part in ITEM_KINDS and len(out) == 2:
            # tag injected by the discriminated union: skip it (a real `clip` field follows it)
            if i + 1 < len(parts) or part != _item_kind((data.get("timeline") or [{}])[out[-1]]):
                i += 1
                continue
        if isinstance(part, str) and part.startswith(("function-", "list[", "literal[", "union[")):
            i += 1
            continue
        if out and out[-1] == "style" and part in ("off", "override"):
            i += 1          # tag of the style union
            continue
        out.append(part)
        i += 1
    if out and out[-1] == "in_":
        out[-1] = "in"
    return tuple(out)


def _message(err: dict, path: tuple, data: Any) -> tuple[str, bool]:
    """Human text for one pydantic error; returns (message, located_on_key)."""
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(path[:-1], data)
        valid = [f for f in _fields_of(model) if f not in (data_keys(data, path[:-1]))] if model else []
        close = get_close_matches(str(path[-1]), valid or (_fields_of(model) if model else []), n=1, cutoff=0.6)
        msg = f"unknown key '{path[-1]}'"
        if close:
            msg += f" (did you mean '{close[0]}'?)"
        elif model:
            msg += "; valid keys: " + ", ".join(_fields_of(model))
        return msg, True
    if kind == "missing":
        return f"required key '{path[-1]}' is missing", False
    if kind == "union_tag_not_found" or kind == "union_tag_invalid":
        keys = list(value.keys()) if isinstance(value, dict) else []
        guess = None
        for k in keys:
            close = get_close_matches(str(k), ITEM_KINDS, n=1, cutoff=0.6)
            if close:
                guess = close[0]
                break
        msg = "each timeline item needs one of clip, image, title or shot"
        if guess:
            msg += f" (did you mean '{guess}'?)"
        return msg, False
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        valid = re.findall(r"'([^']*)'", expected) or re.findall(r"\b(\w[\w-]*)\b", expected)
        return _expected_one_of(value, valid, "one of " + ", ".join(valid) if valid else expected), False
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"])), False
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys, got {value!r}", False
    if kind in ("list_type",):
        return f"expected a list, got {type(value).__name__}", False
    if kind == "too_short":
        return "must not be empty", False
    if kind in ("string_type",):
        return f"expected text, got {value!r}", False
    msg = err["msg"]
    if value is not None and not isinstance(value, (dict, list)):
        msg += f", got {value!r}"
    return msg, False


def data_keys(data: Any, path: tuple) -> list:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return []
    return list(node.keys()) if isinstance(node, dict) else []


def validate_data(data: Any, marks: dict, source: str) -> EditList:
    """Plain data -> EditList, or every schema error at once as EditListErrors."""
    if not isinstance(data, dict):
        raise EditListError("expected a mapping with version, output and timeline", file=source, line=1, column=1)
    try:
        model = EditList.model_validate(data)
    except ValidationError as exc:
        errors: list[EditListError] = []
        seen = set()
        for err in exc.errors(include_url=False):
            path = _clean_loc(tuple(err["loc"]), data)
            message, on_key = _message(err, path, data)
            key = (path, message)
            if key in seen:
                continue
            seen.add(key)
            line, col = _find_mark(marks, path, key=on_key)
            errors.append(EditListError(message, file=source, line=line, column=col, field=_dotted(path)))
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        raise EditListErrors(errors) from None
    model._source = source
    model._marks = marks
    return model


def load_edit_list(path: str | os.PathLike, variables: Optional[dict] = None) -> EditList:
    """Read and schema-check an edit list (no media is touched here).

    ``variables`` (``--set``, a variants row) override the file's ``vars:``; every ``{{name}}`` is filled in
    on the YAML tree before the schema sees it (broll.assemble.variables)."""
    doc = yamlfile.load_file(path, what="edit list")
    if doc.data is None:
        raise EditListError("the edit list is empty", file=str(path), line=1, column=1,
                            hint="start from `broll demo DIR`, which writes a commented example")
    from broll.assemble.variables import fill_variables
    return validate_data(fill_variables(doc, variables), doc.marks, str(path))
