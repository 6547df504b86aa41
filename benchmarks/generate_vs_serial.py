"""How much do crash safety and verification cost, and what does concurrency buy?

Runs the same N-clip batch against the loopback Runway fake three ways, in one process:
  peer     a naive SDK-style loop: create, poll, download, write the file (no manifest,
           no decode check, serial) -- what most scripts do
  broll-1  `BatchRunner` with concurrency 1 (write-ahead manifest with fsync, sha256,
           full PyAV decode check, atomic rename)
  broll-4  the same with concurrency 4
and prints wall times and ratios against the peer. Poll interval 0.05 s for all three.
Run by hand: `.venv/bin/python benchmarks/generate_vs_serial.py [N]`.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes.providers import KEYS, RunwayFake  # noqa: E402

INTERVAL = 0.05


def naive(fake: RunwayFake, n: int, out: Path) -> float:
    headers = {"Authorization": f"Bearer {KEYS['RUNWAYML_API_SECRET']}", "X-Runway-Version": "2024-11-06"}
    start = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for i in range(n):
            r = client.post(f"{fake.base_url}/v1/text_to_video", headers=headers,
                            json={"model": "gen4.5", "promptText": f"naive {i}", "ratio": "1280:720", "duration": 2})
            task = r.json()["id"]
            while True:
                t = client.get(f"{fake.base_url}/v1/tasks/{task}", headers=headers).json()
                if t["status"] == "SUCCEEDED":
                    break
                time.sleep(INTERVAL)
            (out / f"{i}.mp4").write_bytes(client.get(t["output"][0]).content)
    return time.perf_counter() - start


def with_broll(fake: RunwayFake, n: int, root: Path, concurrency: int) -> float:
    from broll.generate import manifest as M
    from broll.generate.batch import BatchRunner, RunSettings, plan_jobs
    from broll.generate.providers import build
    from broll.generate.spec import load_spec
    spec_path = root / "batch.yaml"
    spec_path.write_text(yaml.safe_dump({"provider": "runway", "defaults": {"duration": 2},
                                         "shots": [{"id": f"s{i}", "prompt": f"broll {concurrency} {i}"}
                                                   for i in range(n)]}))
    spec = load_spec(spec_path)
    start = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        provider = build("runway", client, workdir=root)
        runner = BatchRunner(spec, provider, client, M.Manifest(root),
                             settings=RunSettings(concurrency=concurrency, poll_interval=INTERVAL),
                             checker=None, rng=random.Random(1))
        rows = runner.run(plan_jobs(spec, provider))
    assert all(r.state == "done" for r in rows)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    with RunwayFake() as fake, tempfile.TemporaryDirectory() as tmp:
        os.environ["BROLL_RUNWAY_BASE_URL"] = fake.base_url
        os.environ.update(KEYS)
        tmp = Path(tmp)
        for d in ("peer", "b1", "b4"):
            (tmp / d).mkdir()
        from fakes.server import video_bytes
        video_bytes(2)           # warm the fake's clip cache outside the timings
        peer = naive(fake, n, tmp / "peer")
        b1 = with_broll(fake, n, tmp / "b1", 1)
        b4 = with_broll(fake, n, tmp / "b4", 4)
    print(f"{n} clips, Runway fake, poll interval {INTERVAL}s (machine shared; figures under load)")
    print(f"  peer (naive serial loop, no safety) {peer:6.2f} s   {peer / n * 1000:6.1f} ms/clip")
    print(f"  broll concurrency 1                 {b1:6.2f} s   {b1 / n * 1000:6.1f} ms/clip   x{b1 / peer:.2f} of peer")
    print(f"  broll concurrency 4                 {b4:6.2f} s   {b4 / n * 1000:6.1f} ms/clip   x{b4 / peer:.2f} of peer")


if __name__ == "__main__":
    main()
