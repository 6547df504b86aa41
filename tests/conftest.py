"""Shared fixtures: every clip is synthesised with lavfi (small: 320x180, 1-2 s); no binaries committed."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from broll.media import synth

warnings.filterwarnings("ignore", message=".*related API features are not available.*")


class MediaFactory:
    """Makes and caches synthetic media for a test session."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[tuple, Path] = {}

    def clip(self, name: str = "clip.mp4", **kwargs) -> Path:
        key = ("clip", name, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in self._cache:
            self._cache[key] = synth.make_clip(self.root / f"{len(self._cache)}-{name}", **kwargs)
        return self._cache[key]

    def image(self, name: str = "still.png", **kwargs) -> Path:
        key = ("image", name, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in self._cache:
            self._cache[key] = synth.make_image(self.root / f"{len(self._cache)}-{name}", **kwargs)
        return self._cache[key]

    def tone(self, name: str = "bed.m4a", **kwargs) -> Path:
        key = ("tone", name, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in self._cache:
            self._cache[key] = synth.make_tone(self.root / f"{len(self._cache)}-{name}", **kwargs)
        return self._cache[key]

    def numbered(self, name: str = "numbered.mp4", **kwargs) -> Path:
        key = ("numbered", name, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in self._cache:
            self._cache[key] = synth.make_numbered_clip(self.root / f"{len(self._cache)}-{name}", **kwargs)
        return self._cache[key]


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> MediaFactory:
    return MediaFactory(tmp_path_factory.mktemp("media"))
