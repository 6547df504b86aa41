"""Orchestration overhead of `broll build` with a generate: section, against simulated provider time.

A loopback Kling fake (tests/fakes) makes every task take ``--latency`` seconds of wall time from
its create to "succeed", as a real provider would; it delivers a small clip. A real `broll build
edit.yaml --preview` process (the CLI, as a user runs it) generates ``--shots`` shots at
``--concurrency``, checks each take with QC, and renders the 360p proxy. Then:

    provider wall  = from the first create the fake accepted to the last task being ready
    render         = the build's own render timing
    overhead       = process wall time - provider wall - render

So the overhead counts everything else: interpreter start and imports, validation, the manifest's
write-ahead writes, polling granularity (``--poll`` s), downloads and their verification, QC of
every take (conservatively: it is work, not orchestration), binding takes, planning. The target
is overhead < 2% of provider wall. Each round uses a fresh project; it prints the median and
spread of ``--runs`` rounds and the machine load.

    .venv/bin/python benchmarks/pipeline_overhead.py [--runs 3] [--latency 30] [--shots 6] [--peer]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes.providers import KEYS, KlingFake  # noqa: E402


class TimedKling(KlingFake):
    """Kling whose tasks run ``latency`` seconds of wall time, whatever the poll count."""

    def __init__(self, latency: float):
        super().__init__()
        self.latency = latency

    def new_task(self, body, duration, prompt, external_id=None):
        task = super().new_task(body, duration, prompt, external_id)
        task.steps = ["submitted", "processing", "succeed"]
        return task

    def handle(self, req):
        for task in self.tasks.values():   # time, not poll count, decides when a task is done
            ready = time.time() - task.created_at >= self.latency
            task.polls = 3 if ready else min(task.polls, 1)
        status, body, headers = super().handle(req)
        return status, body, headers


# the broll CLI, printing at exit the CPU seconds its own process used (all threads; not the
# FFmpeg children that render): what orchestration costs on an idle machine, whatever the load now
CPU_PROBE = ("import atexit, sys, time; atexit.register(lambda: sys.stderr.write("
             "f'\\nBROLL_CPU {time.process_time():.3f}\\n')); sys.argv = ['broll', *sys.argv[1:]]; "
             "from broll.cli import run; run()")


def started_at(fake) -> float:
    return fake.started_at


def one_round(latency: float, shots: int, concurrency: int, poll: float, peer: bool = False) -> dict:
    """One build; ``peer``: the same work done by hand, `broll generate batch.yaml` then `broll build`
    of an edit list naming the files (what people did before generate: existed)."""
    fake = TimedKling(latency)
    fake.__enter__()
    try:
        with tempfile.TemporaryDirectory(prefix="broll-overhead-") as tmp:
            root = Path(tmp)
            doc = {"version": 1, "output": "out/reel.mp4", "preset": "16x9-1080p",
                   "generate": {"provider": "kling", "defaults": {"duration": 3}, "concurrency": concurrency,
                                "poll": {"interval": poll, "request_timeout": 10},
                                "shots": [{"id": f"s{i}", "prompt": f"scene {i}"} for i in range(shots)]},
                   "timeline": [{"shot": f"s{i}", "out": 1.0} for i in range(shots)]}
            cmds = [["build", "edit.yaml", "--preview", "--json"]]
            if peer:
                batch = dict(doc["generate"], out="clips")
                (root / "batch.yaml").write_text(yaml.safe_dump(batch, sort_keys=False))
                doc = dict(doc, timeline=[{"clip": f"clips/s{i}.mp4", "out": 1.0} for i in range(shots)])
                del doc["generate"]
                cmds = [["generate", "batch.yaml", "--json"], ["build", "edit.yaml", "--preview", "--json"]]
            (root / "edit.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
            env = {**os.environ, **KEYS, "BROLL_KLING_BASE_URL": fake.base_url}
            started = time.perf_counter()
            fake.started_at = time.time()
            cpu = 0.0
            for cmd in cmds:
                run = subprocess.run([sys.executable, "-c", CPU_PROBE, *cmd], cwd=root, env=env, capture_output=True,
                                     text=True)
                if run.returncode != 0:
                    raise SystemExit(f"{cmd[0]} failed ({run.returncode}): {run.stderr[-2000:]}")
                cpu += float(run.stderr.rsplit("BROLL_CPU ", 1)[1].split()[0])
            wall = time.perf_counter() - started
            result = json.loads(run.stdout)
    finally:
        fake.__exit__(None, None, None)
    created = [t.created_at for t in fake.tasks.values()]
    provider = max(created) + latency - min(created)
    render = sum(v for k, v in result["timings"].items() if k.startswith("render:"))
    overhead = wall - provider - render
    first_create = min(created) - started_at(fake)
    return {"wall": wall, "provider": provider, "render": render, "overhead": overhead,
            "ratio": overhead / provider, "creates": fake.count("create"), "polls": fake.count("poll"),
            "timings": result["timings"], "to_first_create": first_create, "started": started,
            "cpu": cpu, "cpu_ratio": cpu / provider}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency", type=float, default=30.0, help="simulated seconds per task")
    ap.add_argument("--shots", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=3)
    ap.add_argument("--poll", type=float, default=0.5, help="poll interval (s); the default spec polls every 6 s")
    ap.add_argument("--peer", action="store_true", help="also time the same work by hand (generate, then build)")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rounds, peers = [], []
    for n in range(args.runs):
        if args.peer:
            p = one_round(args.latency, args.shots, args.concurrency, args.poll, peer=True)
            peers.append(p)
            print(f"round {n + 1} by hand (generate, then build): wall {p['wall']:.2f} s = provider "
                  f"{p['provider']:.2f} s + render {p['render']:.2f} s + overhead {p['overhead']:.2f} s -> "
                  f"{100 * p['ratio']:.2f}%; CPU {p['cpu']:.2f} s = {100 * p['cpu_ratio']:.2f}%")
        r = one_round(args.latency, args.shots, args.concurrency, args.poll)
        rounds.append(r)
        print(f"round {n + 1}: wall {r['wall']:.2f} s = provider {r['provider']:.2f} s + render {r['render']:.2f} s "
              f"+ overhead {r['overhead']:.2f} s -> {100 * r['ratio']:.2f}% of provider time "
              f"({r['creates']} creates, {r['polls']} polls)")
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["timings"].items())
        print(f"  CPU of the build process (imports, validation, manifest, polls, downloads, QC of every take, "
              f"planning; not FFmpeg): {r['cpu']:.2f} s = {100 * r['cpu_ratio']:.2f}% of provider time")
        print(f"  process start to first create {r['to_first_create']:.2f} s; build timings (s): {stages}")
    ratios = [100 * r["ratio"] for r in rounds]
    cpu = [100 * r["cpu_ratio"] for r in rounds]
    print(f"build-process CPU / provider wall: median {statistics.median(cpu):.2f}% "
          f"(min {min(cpu):.2f}%, max {max(cpu):.2f}%): the overhead on an idle machine")
    print(f"overhead / provider wall: median {statistics.median(ratios):.2f}% "
          f"(min {min(ratios):.2f}%, max {max(ratios):.2f}%) over {len(rounds)} rounds; target < 2%")
    if peers:
        pr = [100 * p["ratio"] for p in peers]
        paired = [r["overhead"] / p["overhead"] for r, p in zip(rounds, peers)]
        print(f"by hand: median {statistics.median(pr):.2f}% (min {min(pr):.2f}%, max {max(pr):.2f}%); "
              f"one command's overhead / by hand's, paired by round: median {statistics.median(paired):.2f} "
              f"(min {min(paired):.2f}, max {max(paired):.2f})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
