"""The review page in a real browser: Playwright driving Debian's headless Chromium.

Approves and rejects clips from the keyboard and with clicks, then reads the project
database; checks frame stepping and finding clicks by decoding the frame on screen.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from broll.hashing import file_sha256
from broll.media.synth import read_frame_number
from broll.project import connect
from broll.review.server import ReviewServer
from review_helpers import fake_qc

CHROMIUM = os.environ.get("BROLL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh (as root) to install Debian's chromium",
                allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def served(project):
    with ReviewServer(project, port=0) as srv:
        yield srv


@pytest.fixture
def page(browser, served):
    pg = browser.new_page(viewport={"width": 1280, "height": 760})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(served.url)
    pg.wait_for_selector("body[data-ready='1']")
    yield pg
    pg.close()
    assert errors == [], errors


def decisions(root: Path) -> dict[str, tuple[str, str, str]]:
    """Latest (decision, note, sha) per clip, straight from the database."""
    conn = connect(root)
    rows = conn.execute("SELECT clip_path, decision, note, clip_sha FROM review_decisions ORDER BY id").fetchall()
    conn.close()
    return {r["clip_path"]: (r["decision"], r["note"], r["clip_sha"]) for r in rows}


def current_path(pg) -> str:
    return pg.locator("#clip-name").inner_text()


def wait_saved(pg, n: int) -> None:
    # attribute selectors, not wait_for_function: the page's CSP forbids eval, and stays on in tests
    pg.wait_for_selector(f"body[data-saved='{n}']", state="attached")


def frame_on_screen(pg) -> int:
    png = pg.locator("#video").screenshot()
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
    return read_frame_number(img)


def wait_frame(pg, n: int) -> None:
    """The page says frame n and the pixels on screen are frame n (painting can lag the seek)."""
    pg.wait_for_selector(f"body[data-frame='{n}']", state="attached")
    deadline = time.monotonic() + 10
    while (seen := frame_on_screen(pg)) != n and time.monotonic() < deadline:
        pg.wait_for_timeout(50)
    assert seen == n


def test_keyboard_review_writes_the_database(page, project):
    assert current_path(page) == "clips/a.mp4"
    page.keyboard.press("a")
    wait_saved(page, 1)
    assert current_path(page) == "clips/b.mp4"          # moved on to the next unreviewed clip
    page.keyboard.press("n")
    page.keyboard.type("horizon wobbles at 0:01")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    wait_saved(page, 2)
    assert current_path(page) == "clips/n.mp4"
    page.keyboard.press("k")
    assert current_path(page) == "clips/b.mp4"
    page.keyboard.press("j")
    assert current_path(page) == "clips/n.mp4"
    got = decisions(project)
    assert got["clips/a.mp4"][:2] == ("approved", "")
    assert got["clips/b.mp4"][:2] == ("rejected", "horizon wobbles at 0:01")
    assert got["clips/a.mp4"][2] == file_sha256(project / "clips" / "a.mp4")
    assert "clips/n.mp4" not in got
    assert page.locator("li[data-state='approved']").count() == 1
    assert page.locator("li[data-state='rejected']").count() == 1
    assert page.locator("[data-count='unreviewed']").inner_text() == "1 unreviewed"


def test_clicks_review_and_decisions_survive_a_reload(page, project):
    page.locator("#clips li", has_text="clips/n.mp4").click()
    page.fill("#note", "extra finger on the left hand")
    page.click("#btn-reject")
    wait_saved(page, 1)
    page.locator("#clips li", has_text="clips/b.mp4").click()
    page.click("#btn-approve")
    wait_saved(page, 2)
    got = decisions(project)
    assert got["clips/n.mp4"][:2] == ("rejected", "extra finger on the left hand")
    assert got["clips/b.mp4"][:2] == ("approved", "")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert current_path(page) == "clips/a.mp4"           # opens on the first clip still to review
    page.locator("#clips li", has_text="clips/n.mp4").click()
    assert page.locator("#clip-state").inner_text() == "rejected"
    assert page.input_value("#note") == "extra finger on the left hand"
    assert "rejected by" in page.locator("#last-decision").inner_text()


def test_frame_step_and_finding_jump_show_the_exact_frame(browser, project):
    n = project / "clips" / "n.mp4"
    fake_qc(project, file_sha256(n), "review", [{"kind": "flicker", "start_frame": 12, "end_frame": 14, "start": 0.4,
                                                 "end": 0.5, "severity": "review", "value": 3.0, "threshold": 2.0,
                                                 "message": "luma flicker"}])
    with ReviewServer(project, port=0) as srv:
        pg = browser.new_page(viewport={"width": 1280, "height": 760})
        pg.goto(srv.url)
        pg.wait_for_selector("body[data-ready='1']")
        pg.locator("#clips li", has_text="clips/n.mp4").click()
        clip_id = pg.evaluate("document.body.dataset.current")
        pg.wait_for_selector(f"body[data-loaded='{clip_id}']", state="attached")
        assert pg.locator("#qc-verdict").inner_text() == "review"
        pg.locator(".finding").first.click()
        wait_frame(pg, 12)
        pg.keyboard.press(".")
        pg.keyboard.press(".")
        wait_frame(pg, 14)
        pg.keyboard.press(",")
        wait_frame(pg, 13)
        pg.keyboard.press(" ")
        pg.wait_for_selector("body[data-paused='0']", state="attached")
        pg.keyboard.press(" ")
        pg.wait_for_selector("body[data-paused='1']", state="attached")
        # the filmstrip loaded from the server's cache
        pg.wait_for_selector(f"body[data-strip='{clip_id}']", state="attached")
        pg.close()


def test_source_frames_only_steps_and_plays_source_pictures(browser, project):
    """A retimed reel (its frame map beside it): with the toggle on, steps and play land on source frames."""
    import json

    from broll.assemble.framemap import FrameMap, sidecar_path
    runs = tuple((f, f + 2, "repeat") for f in range(1, 60, 3))       # source pictures at 0, 3, 6, ...
    sidecar_path(project / "clips" / "n.mp4").write_text(json.dumps(FrameMap(30, 60, runs).to_dict()))
    with ReviewServer(project, port=0) as srv:
        pg = browser.new_page(viewport={"width": 1280, "height": 760})
        pg.goto(srv.url)
        pg.wait_for_selector("body[data-ready='1']")
        assert not pg.locator("#src-only-box").is_visible()             # clips/a.mp4: not retimed
        pg.locator("#clips li", has_text="clips/n.mp4").click()
        clip_id = pg.evaluate("document.body.dataset.current")
        pg.wait_for_selector(f"body[data-loaded='{clip_id}']", state="attached")
        assert pg.locator("#src-only-box").is_visible()
        pg.keyboard.press("s")
        pg.wait_for_selector("body[data-source-only='1']", state="attached")
        pg.keyboard.press(".")
        wait_frame(pg, 3)
        pg.keyboard.press(".")
        wait_frame(pg, 6)
        pg.keyboard.press(",")
        wait_frame(pg, 3)
        pg.keyboard.press(" ")                                             # play source frames to the end
        pg.wait_for_selector("body[data-source-play='1']", state="attached")
        pg.wait_for_selector("body[data-source-play='0']", state="attached", timeout=20000)
        wait_frame(pg, 57)
        pg.close()


def test_a_changed_clip_needs_review_again(page, project):
    page.keyboard.press("a")
    wait_saved(page, 1)
    shutil.copy(project / "clips" / "b.mp4", project / "clips" / "a.mp4")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert current_path(page) == "clips/a.mp4"
    assert page.locator("#clip-state").inner_text() == "changed-since-approval"
    assert "earlier version" in page.locator("#last-decision").inner_text()


def test_a_gif_shows_as_an_image_and_can_be_approved(browser, project):
    from broll.media import synth

    synth.make_clip(project / "clips" / "z.gif", size=(160, 90), duration=0.5, audio=None, codec_args=())
    with ReviewServer(project, port=0) as srv:
        pg = browser.new_page(viewport={"width": 1280, "height": 760})
        pg.goto(srv.url)
        pg.wait_for_selector("body[data-ready='1']")
        pg.locator("#clips li", has_text="clips/z.gif").click()
        pg.wait_for_selector("#gif:not([hidden])")
        assert pg.locator("#video").is_hidden()
        deadline = time.monotonic() + 10
        while pg.evaluate("document.getElementById('gif').naturalWidth") != 160 and time.monotonic() < deadline:
            pg.wait_for_timeout(50)
        assert pg.evaluate("document.getElementById('gif').naturalWidth") == 160   # decoded, not a broken image
        pg.keyboard.press("a")
        wait_saved(pg, 1)
        pg.close()
    assert decisions(project)["clips/z.gif"][0] == "approved"


def test_a_repaired_copy_shows_before_and_after_frames(browser, project):
    from broll.media.writer import write_clip
    from broll.repair import repair_clip
    from broll.testing import injection as inj

    frames = inj.base("pan:astronaut", 45)
    frames[20] = np.full_like(frames[20], 255)
    res = repair_clip(write_clip(project / "takes" / "flash.mp4", frames, fps=30), project / "fixed")
    assert res.repairs
    with ReviewServer(project, port=0) as srv:
        pg = browser.new_page(viewport={"width": 1280, "height": 760})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(srv.url)
        pg.wait_for_selector("body[data-ready='1']")
        pg.locator("#clips li", has_text="fixed/flash.mp4").click()
        pg.wait_for_selector("#repair-body img[alt^='after']")
        assert "frame 20" in pg.locator("#repair-body").inner_text()
        imgs = pg.locator("#repair-body img")
        assert imgs.count() == 2
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(
                imgs.nth(i).evaluate("i => i.complete && i.naturalWidth > 0") for i in range(2)):
            pg.wait_for_timeout(100)
        shots = [cv2.imdecode(np.frombuffer(imgs.nth(i).screenshot(), np.uint8), cv2.IMREAD_COLOR) for i in range(2)]
        assert shots[0].mean() > 240 and shots[1].mean() < 200      # the flash, then the rebuilt frame
        pg.locator("#repair-body .repair-head").first.click()
        pg.wait_for_selector("body[data-frame='20']", state="attached")
        # Chromium decodes the spliced copy: frame 20 (re-encoded, in-band SPS) shows the pan, not the flash
        from broll.media.frames import iter_frames

        ref = [f.image for f in iter_frames(res.output, fmt="bgr24")][20]
        pg.wait_for_timeout(300)
        shot = cv2.imdecode(np.frombuffer(pg.locator("#video").screenshot(), np.uint8), cv2.IMREAD_COLOR)
        h, w = shot.shape[:2]
        sh = min(h, round(w * ref.shape[0] / ref.shape[1]))          # the picture inside any letterbox
        pic = shot[(h - sh) // 2:(h - sh) // 2 + sh]
        ref = cv2.resize(ref, (pic.shape[1], pic.shape[0]), interpolation=cv2.INTER_AREA)
        assert np.abs(pic.astype(int) - ref.astype(int)).mean() < 12
        pg.locator("#clips li", has_text="takes/flash.mp4").click()
        assert "not a repaired copy" in pg.locator("#repair-body").inner_text()
        pg.close()
        assert errors == [], errors
