"""Every edit-list example in the README and docs/ passes the edit list's schema as written.

A user copies these first; an example that fails validation (one used ``items:`` for
``timeline:`` and a still as a ``clip:``) teaches the wrong thing. Fragments (a block without
``version:``) are checked inside a minimal edit list; media is not touched (schema only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from broll.assemble.editlist import load_edit_list

ROOT = Path(__file__).resolve().parents[1]
# keys that only an edit list has: a block holding one of them is (part of) an edit list
EDIT_LIST_KEYS = {"timeline", "defaults", "style", "qc", "captions", "overlays", "voiceover", "output"}


def _edit_list_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        for match in re.finditer(r"```yaml\n(.*?)```", text, re.S):
            body = match.group(1)
            data = yaml.safe_load(body)
            if isinstance(data, dict) and "timeline" in data and set(data) <= EDIT_LIST_KEYS | {
                    "version", "preset", "fps", "loudness", "music", "review", "vars", "generate"}:
                line = text[:match.start()].count("\n") + 2
                blocks.append((f"{doc.name}:{line}", body))
    return blocks


BLOCKS = _edit_list_blocks()


def test_the_docs_hold_edit_list_examples():
    assert len(BLOCKS) >= 5, [where for where, _ in BLOCKS]


@pytest.mark.parametrize("where,body", BLOCKS, ids=[where for where, _ in BLOCKS])
def test_edit_list_example_validates(tmp_path, where, body):
    data = yaml.safe_load(body)
    text = body
    if "version" not in data:
        text = "version: 1\n" + ("" if "output" in data else "output: out/reel.mp4\n") + body
    path = tmp_path / "edit.yaml"
    path.write_text(text)
    load_edit_list(path)   # raises EditListErrors with file:line:col on a schema error
