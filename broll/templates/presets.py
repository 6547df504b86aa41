"""Export presets: one YAML file per preset in ``presets/``; users add their own from a YAML file.

``PRESETS`` maps a readable name to a Preset, like colour-science's method tables; an
unknown name is an error listing the valid ones.
"""

from __future__ import annotations

import os
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from broll import yamlfile
from broll.errors import EditListError, lookup
from broll.timebase import parse_rate

# libyaml's parser when PyYAML was built with it: 13 preset files load in ~5 ms instead of ~50
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class VideoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codec: str = "libx264"
    profile: str = "high"
    level: str = "4.1"
    pix_fmt: str = "yuv420p"
    crf: int = Field(20, ge=0, le=51)
    maxrate: Optional[str] = None       # e.g. "10M": a VBV cap for platforms with bitrate limits
    gop_seconds: float = 2.0
    x264_preset: str = "medium"

    @field_validator("level", mode="before")
    @classmethod
    def _level_str(cls, v):
        return str(v)


class AudioSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codec: str = "aac"
    sample_rate: int = 48000
    channels: int = 2
    bitrate: str = "192k"


class Loudness(BaseModel):
    model_config = ConfigDict(extra="forbid")
    integrated: float = Field(-14.0, ge=-70, le=-5)
    true_peak: float = Field(-1.0, ge=-9, le=0)
    lra: float = Field(11.0, ge=1, le=50)


class SafeZone(BaseModel):
    """Fractions of the frame each platform's UI covers; titles are kept inside the rest."""
    model_config = ConfigDict(extra="forbid")
    top: float = Field(0.05, ge=0, lt=0.5)
    bottom: float = Field(0.05, ge=0, lt=0.5)
    left: float = Field(0.05, ge=0, lt=0.5)
    right: float = Field(0.05, ge=0, lt=0.5)


class Preset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str = ""
    width: int = Field(gt=0, le=8192)
    height: int = Field(gt=0, le=8192)
    fps: str = "30"
    video: VideoSettings = VideoSettings()
    audio: AudioSettings = AudioSettings()
    loudness: Loudness = Loudness()
    max_duration: Optional[float] = None
    safe_zone: SafeZone = SafeZone()
    # frame rate (issue 20): `fps` is the default rate; the platform's maximum caps `fps: auto`
    max_fps: Optional[str] = None

    @field_validator("fps", mode="before")
    @classmethod
    def _fps_str(cls, v):
        return str(v)

    @field_validator("max_fps", mode="before")
    @classmethod
    def _max_fps_str(cls, v):
        return None if v is None else str(v)

    @property
    def max_rate(self) -> Optional[Fraction]:
        return None if self.max_fps is None else parse_rate(self.max_fps)

    def at_rate(self, rate: Fraction) -> "Preset":
        """This preset rendering at ``rate`` (an edit list's ``fps:``)."""
        from broll.assemble.framerate import label
        return self if rate == self.rate else self.model_copy(update={"fps": label(rate)})

    @field_validator("width", "height")
    @classmethod
    def _even(cls, v):
        if v % 2:
            raise ValueError("must be even (yuv420p needs even sizes)")
        return v

    @property
    def rate(self) -> Fraction:
        return parse_rate(self.fps)

    @property
    def aspect(self) -> str:
        from math import gcd
        g = gcd(self.width, self.height)
        return f"{self.width // g}:{self.height // g}"

    def scaled(self, factor: float, *, fps: str | None = None, crf: int | None = None,
               x264_preset: str | None = None, suffix: str = "-preview") -> "Preset":
        """A smaller copy (for ``--preview``): even sizes, same aspect."""
        w = max(2, int(round(self.width * factor / 2)) * 2)
        h = max(2, int(round(self.height * factor / 2)) * 2)
        video = self.video.model_copy(update={k: v for k, v in
                                              {"crf": crf, "x264_preset": x264_preset, "maxrate": None}.items()
                                              if v is not None or k == "maxrate"})
        return self.model_copy(update={"name": self.name + suffix, "width": w, "height": h,
                                       "fps": fps or self.fps, "video": video})


def _load_file(path: Path, text: str) -> Preset:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
        return Preset.model_validate(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EditListError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=str(path),
                            line=mark.line + 1 if mark else None) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise EditListError(err["msg"], file=str(path), field=field) from None


@lru_cache(maxsize=1)
def builtin_presets() -> dict[str, Preset]:
    out: dict[str, Preset] = {}
    folder = resources.files("broll.templates") / "presets"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            preset = _load_file(Path(str(entry)), entry.read_text(encoding="utf-8"))
            out[preset.name] = preset
    return out


def load_user_presets(path: str | os.PathLike) -> dict[str, Preset]:
    """Presets from a user YAML file: a mapping ``name: {fields...}`` (``base:`` copies a built-in)."""
    p = Path(path)
    doc = yamlfile.load_file(p, what="presets file")
    data = doc.data or {}
    if not isinstance(data, dict):
        raise doc.error("expected a mapping of preset names to settings")
    out = {}
    for name, fields in data.items():
        if not isinstance(fields, (dict, type(None))):
            raise doc.error("expected a mapping of preset settings", (name,))
        fields = dict(fields or {})
        base_name = fields.pop("base", None)
        merged: dict = {}
        if base_name:
            merged = lookup(builtin_presets(), "preset", str(base_name)).model_dump()
        for key, value in fields.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        merged["name"] = str(name)
        try:
            out[str(name)] = Preset.model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise doc.error(err["msg"], (name,) + tuple(err["loc"])) from None
    return out


def all_presets(user_file: str | os.PathLike | None = None) -> dict[str, Preset]:
    presets = dict(builtin_presets())
    env_file = user_file or os.environ.get("BROLL_PRESETS")
    if env_file:
        presets.update(load_user_presets(env_file))
    return presets


def get_preset(name: str, user_file: str | os.PathLike | None = None) -> Preset:
    return lookup(all_presets(user_file), "preset", name)


PRESETS = builtin_presets
