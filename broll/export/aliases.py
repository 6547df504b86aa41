"""Short names for presets (``square`` -> ``instagram-square``) and the ``--preset a,b,c`` parser."""

from __future__ import annotations

import os

from broll.errors import UnknownNameError
from broll.templates.presets import Preset, all_presets

ALIASES: dict[str, str] = {
    "square": "instagram-square",
    "portrait": "instagram-portrait",
    "feed": "instagram-portrait",
    "instagram": "instagram-portrait",
    "ig-reels": "reels",
    "youtube": "youtube-1080p",
    "yt": "youtube-1080p",
    "4k": "youtube-4k",
    "yt-shorts": "shorts",
    "x": "x-landscape",
    "twitter": "x-landscape",
    "linkedin": "linkedin-square",
    "landscape": "16x9-1080p",
    "vertical": "9x16-1080p",
    "16x9": "16x9-1080p",
    "9x16": "9x16-1080p",
    "1x1": "1x1-1080p",
    "4x5": "4x5-1080p",
}


def resolve_preset(name: str, presets: dict[str, Preset]) -> Preset:
    """A preset by full name or alias; an unknown name suggests the nearest of both."""
    key = name.strip().lower()
    if key in presets:
        return presets[key]
    if key in ALIASES and ALIASES[key] in presets:
        return presets[ALIASES[key]]
    raise UnknownNameError("preset", name, list(presets) + list(ALIASES))


def parse_preset_list(spec: str | list[str], user_file: str | os.PathLike | None = None) -> list[Preset]:
    """``"reels,square"`` (or several ``--preset`` options) -> presets, in order, without repeats."""
    parts = spec if isinstance(spec, list) else [spec]
    names = [n for part in parts for n in part.split(",") if n.strip()]
    if not names:
        raise UnknownNameError("preset", "", all_presets(user_file))
    table = all_presets(user_file)
    out: list[Preset] = []
    for name in names:
        preset = resolve_preset(name, table)
        if preset.name not in {p.name for p in out}:
            out.append(preset)
    return out
