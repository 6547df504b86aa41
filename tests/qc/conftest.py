"""QC fixtures: clean bases and injected defects (lavfi and scikit-image photos, x264), cached per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from broll.testing import injection as inj

FRAMES = 60


class QCMedia:
    def __init__(self, root: Path):
        self.root = root
        self._bases: dict[str, list] = {}
        self._clips: dict[tuple, tuple[Path, inj.Truth | None]] = {}

    def base(self, name: str) -> list:
        if name not in self._bases:
            self._bases[name] = inj.base(name, FRAMES)
        return self._bases[name]

    def clean(self, name: str, *, faded: bool = False) -> Path:
        key = (name, "fade" if faded else "clean", "")
        if key not in self._clips:
            frames = self.base(name)
            frames = inj.fade(frames) if faded else frames
            path = self.root / f"{name.replace(':', '_')}-{key[1]}.mp4"
            self._clips[key] = (inj.encode(path, frames), None)
        return self._clips[key][0]

    def defect(self, name: str, kind: str, severity: str = "moderate", seed: int = 7) -> tuple[Path, inj.Truth]:
        key = (name, kind, severity, seed)
        if key not in self._clips:
            rng = np.random.default_rng(seed)
            frames, truth = inj.DEFECTS[kind](self.base(name), rng, severity)
            path = self.root / f"{name.replace(':', '_')}-{kind}-{severity}-{seed}.mp4"
            self._clips[key] = (inj.encode(path, frames), truth)
        return self._clips[key]


@pytest.fixture(scope="session")
def qc_media(tmp_path_factory) -> QCMedia:
    return QCMedia(tmp_path_factory.mktemp("qc"))
