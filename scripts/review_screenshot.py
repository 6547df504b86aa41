"""Make docs/img/review.png: a small synthetic project on the review page in headless Chromium.

QC, generation and grade rows are written in the formats those stages store (their modules
are built on other branches); clips, filmstrips, grade previews and decisions are real.
Run: .venv/bin/python scripts/review_screenshot.py [docs/img/review.png]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from broll.hashing import file_sha256
from broll.media import synth
from broll.project import connect
from broll.review.decisions import record_decision
from broll.review.server import ReviewServer

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = [("01-harbour-dawn.mp4", "testsrc2", "slow push-in over a fishing harbour at dawn, mist on the water"),
         ("02-city-timelapse.mp4", "gradients", "city skyline timelapse, clouds racing, golden hour"),
         ("03-forest-drone.mp4", "life", "drone shot gliding over a pine forest canopy"),
         ("04-desk-hands.mp4", "smptebars", "close-up of hands typing on a laptop, shallow depth of field"),
         ("05-coffee-pour.mp4", "cellauto", "coffee poured into a white cup, steam, top light"),
         ("06-street-rain.mp4", "rgbtestsrc", "rainy street at night, neon reflections")]


def build(root: Path) -> None:
    for name, source, _ in SHOTS:
        synth.make_clip(root / "clips" / name, source=source, size=(640, 360), duration=2.0, audio=None)
    conn = connect(root)
    conn.executescript("""
    CREATE TABLE IF NOT EXISTS gen_clips (clip_key TEXT PRIMARY KEY, batch TEXT, shot_id TEXT, variant INTEGER,
        provider TEXT, model TEXT, prompt TEXT, state TEXT, attempt INTEGER, seed INTEGER, cost TEXT, file TEXT,
        sha256 TEXT, placeholder INTEGER);
    CREATE TABLE IF NOT EXISTS qc_results (clip_sha TEXT, profile_sha TEXT, qc_version TEXT, verdict TEXT,
        report TEXT, created REAL, PRIMARY KEY (clip_sha, profile_sha, qc_version));
    CREATE TABLE IF NOT EXISTS grade_luts (key TEXT PRIMARY KEY, clip_sha256 TEXT, reference_sha256 TEXT,
        method TEXT, strength REAL, result_json TEXT, created TEXT DEFAULT (datetime('now')));""")
    for i, (name, _, prompt) in enumerate(SHOTS):
        path = root / "clips" / name
        sha = file_sha256(path)
        conn.execute("INSERT INTO gen_clips VALUES (?, 'launch-reel', ?, 0, 'runway', 'gen4_turbo', ?, 'done', 1, ?,"
                     " '0.50', ?, ?, 0)", (f"k{i}", name[:2], prompt, 1000 + i, str(path), sha))
        findings = []
        if i == 0:
            findings = [{"kind": "flicker", "severity": "review", "start_frame": 21, "end_frame": 26, "start": 0.7,
                         "end": 0.9, "value": 3.4, "threshold": 2.0, "message": "luma flicker 3.4 (limit 2.0)"},
                        {"kind": "letterbox", "severity": "note", "start_frame": 0, "end_frame": 59, "start": 0,
                         "end": 2, "value": 0, "threshold": 0, "message": "no bars"}]
        verdict = "review" if findings else "pass"
        report = {"path": str(path), "verdict": verdict, "profile": "default", "findings": findings}
        conn.execute("INSERT INTO qc_results VALUES (?, 'p', '1', ?, ?, ?)", (sha, verdict, json.dumps(report),
                                                                             time.time()))
    lut = root / ".broll" / "luts" / "warm.cube"
    lut.parent.mkdir(parents=True, exist_ok=True)
    n = 9
    rows = [f"LUT_3D_SIZE {n}"] + [f"{min(1, r * 1.08 + .02):.5f} {g * 1.0:.5f} {b * .85:.5f}"
                                   for bi in range(n) for gi in range(n) for ri in range(n)
                                   for r, g, b in [(ri / (n - 1), gi / (n - 1), bi / (n - 1))]]
    lut.write_text("\n".join(rows) + "\n")
    sha0 = file_sha256(root / "clips" / SHOTS[0][0])
    conn.execute("INSERT INTO grade_luts (key, clip_sha256, reference_sha256, method, strength, result_json) VALUES"
                 " ('g0', ?, 'ref', 'mkl', 0.8, ?)", (sha0, json.dumps({"method": "mkl", "strength": 0.8,
                                                                        "de_before": 11.8, "de_after": 3.2,
                                                                        "shots": [{"lut": str(lut)}]})))
    conn.close()
    record_decision(root, f"clips/{SHOTS[1][0]}", "approved")
    record_decision(root, f"clips/{SHOTS[2][0]}", "rejected", "canopy melts into sky at 0:01")


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "launch-reel"
        build(root)
        with ReviewServer(root, port=0) as srv, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(srv.url)
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_selector("body[data-strip]", state="attached")
            page.locator(".finding").first.click()
            page.wait_for_selector("body[data-frame='21']", state="attached")
            page.wait_for_timeout(600)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    print(f"{out}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/review.png"))
