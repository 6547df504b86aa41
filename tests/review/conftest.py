"""Review fixtures: small projects of synthetic clips, other stages' tables faked as they store them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path, media) -> Path:
    """A project folder with three clips under clips/, a render under out/ and state under .broll/."""
    root = tmp_path / "proj"
    (root / "clips").mkdir(parents=True)
    shutil.copy(media.clip("a.mp4", duration=1.0, audio=None), root / "clips" / "a.mp4")
    shutil.copy(media.clip("b.mp4", source="smptebars", duration=1.0, audio=None), root / "clips" / "b.mp4")
    shutil.copy(media.numbered("n.mp4", frames=60), root / "clips" / "n.mp4")
    (root / "out").mkdir()
    shutil.copy(root / "clips" / "a.mp4", root / "out" / "reel.mp4")
    return root
