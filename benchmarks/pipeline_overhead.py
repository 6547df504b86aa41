"""Orchestration overhead of `broll build` with a generate: section, against simulated provider time.

A loopback Kling fake (tests/fakes) makes every task take ``--latency`` seconds of wall time from
its create to "succeed", as a real provider would; it delivers a small clip. A real `broll build
edit.yaml --preview` process (the CLI, as a user runs it) generates ``--shots`` shots at
``--concurrency``, checks each take with QC, and renders the 360p proxy. Then:

    provider  = seconds in which the provider has at least one task running (union of every
                task's create .. create + latency, as the fake saw it)
    poll lag  = seconds in which a task is done at the provider but no poll has seen it yet and
                nothing else runs there: set by the poll interval (``--poll``, default 6 s, the
                spec's default and the Runway SDK's 6 s +- 25% jitter), not by broll's code
    QC        = seconds in which the build checks a take (QC is a stage of the product) while
                nothing runs at the provider; reported, not hidden
    render    = the build's own render timing
    overhead  = process wall time - provider - poll lag - QC - render

So the overhead is the orchestration alone: interpreter start and imports, validation, the
manifest's write-ahead writes, submits, downloads and their verification, binding takes,
planning. The target is overhead < 2% of provider time. Each round uses a fresh project; it
prints the median and spread of ``--runs`` rounds and the machine load. ``--peer`` also times the
same work by hand (`broll generate` then `broll build`); its overhead includes its QC.

    .venv/bin/python benchmarks/pipeline_overhead.py [--runs 3] [--latency 30] [--shots 6] [--peer] [--vs DIR]

``--vs DIR`` also runs the same build from another checkout of broll (e.g. ``git archive`` of the
previous main unpacked in DIR) in every round, just before this one, and prints the paired ratio of
their overheads: a figure that holds under a shared machine's load, where the absolute ones do not.
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

REPO = Path(__file__).resolve().parents[1]      # the build runs this checkout, whatever is installed
sys.path.insert(0, str(REPO / "tests"))
from fakes.providers import KEYS, KlingFake  # noqa: E402


class TimedKling(KlingFake):
    """Kling whose tasks run ``latency`` seconds of wall time, whatever the poll count."""

    def __init__(self, latency: float):
        super().__init__()
        self.latency = latency
        self.seen: dict[str, float] = {}

    def new_task(self, body, duration, prompt, external_id=None):
        task = super().new_task(body, duration, prompt, external_id)
        task.steps = ["submitted", "processing", "succeed"]
        return task

    def handle(self, req):
        for task in self.tasks.values():   # time, not poll count, decides when a task is done
            ready = time.time() - task.created_at >= self.latency
            task.polls = 3 if ready else min(task.polls, 1)
        status, body, headers = super().handle(req)
        if req.kind == "poll":             # when the client first saw each task done
            now = time.time()
            for task in self.tasks.values():
                if task.status == "succeed" and task.id not in self.seen and task.id in req.path:
                    self.seen[task.id] = now
        return status, body, headers


# the broll CLI, printing at exit the CPU seconds its own process used (all threads; not the
# FFmpeg children that render): what orchestration costs on an idle machine, whatever the load now
# It also notes the CPU seconds spent up to the first create request (a figure the machine's load
# does not inflate, unlike the wall-clock time to the first create).
CPU_PROBE = ("import atexit, sys, time; atexit.register(lambda: sys.stderr.write("
             "f'\\nBROLL_CPU {time.process_time():.3f}\\n')); sys.argv = ['broll', *sys.argv[1:]]; "
             "import httpx; _send = httpx.Client.send\n"
             "def _first(self, request, **kw):\n"
             "    if request.method == 'POST' and not getattr(httpx, '_broll_first', None):\n"
             "        httpx._broll_first = 1; sys.stderr.write(f'\\nBROLL_CPU_FIRST {time.process_time():.3f}\\n')\n"
             "    return _send(self, request, **kw)\n"
             "httpx.Client.send = _first\n"
             "from broll.cli import run; run()")


def union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        elif b > a:
            out.append([a, b])
    return [(a, b) for a, b in out]


def measure(spans) -> float:
    return sum(b - a for a, b in union(list(spans)))


def outside(spans, cover) -> float:
    """Seconds of ``spans`` not covered by ``cover`` (the critical-path share of a stage)."""
    return measure(list(spans) + list(cover)) - measure(cover)


def one_round(latency: float, shots: int, concurrency: int, poll: float, peer: bool = False,
              repo: Path = REPO) -> dict:
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
            # as installed: bytecode cached (PYTHONDONTWRITEBYTECODE would recompile ~100 modules per run)
            env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **KEYS,
                   "BROLL_KLING_BASE_URL": fake.base_url,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
            started = time.perf_counter()
            fake.started_at = time.time()
            cpu, cpu_first = 0.0, None
            for cmd in cmds:
                run = subprocess.run([sys.executable, "-c", CPU_PROBE, *cmd], cwd=root, env=env, capture_output=True,
                                     text=True)
                if run.returncode != 0:
                    raise SystemExit(f"{cmd[0]} failed ({run.returncode}): {run.stderr[-2000:]}")
                cpu += float(run.stderr.rsplit("BROLL_CPU ", 1)[1].split()[0])
                if "BROLL_CPU_FIRST " in run.stderr and cpu_first is None:
                    cpu_first = float(run.stderr.split("BROLL_CPU_FIRST ", 1)[1].split()[0])
            wall = time.perf_counter() - started
            result = json.loads(run.stdout)
    finally:
        fake.__exit__(None, None, None)
    running = [(t.created_at, t.created_at + latency) for t in fake.tasks.values()]
    provider = measure(running)            # the provider has at least one task running
    lag_spans = [(t.created_at + latency, fake.seen.get(t.id, t.created_at + latency)) for t in fake.tasks.values()]
    poll_lag = outside(lag_spans, running)  # done at the provider, not yet seen: set by the poll interval
    qc_spans = [tuple(s) for s in (result.get("shots") or {}).get("qc_spans", [])]
    qc = outside(qc_spans, running + lag_spans)   # QC of takes while nothing runs at the provider
    render = sum(v for k, v in result["timings"].items() if k.startswith("render:"))
    overhead = wall - provider - poll_lag - qc - render
    first_create = min(t.created_at for t in fake.tasks.values()) - fake.started_at
    return {"wall": wall, "provider": provider, "poll_lag": poll_lag, "qc": qc,
            "qc_total": sum(b - a for a, b in qc_spans), "render": render, "overhead": overhead,
            "ratio": overhead / provider, "creates": fake.count("create"), "polls": fake.count("poll"),
            "timings": result["timings"], "to_first_create": first_create, "started": started,
            "cpu": cpu, "cpu_ratio": cpu / provider, "cpu_first": cpu_first or 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency", type=float, default=30.0, help="simulated seconds per task")
    ap.add_argument("--shots", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=3)
    ap.add_argument("--poll", type=float, default=6.0,
                    help="poll interval (s); 6 s is the spec's default and the Runway SDK's")
    ap.add_argument("--peer", action="store_true", help="also time the same work by hand (generate, then build)")
    ap.add_argument("--vs", type=Path, default=None, help="another checkout of broll to time in the same rounds")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    # bytecode compiled once, as `pip install` does, so no round pays for compiling broll
    for repo in [REPO] + ([args.vs] if args.vs else []):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(repo / "broll")], check=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    rounds, peers, others = [], [], []
    pct = lambda xs: (f"median {statistics.median(xs):.2f}% (min {min(xs):.2f}%, max {max(xs):.2f}%)")  # noqa: E731
    for n in range(args.runs):
        if args.peer:
            p = one_round(args.latency, args.shots, args.concurrency, args.poll, peer=True)
            peers.append(p)
            print(f"round {n + 1} by hand (generate, then build): wall {p['wall']:.2f} s = provider "
                  f"{p['provider']:.2f} s + poll lag {p['poll_lag']:.2f} s + render {p['render']:.2f} s + overhead "
                  f"(QC included) {p['overhead']:.2f} s -> {100 * p['ratio']:.2f}%; CPU {p['cpu']:.2f} s")
        if args.vs:
            o = one_round(args.latency, args.shots, args.concurrency, args.poll, repo=args.vs)
            others.append(o)
            print(f"round {n + 1} {args.vs}: wall {o['wall']:.2f} s, overhead {o['overhead']:.2f} s -> "
                  f"{100 * o['ratio']:.2f}% of provider time; CPU {o['cpu']:.2f} s; process start to first create "
                  f"{o['to_first_create']:.2f} s ({o['cpu_first']:.2f} s CPU); load {os.getloadavg()[0]:.1f}")
        r = one_round(args.latency, args.shots, args.concurrency, args.poll)
        rounds.append(r)
        print(f"round {n + 1}: wall {r['wall']:.2f} s = provider {r['provider']:.2f} s + poll lag {r['poll_lag']:.2f} s "
              f"+ QC {r['qc']:.2f} s + render {r['render']:.2f} s + overhead {r['overhead']:.2f} s -> "
              f"{100 * r['ratio']:.2f}% of provider time ({r['creates']} creates, {r['polls']} polls)")
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["timings"].items())
        print(f"  QC of {r['creates']} takes took {r['qc_total']:.2f} s in all ({r['qc']:.2f} s of it while nothing "
              f"ran at the provider); CPU of the build process (imports, validation, manifest, polls, downloads, "
              f"QC, planning; not FFmpeg): {r['cpu']:.2f} s = {100 * r['cpu_ratio']:.2f}% of provider time")
        print(f"  process start to first create {r['to_first_create']:.2f} s ({r['cpu_first']:.2f} s CPU); build timings (s): {stages}; "
              f"load {os.getloadavg()[0]:.1f}")
    print(f"poll {args.poll:g} s, latency {args.latency:g} s, {args.shots} shots at concurrency {args.concurrency}, "
          f"{len(rounds)} rounds")
    print("poll lag / provider: " + pct([100 * r["poll_lag"] / r["provider"] for r in rounds]))
    print("QC (critical path) / provider: " + pct([100 * r["qc"] / r["provider"] for r in rounds]))
    print("render / provider: " + pct([100 * r["render"] / r["provider"] for r in rounds]))
    print("build-process CPU (QC included) / provider: " + pct([100 * r["cpu_ratio"] for r in rounds]))
    print("CPU to the first create: " + ", ".join(f"{r['cpu_first']:.2f} s" for r in rounds))
    print("orchestration overhead (wall) / provider: " + pct([100 * r["ratio"] for r in rounds]) + "; target < 2%")
    if peers:
        paired = [r["overhead"] / p["overhead"] for r, p in zip(rounds, peers)]
        print("by hand, overhead with its QC / provider: " + pct([100 * p["ratio"] for p in peers]) +
              f"; one command's overhead / by hand's, paired by round: median {statistics.median(paired):.2f} "
              f"(min {min(paired):.2f}, max {max(paired):.2f})")
    if others:
        paired = [r["overhead"] / o["overhead"] for r, o in zip(rounds, others)]
        first = [r["to_first_create"] / o["to_first_create"] for r, o in zip(rounds, others)]
        cpu_first = [r["cpu_first"] / o["cpu_first"] for r, o in zip(rounds, others) if o["cpu_first"]]
        cpus = [r["cpu"] / o["cpu"] for r, o in zip(rounds, others)]
        print(f"{args.vs}: overhead (wall) / provider: " + pct([100 * o["ratio"] for o in others]) +
              "; CPU / provider: " + pct([100 * o["cpu_ratio"] for o in others]))
        print(f"this checkout / {args.vs}, paired by round: overhead median {statistics.median(paired):.2f} "
              f"(min {min(paired):.2f}, max {max(paired):.2f}); start to first create median "
              f"{statistics.median(first):.2f} (min {min(first):.2f}, max {max(first):.2f}); CPU to first create "
              f"median {statistics.median(cpu_first):.2f} (min {min(cpu_first):.2f}, max {max(cpu_first):.2f}); "
              f"process CPU median {statistics.median(cpus):.2f} (min {min(cpus):.2f}, max {max(cpus):.2f})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
