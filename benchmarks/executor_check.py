"""`broll check` on 100 clips: the Ray executor against the local process pool on the same cores.

Makes 100 clips in a temporary folder (never committed): trims (stream copy, 2.5 s at two
offsets) of the real clips under ``--footage`` (default ``$BROLL_FOOTAGE``, else
``~/.cache/broll-footage``; every video below it, e.g. ``ai/`` and ``real/``), topped up with
lavfi clips (testsrc2, mandelbrot, a flashing and a frozen one) to 100. With no footage folder
all 100 are lavfi clips and the run says so.

Then runs the whole command, as a user would, interleaved ``--repeat`` times each:

    broll check DIR/*.mp4 --json --no-cache --executor local     (a process pool, one worker per core)
    broll check DIR/*.mp4 --json --no-cache --executor ray       (a private Ray started and stopped by broll,
                                                                  one CPU slot per core)

and prints wall seconds (median, min-max), the Ray overhead ``ray / local - 1`` (target <= 15%),
whether every run gave the same verdicts, the per-clip analysis cost (from the reports' own
``metrics.seconds``) and the load average around each run. A second, tiny run (2 clips) shows
Ray's fixed start-and-stop cost separately from its per-task cost.

    .venv/bin/python benchmarks/executor_check.py [--footage DIR] [--clips 100] [--repeat 3]

Figures depend on the machine's load: on a shared VM read the ratio, measured in the same run.
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

VIDEO = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"}


def make_clips(folder: Path, footage: Path | None, count: int) -> tuple[int, int]:
    """Fill ``folder`` with ``count`` clips; returns (real trims, lavfi clips)."""
    from broll.media import synth
    from broll.media.ffmpeg import run_ffmpeg
    from broll.media.probe import probe

    sources = sorted(p for p in footage.rglob("*") if p.suffix.lower() in VIDEO) if footage else []
    real = 0
    for offset in (0.0, 2.5):
        for src in sources:
            if real >= count * 4 // 5:
                break
            try:
                if float(probe(src).duration) < offset + 1.0:
                    continue
            except Exception:  # noqa: BLE001 - an unreadable file is just skipped
                continue
            out = folder / f"real{real:03d}{src.suffix.lower() if src.suffix.lower() != '.avi' else '.mkv'}"
            try:
                run_ffmpeg(["-y", "-ss", f"{offset}", "-i", str(src), "-t", "2.5", "-map", "0:v:0", "-c", "copy",
                            str(out)], what=f"trimming {src.name}")
                if not probe(out).frame_count:
                    raise ValueError("no frames")
            except Exception:  # noqa: BLE001 - a trim that does not stand alone is dropped
                out.unlink(missing_ok=True)
                continue
            real += 1
    kinds = [("testsrc2", ()), ("mandelbrot", ()), ("testsrc2", ("eq=brightness='0.6*lt(mod(n,4),2)'",)),
             ("mandelbrot", ("loop=loop=20:size=1:start=20", "setpts=N/30/TB"))]
    lavfi = 0
    while real + lavfi < count:
        source, vf = kinds[lavfi % len(kinds)]
        synth.make_clip(folder / f"lavfi{lavfi:03d}.mp4", source=source, size=(640, 360), duration=2.0,
                        audio=None, vfilters=vf)
        lavfi += 1
    return real, lavfi


def run_check(clips: list[str], executor: str) -> tuple[float, dict, tuple[float, float]]:
    env = dict(os.environ)
    env.pop("RAY_ADDRESS", None)             # a private Ray on this machine: same cores as the pool
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "broll", "check", *clips, "--json", "--no-cache",
                           "--executor", executor], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1, 2) or not proc.stdout.strip():
        sys.exit(f"broll check --executor {executor} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout), (load0, os.getloadavg()[0])


def verdicts(doc: dict) -> list[tuple[str, str]]:
    return [(Path(c["path"]).name, c["verdict"]) for c in doc["clips"]]


def summary(xs: list[float]) -> str:
    return f"{statistics.median(xs):7.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache/broll-footage")))
    ap.add_argument("--clips", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        import ray  # noqa: F401
    except ImportError:
        sys.exit("Ray is not installed: pip install 'broll[ray]'")
    footage = Path(args.footage) if Path(args.footage).is_dir() else None
    with tempfile.TemporaryDirectory(prefix="broll-executor-bench-") as tmp:
        real, lavfi = make_clips(Path(tmp), footage, args.clips)
        clips = sorted(str(p) for p in Path(tmp).iterdir())
        print(f"{len(clips)} clips: {real} real trims from {footage or '(no footage folder: skipped)'}, "
              f"{lavfi} lavfi; cores: {len(os.sched_getaffinity(0))}")
        walls: dict[str, list[float]] = {"local": [], "ray": []}
        small: dict[str, list[float]] = {"local": [], "ray": []}
        loads: list[float] = []
        seen: dict[str, set] = {"local": set(), "ray": set()}
        per_clip: list[float] = []
        for r in range(args.repeat):
            for ex in (("local", "ray") if r % 2 == 0 else ("ray", "local")):
                wall, doc, load = run_check(clips, ex)
                walls[ex].append(wall)
                loads.extend(load)
                seen[ex].add(tuple(verdicts(doc)))
                last_doc = doc
                per_clip += [c["metrics"]["seconds"] for c in doc["clips"] if c.get("metrics")]
                print(f"  run {r + 1} {ex:5s} {wall:7.2f} s  load {load[0]:.1f} -> {load[1]:.1f}", flush=True)
                small[ex].append(run_check(clips[:2], ex)[0])
        same = len(seen["local"] | seen["ray"]) == 1
        ratios = [b / a for a, b in zip(walls["local"], walls["ray"])]
        counts = {}
        for _, v in next(iter(seen["local"])):
            counts[v] = counts.get(v, 0) + 1
        print(f"\nlocal (process pool)   {summary(walls['local'])}")
        print(f"ray (private instance) {summary(walls['ray'])}")
        print(f"ray overhead: {100 * (statistics.median(ratios) - 1):+.1f}% median of paired runs "
              f"(min {100 * (min(ratios) - 1):+.1f}%, max {100 * (max(ratios) - 1):+.1f}%); target <= +15%")
        errors = [c for c in last_doc["clips"] if c["verdict"] == "error"]
        if errors:
            print(f"{len(errors)} clip(s) could not be checked (same in every run), e.g. {errors[0]['error']}")
        print(f"same verdicts in every run: {same}  ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))})")
        print(f"2 clips: local {summary(small['local'])}, ray {summary(small['ray'])}"
              f" -> Ray's fixed start/stop cost ~{statistics.median(small['ray']) - statistics.median(small['local']):.1f} s")
        print(f"per-clip analysis (reports' metrics.seconds): median {statistics.median(per_clip):.2f} s, "
              f"mean {statistics.mean(per_clip):.2f} s")
        print(f"load average during the runs: median {statistics.median(loads):.1f} "
              f"(min {min(loads):.1f}, max {max(loads):.1f})")


if __name__ == "__main__":
    main()
