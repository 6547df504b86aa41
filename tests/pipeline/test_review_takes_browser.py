"""A shot's takes side by side on the review page; approving one makes it the take the build uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from broll.assemble.build import build
from broll.review.server import ReviewServer

CHROMIUM = os.environ.get("BROLL_CHROMIUM", "/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.slow


def test_takes_side_by_side_and_use_this_take(tmp_path):
    edit = tmp_path / "edit.yaml"
    edit.write_text(yaml.safe_dump({
        "version": 1, "output": "out/reel.mp4",
        "generate": {"provider": "offline", "defaults": {"duration": 1},
                     "shots": [{"id": "sea", "prompt": "the sea", "variants": 2}, {"id": "sky", "prompt": "sky"}]},
        "timeline": [{"shot": "sea"}, {"shot": "sky"}]}, sort_keys=False))
    first = build(edit, until="generate")
    assert first.shots.chosen["sea"].take.variant == 1
    with ReviewServer(edit, port=0) as srv, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.url)
        page.wait_for_selector("body[data-ready='1']")
        takes = page.locator("#takes figure")
        assert takes.count() == 2 and "Shot sea: 2 takes" in page.locator("#takes-title").inner_text()
        takes.nth(1).locator("button").click()
        page.wait_for_selector("body[data-saved='1']", state="attached")
        page.locator("#clips li", has_text="sky.mp4").click()
        assert page.locator("#takes").is_hidden()             # one take: nothing to compare
        browser.close()
    assert errors == []
    second = build(edit, until="generate")
    assert second.shots.chosen["sea"].take.variant == 2 and "approved" in second.shots.chosen["sea"].why
