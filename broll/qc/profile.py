"""QC profiles: thresholds as data (``profiles/*.yaml``), or a user's own YAML file.

A user profile names a built-in ``base`` (default when omitted) and overrides any subset of its
keys; an unknown detector or key is an error naming the file and field, with a suggestion.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from difflib import get_close_matches
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from broll.errors import EditListError, UnknownNameError
from broll.hashing import text_sha256

SEVERITIES = ("note", "review", "regenerate")


@dataclass(frozen=True)
class Profile:
    name: str
    detectors: dict[str, dict[str, Any]]
    source: str               # built-in name or file path

    def section(self, detector: str) -> dict[str, Any]:
        return self.detectors[detector]

    @property
    def digest(self) -> str:
        """Hash of the effective thresholds: part of the cache key."""
        return text_sha256(sorted((k, sorted(v.items())) for k, v in self.detectors.items()))


def builtin_names() -> list[str]:
    folder = resources.files("broll.qc") / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, where: str) -> dict:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EditListError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=where,
                            line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise EditListError("a profile is a mapping with 'detectors:'", file=where)
    return data


def _builtin(name: str) -> dict:
    names = builtin_names()
    if name not in names:
        raise UnknownNameError("QC profile", name, names)
    text = (resources.files("broll.qc") / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")
    return _read_yaml(text, f"{name}.yaml")


def _merge(base: dict, override: dict, where: str) -> dict:
    merged = copy.deepcopy(base)
    for det, values in (override or {}).items():
        if det not in merged:
            close = get_close_matches(str(det), list(merged), n=1)
            raise EditListError(f"unknown detector '{det}'", file=where, field=f"detectors.{det}",
                                hint=(f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(sorted(merged)))
        if not isinstance(values, dict):
            raise EditListError("expected a mapping of thresholds", file=where, field=f"detectors.{det}")
        for key, value in values.items():
            if key not in merged[det]:
                close = get_close_matches(str(key), list(merged[det]), n=1)
                raise EditListError(f"unknown threshold '{key}'", file=where, field=f"detectors.{det}.{key}",
                                    hint=(f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(sorted(merged[det])))
            if key == "severity":
                if value not in SEVERITIES:
                    raise EditListError(f"severity must be one of {', '.join(SEVERITIES)}, not {value!r}",
                                        file=where, field=f"detectors.{det}.severity")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise EditListError(f"expected a number, got {value!r}", file=where, field=f"detectors.{det}.{key}")
            merged[det][key] = value
    return merged


def load_profile(name_or_path: str | os.PathLike | Profile = "default") -> Profile:
    """A built-in profile by name (default, strict, lenient) or a YAML file path."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        path = Path(text)
        if not path.is_file():
            raise EditListError("profile file not found", file=text,
                                hint="give default, strict, lenient or a path to a .yaml profile")
        data = _read_yaml(path.read_text(encoding="utf-8"), text)
        unknown = set(data) - {"name", "base", "detectors"}
        if unknown:
            raise EditListError(f"unknown key '{sorted(unknown)[0]}'", file=text,
                                hint="a profile has name, base and detectors")
        base = _builtin(str(data.get("base", "default")))
        detectors = _merge(base["detectors"], data.get("detectors") or {}, text)
        return Profile(str(data.get("name", path.stem)), detectors, str(path))
    data = _builtin(text)
    return Profile(str(data.get("name", text)), data["detectors"], text)
