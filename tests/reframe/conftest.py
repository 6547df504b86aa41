"""Fixture: clips with a known subject (see disc_clips.py)."""

from __future__ import annotations

import pytest

from disc_clips import DiscClips


@pytest.fixture(scope="session")
def discs(tmp_path_factory) -> DiscClips:
    return DiscClips(tmp_path_factory.mktemp("discs"))
