"""Fixtures for the build-with-generation tests: loopback provider fakes and edit lists with shots."""

from __future__ import annotations

import pytest

from fakes.providers import FAKES
from pipeline_helpers import fake_environ


@pytest.fixture
def provider_fake(monkeypatch):
    """Start a provider fake and point broll at it; stopped after the test."""
    started = []

    def start(name: str = "kling", **attrs):
        fake = FAKES[name]()
        for k, v in attrs.items():
            setattr(fake, k, v)
        fake.__enter__()
        started.append(fake)
        for var, value in fake_environ(fake).items():
            monkeypatch.setenv(var, value)
        return fake

    yield start
    for fake in started:
        fake.__exit__(None, None, None)
