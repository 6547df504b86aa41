"""Fixtures for the assemble tests: tiny presets (320x180) and an edit-list writer."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY_PRESETS = """\
tiny:
  base: 16x9-1080p
  width: 320
  height: 180
  video: {x264_preset: ultrafast, crf: 30}
tiny-vertical:
  base: 9x16-1080p
  width: 180
  height: 320
  video: {x264_preset: ultrafast, crf: 30}
"""


@pytest.fixture(autouse=True)
def tiny_presets(tmp_path_factory, monkeypatch):
    path = tmp_path_factory.getbasetemp() / "tiny-presets.yaml"
    if not path.exists():
        path.write_text(TINY_PRESETS)
    monkeypatch.setenv("BROLL_PRESETS", str(path))
    return path


@pytest.fixture
def write_edit(tmp_path):
    """Write an edit list (dedented) to tmp_path/edit.yaml and return its path."""

    def write(text: str, name: str = "edit.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write

