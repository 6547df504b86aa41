"""Fixtures for generate tests: loopback provider fakes, batch specs, CLI and runner helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.providers import FAKES, KEYS


@pytest.fixture
def fake_env(monkeypatch):
    """Start the fake for a provider and point broll at it (base URL + keys)."""
    started = []

    def start(name: str, **attrs):
        fake = FAKES[name]()
        for k, v in attrs.items():
            setattr(fake, k, v)
        fake.__enter__()
        started.append(fake)
        monkeypatch.setenv(f"BROLL_{name.upper()}_BASE_URL", fake.base_url)
        for var, value in fake.extra_env().items():
            monkeypatch.setenv(var, value)
        for var in KEYS:
            monkeypatch.setenv(var, KEYS[var])
        return fake

    monkeypatch.setenv("BROLL_BACKOFF_BASE", "0.01")
    yield start
    for fake in started:
        fake.__exit__(None, None, None)


@pytest.fixture
def style_ref(media) -> Path:
    return media.image("style.png", size=(320, 180))


