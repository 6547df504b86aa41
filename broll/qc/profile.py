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

from broll import yamlfile
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


def _read_yaml(doc: yamlfile.YamlDocument) -> yamlfile.YamlDocument:
    if doc.data is None:
        return yamlfile.YamlDocument({}, doc.marks, doc.source)
    if not isinstance(doc.data, dict):
        raise doc.error("a profile is a mapping with 'detectors:'")
    return doc


def _builtin(name: str) -> dict:
    names = builtin_names()
    if name not in names:
        raise UnknownNameError("QC profile", name, names)
    text = (resources.files("broll.qc") / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")
    return _read_yaml(yamlfile.loads(text, f"{name}.yaml", what="QC profile")).data


def _merge(base: dict, override: dict, doc: yamlfile.YamlDocument) -> dict:
    merged = copy.deepcopy(base)
    for det, values in (override or {}).items():
        if det not in merged:
            close = get_close_matches(str(det), list(merged), n=1)
            raise doc.error(f"unknown detector '{det}'", ("detectors", det), key=True,
                            hint=(f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(sorted(merged)))
        if not isinstance(values, dict):
            raise doc.error("expected a mapping of thresholds", ("detectors", det))
        for key, value in values.items():
            if key not in merged[det]:
                close = get_close_matches(str(key), list(merged[det]), n=1)
                raise doc.error(f"unknown threshold '{key}'", ("detectors", det, key), key=True,
                                hint=(f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(sorted(merged[det])))
            if key == "severity":
                if value not in SEVERITIES:
                    raise doc.error(f"severity must be one of {', '.join(SEVERITIES)}, not {value!r}",
                                    ("detectors", det, "severity"))
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise doc.error(f"expected a number, got {value!r}", ("detectors", det, key))
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
        doc = _read_yaml(yamlfile.load_file(path, what="QC profile"))
        data = doc.data
        unknown = sorted(set(map(str, data)) - {"name", "base", "detectors"})
        if unknown:
            raise doc.error(f"unknown key '{unknown[0]}'", (unknown[0],), key=True,
                            hint="a profile has name, base and detectors")
        base_name = data.get("base", "default")
        if base_name not in builtin_names():
            close = get_close_matches(str(base_name), builtin_names(), n=1)
            raise doc.error(f"unknown base profile {base_name!r}", ("base",),
                            hint=(f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(builtin_names()))
        overrides = data.get("detectors") or {}
        if not isinstance(overrides, dict):
            raise doc.error("expected a mapping of detectors", ("detectors",))
        detectors = _merge(_builtin(base_name)["detectors"], overrides, doc)
        return Profile(str(data.get("name", path.stem)), detectors, str(path))
    data = _builtin(text)
    return Profile(str(data.get("name", text)), data["detectors"], text)
