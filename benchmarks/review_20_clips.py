"""How fast a person can get through a 20-clip project on the review page (run by hand).

Builds 20 synthetic 1080p 4-s clips, serves them, and drives headless Chromium the way a
reviewer would: open the page, then for each clip wait for its first frame and press A.
Prints the page's cold and warm open times, the time from a keypress to the next clip's first
frame, and, as a peer, the time FFmpeg needs just to decode one clip (what any tool that looks
at the pixels must pay).

Run: .venv/bin/python benchmarks/review_20_clips.py [WORKDIR]   (figures vary with load; note it)
WORKDIR keeps the clips between runs (the decisions table is cleared each run).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from broll.media import synth
from broll.media.ffmpeg import run_ffmpeg
from broll.project import connect
from broll.review.server import ReviewServer

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
N = 20
SOURCES = ["testsrc2", "smptebars", "life", "gradients", "rgbtestsrc"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        shutil.rmtree(root / ".broll", ignore_errors=True)
        t = time.perf_counter()
        for i in range(N):
            if (root / "clips" / f"{i:02d}.mp4").is_file():
                continue
            synth.make_clip(root / "clips" / f"{i:02d}.mp4", source=SOURCES[i % len(SOURCES)],
                            size=(1920, 1080), duration=4.0, audio=None,
                            codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"))
        print(f"made {N} clips (1920x1080, 4 s) in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        run_ffmpeg(["-i", str(root / "clips" / "00.mp4"), "-f", "null", "-"], what="decode peer")
        decode_one = time.perf_counter() - t

        with ReviewServer(root, port=0, quiet=not os.environ.get("BROLL_REVIEW_LOG")) as srv, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            t = time.perf_counter()
            page.goto(srv.url)
            page.wait_for_selector("body[data-ready='1']")
            cold_open = time.perf_counter() - t
            t = time.perf_counter()
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            warm_open = time.perf_counter() - t
            waits = []
            t_all = time.perf_counter()
            for i in range(N):
                cid = page.evaluate("document.body.dataset.current")
                t = time.perf_counter()
                page.wait_for_selector(f"body[data-loaded='{cid}']", state="attached")
                waits.append(time.perf_counter() - t)
                page.keyboard.press("a")
                page.wait_for_selector(f"body[data-saved='{i + 1}']", state="attached")
            total = time.perf_counter() - t_all
            browser.close()
        conn = connect(root)
        approved = conn.execute("SELECT COUNT(DISTINCT clip_path) FROM review_decisions"
                                " WHERE decision='approved'").fetchone()[0]
        conn.close()
    print(f"page open: cold {cold_open:.2f} s (hash + probe {N} clips), warm {warm_open:.2f} s")
    print(f"keypress -> next clip's first frame: median {statistics.median(waits) * 1000:.0f} ms, "
          f"max {max(waits) * 1000:.0f} ms; all: {' '.join(f'{w * 1000:.0f}' for w in waits)}")
    print(f"{N} clips approved from the keyboard in {total:.2f} s of tool time ({approved} rows in the DB)")
    print(f"peer: FFmpeg decoding one clip to null: {decode_one * 1000:.0f} ms; "
          f"page switch / decode ratio {statistics.median(waits) / decode_one:.2f}")


if __name__ == "__main__":
    main()
