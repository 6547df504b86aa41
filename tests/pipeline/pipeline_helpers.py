"""Helpers for the build-with-generation tests (a uniquely named module: several test folders have a
conftest.py, so `from conftest import` would pick whichever was imported first)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from fakes.providers import FAKES, KEYS


def fake_environ(fake) -> dict:
    """What points broll (in this process or a child) at a fake: base URL, keys, short backoff."""
    env = dict(KEYS)
    env[f"BROLL_{fake.name.upper()}_BASE_URL"] = fake.base_url
    env.update(fake.extra_env())
    env["BROLL_BACKOFF_BASE"] = "0.01"
    return env


def write_edit(root: Path, shots: list[dict], timeline: list[dict] | None = None, *, provider: str = "kling",
               generate_extra: dict | None = None, **top) -> Path:
    """An edit list whose generate: section holds ``shots``; the timeline uses each shot once by default."""
    generate = {"provider": provider, "defaults": {"duration": 3, "aspect": "16:9"}, "out": "clips",
                "poll": {"interval": 0.01, "request_timeout": 10}, "concurrency": 2, "shots": shots}
    generate.update(generate_extra or {})
    doc = {"version": 1, "output": "out/reel.mp4", "preset": "16x9-1080p", "generate": generate,
           "timeline": timeline if timeline is not None else [{"shot": s["id"], "out": 1.0} for s in shots]}
    doc.update(top)
    path = root / "edit.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def creates_per_prompt(fake) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in fake.log:
        if r.kind == "create":
            prompt = (r.json or {}).get("prompt") or (r.json or {}).get("promptText") or ""
            counts[prompt] = counts.get(prompt, 0) + 1
    return counts
