"""Starter projects: an edit list from ``starters/*.yaml`` (a comment on every key), folders,
and optionally demo media synthesised to fit it, so ``broll build`` works at once.

The demo media is derived from the edit list itself (every ``clip:``, ``image:`` and
``music.path``), so a template and its demo can never drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Callable

import yaml

from broll.atomic import write_text
from broll.errors import InputError, lookup
from broll.project import DB_DIR
from broll.timebase import parse_time

FOLDERS = ("clips", "stills", "music", "out")
EDIT_LIST = "edit.yaml"
DEFAULT_TEMPLATE = "product-teaser"

# a subject crossing a soft landscape, so vertical demos show the crop following it
_X, _Y = "(80+480*(0.5-0.5*cos(2*PI*T/6)))", "(220-50*sin(2*PI*T/4))"
_DISC = ",".join(
    f"geq={c}='if(lt(hypot(X-{_X},Y-{_Y}),34),if(lt(hypot(X-{_X},Y-{_Y}),26),{v},40),{c}(X,Y))'"
    for c, v in (("r", 245), ("g", 235), ("b", 200))).replace(",geq=", ":")
_SUBJECT = ("gradients", (640, 360), 30, 523.3, ("format=rgb24", _DISC, "format=yuv420p"))

# demo clip looks, cycled: (lavfi source, size, fps, audio tone or None)
_DEMO_LOOKS = (("testsrc2", (1280, 720), 30, 440.0), ("smptebars", (640, 360), 8, None),
               ("gradients", (960, 540), 24, 330.0), ("rgbtestsrc", (640, 480), 30, None),
               ("life", (640, 360), 30, None), ("cellauto", (720, 720), 30, None))


@dataclass(frozen=True)
class Starter:
    name: str
    description: str
    text: str


def _first_sentence(text: str) -> str:
    lead = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lead.append(line.lstrip("# ").strip())
    joined = " ".join(lead)
    return joined.split(". ")[0].rstrip(".") + "." if joined else ""


def starters() -> dict[str, Starter]:
    out = {}
    folder = resources.files("broll.templates") / "starters"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            out[entry.name[:-5]] = Starter(entry.name[:-5], _first_sentence(text), text)
    return out


@dataclass(frozen=True)
class DemoFile:
    relpath: str
    kind: str            # clip | image | music
    seconds: float       # how long it must last (clips, music)


def demo_files(edit_text: str) -> list[DemoFile]:
    """Media an edit list refers to, with the length each must have."""
    data = yaml.safe_load(edit_text) or {}
    files: dict[str, DemoFile] = {}
    for item in data.get("timeline") or []:
        if "clip" in item:
            ends = [parse_time(item[k]).resolve(Fraction(30)) for k in ("in", "out") if k in item]
            need = float(max(ends, default=Fraction(0))) + 1.0
            if "out" not in item:
                need = max(need, float(item.get("duration", 4)) * float(item.get("speed", 1)) + 1.0)
            prev = files.get(item["clip"])
            files[item["clip"]] = DemoFile(item["clip"], "clip", max(need, prev.seconds if prev else 0))
        elif "image" in item:
            files[item["image"]] = DemoFile(item["image"], "image", 0)
    music = data.get("music") or {}
    if music.get("path"):
        files[music["path"]] = DemoFile(music["path"], "music", 20.0)
    # captions, brand layers, voice-over (#18)
    for overlay in data.get("overlays") or []:
        if isinstance(overlay, dict) and overlay.get("image"):
            kind = "plate" if overlay.get("text") else "logo"
            files.setdefault(overlay["image"], DemoFile(overlay["image"], kind, 0))
    voice = data.get("voiceover") or {}
    if isinstance(voice, dict) and voice.get("path"):
        files.setdefault(voice["path"], DemoFile(voice["path"], "voice", 8.0))
    return list(files.values())


def make_demo_media(root: Path, edit_text: str, on_file: Callable[[str], None] | None = None) -> list[Path]:
    """Synthesise every file the edit list needs (skipping files that already exist)."""
    from broll.media import synth

    made = []
    files = demo_files(edit_text)
    first_clip = next((i for i, f in enumerate(files) if f.kind == "clip"), -1)
    for i, f in enumerate(files):
        target = root / f.relpath
        if target.exists():
            continue
        if on_file:
            on_file(f.relpath)
        if f.kind == "clip":
            if i == first_clip:
                source, size, fps, tone, vfilters = _SUBJECT
            else:
                (source, size, fps, tone), vfilters = _DEMO_LOOKS[i % len(_DEMO_LOOKS)], ()
            synth.make_clip(target, source=source, size=size, fps=fps, duration=round(f.seconds, 3), audio=tone,
                            vfilters=vfilters)
        elif f.kind == "image":
            size = (1600, 900) if i % 2 == 0 else (1200, 1200)
            synth.make_image(target, source="testsrc2" if i % 2 == 0 else "smptebars", size=size)
        elif f.kind == "logo":
            synth.make_logo(target)
        elif f.kind == "plate":
            synth.make_lower_third(target)
        elif f.kind == "voice":      # a stand-in narration: a higher, louder voice-like tone the music ducks under
            synth.make_tone(target, duration=f.seconds, notes=(330, 495, 660), volume=0.6)
        else:
            synth.make_tone(target, duration=f.seconds)
        made.append(target)
    return made


def init_project(folder: str | os.PathLike, template: str = DEFAULT_TEMPLATE, *, demo: bool = False,
                 force: bool = False, on_file: Callable[[str], None] | None = None, generate: bool = False) -> dict:
    """Write a starter project into ``folder``; returns what was written.

    ``generate``: the clips become generated shots (broll.templates.generate_starter); the stills,
    music and style reference are synthesised so the project builds offline at once."""
    starter = lookup(starters(), "template", template)
    if generate:
        from broll.templates.generate_starter import STYLE_REFERENCE, generate_text
        starter = Starter(starter.name, starter.description, generate_text(starter.text))
        demo = True
        style = Path(folder) / STYLE_REFERENCE
        if not style.exists():
            from broll.media import synth
            style.parent.mkdir(parents=True, exist_ok=True)
            synth.make_image(style, source="mandelbrot", size=(1280, 720))
    root = Path(folder)
    edit = root / EDIT_LIST
    if edit.exists() and not force:
        raise InputError(f"{edit}: already exists", "choose another folder, or pass --force to overwrite it")
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: is a file, not a folder")
    for name in FOLDERS:
        (root / name).mkdir(parents=True, exist_ok=True)
    # mark the project: `broll review clips/` and every other command now find this folder's .broll/
    (root / DB_DIR).mkdir(exist_ok=True)
    write_text(edit, starter.text)
    variants = _companion_csv(starter.name)
    if variants is not None:              # a starter with variants ships their rows beside the edit list
        write_text(root / VARIANTS_FILE, variants)
    media = make_demo_media(root, starter.text, on_file) if demo else []
    missing = [f.relpath for f in demo_files(starter.text) if not (root / f.relpath).exists()]
    return {"folder": str(root), "template": starter.name, "edit_list": str(edit),
            "demo_media": [str(p) for p in media], "missing_media": missing,
            "variants": str(root / VARIANTS_FILE) if variants is not None else None}


VARIANTS_FILE = "variants.csv"


def _companion_csv(name: str) -> str | None:
    entry = resources.files("broll.templates") / "starters" / f"{name}.csv"
    return entry.read_text(encoding="utf-8") if entry.is_file() else None
