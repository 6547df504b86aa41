"""How fast is `broll check` next to the decode floor, measured in the same run?

For 1080p30 H.264 clips (x264 medium, CRF 20) of light (testsrc2) and dense (mandelbrot) content,
time a plain ``ffmpeg -i clip -f null -`` decode and the whole ``broll check clip --no-cache --json``
command (Python start-up included), interleaved, median of ``--repeat`` runs. Prints the ratio
(target <= 2x), times real time (target >= 5x on light content), the CPU seconds of both (less
sensitive to other load on a shared machine than wall time) and the check's peak resident memory; a clip three times longer shows whether memory stays flat in clip length.

    .venv/bin/python benchmarks/qc_speed.py [--repeat 3] [--seconds 10]
    .venv/bin/python benchmarks/qc_speed.py --baseline /tmp/old-tree --only light --real CLIP.mp4

``--baseline DIR`` also times the check of another copy of the code (a tree holding ``broll/``, e.g.
``git archive main broll | tar -x -C DIR``) in the same rounds, alternating with this one, and prints
its figures and the CPU ratio new / old beside them. ``--only`` keeps the clips whose label contains
the named synthetic clips; ``--real`` adds clips of real footage (timed the same way).

Figures depend on the machine's load: on a shared VM, run it when nothing else is busy and
read the ratio, which is measured against a peer in the same run.

The two sides do not decode alike, on purpose: the peer is a plain full decode (deblocking filter
on, frames thrown away), while the check decodes 720p-and-up sources without the
codec's deblocking filter (``broll/media/analysis_frames.py``; at 320x180 the picture differs by
0.04 code values) with frame threads, and shrinks each picture straight from its planes. That
cheaper decode is the lever that makes ~2x reachable at all; the output says so.

broll's own modules are byte-compiled before timing, as a pip install leaves them: with
PYTHONDONTWRITEBYTECODE set (as on the shared machine) an editable install would otherwise
recompile ~35 modules on every run (about 0.3G instructions).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from broll.media import synth
from broll.media.ffmpeg import ffmpeg_path

X264_MEDIUM = ("-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p")


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "broll-qc-bench"))
    ap.add_argument("--baseline", help="a tree with another broll/ to time alternately (old code)")
    ap.add_argument("--only", nargs="*", default=[], choices=("light", "dense", "long"),
                    help="time only these synthetic clips (light 10 s, dense 10 s, light x3 long)")
    ap.add_argument("--real", nargs="*", default=[], help="real clips to time as well")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    broll = str(Path(sys.executable).with_name("broll"))
    clips = {
        "light testsrc2": ("testsrc2", args.seconds),
        "dense mandelbrot": ("mandelbrot", args.seconds),
        f"light testsrc2 x3 ({args.seconds * 3:.0f} s)": ("testsrc2", args.seconds * 3),
    }
    if args.only:
        keys = dict(zip(("light", "dense", "long"), clips))
        clips = {keys[k]: clips[keys[k]] for k in args.only}
    paths = {}
    for label, (source, seconds) in clips.items():
        path = work / f"{source}-{seconds:.0f}s-1080p30.mp4"
        if not path.exists():
            print(f"making {path.name} ...", file=sys.stderr)
            synth.make_clip(path, source=source, size=(1920, 1080), fps=30, duration=seconds, audio=None,
                            codec_args=X264_MEDIUM)
        paths[label] = path
    from broll.media.probe import probe
    for real in args.real:
        info = probe(real)
        label = f"real {Path(real).stem[-24:]}"
        clips[label] = ("real", float(info.duration))
        paths[label] = Path(real)
    compileall.compile_dir(Path(synth.__file__).parents[1], quiet=1)     # the broll package
    trees = {"": None}
    if args.baseline:
        compileall.compile_dir(Path(args.baseline) / "broll", quiet=1)
        trees["old "] = str(Path(args.baseline).resolve())
    print("peer: plain `ffmpeg -i clip -f null -` (full decode, deblocking on); broll check decodes 720p+ "
          "sources without the deblocking filter (frame threads) and measures at ~320x180")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'clip':34s} {'ffmpeg -f null':>14s} {'broll check':>12s} {'ratio':>7s} {'x realtime':>11s} "
          f"{'CPU ffmpeg':>11s} {'CPU check':>10s} {'CPU ratio':>10s} {'peak MiB':>9s}")
    for label, path in paths.items():
        seconds = clips[label][1]
        null_t, null_cpu = [], []
        check_t = {t: [] for t in trees}
        check_cpu = {t: [] for t in trees}
        peaks = {t: [] for t in trees}
        for i in range(args.repeat):
            wall, cpu, _ = _timed([ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error",
                                   "-i", str(path), "-f", "null", "-"])
            null_t.append(wall)
            null_cpu.append(cpu)
            order = list(trees) if i % 2 == 0 else list(trees)[::-1]     # alternate which code goes first
            for tree in order:
                env = dict(os.environ)
                if trees[tree]:
                    env["PYTHONPATH"] = trees[tree]
                wall, cpu, peak = _timed([broll, "check", str(path), "--no-cache", "--json"], env=env)
                check_t[tree].append(wall)
                check_cpu[tree].append(cpu)
                peaks[tree].append(peak)
        n, nc = statistics.median(null_t), statistics.median(null_cpu)
        for tree in trees:
            c, cc = statistics.median(check_t[tree]), statistics.median(check_cpu[tree])
            spread = f"  CPU ratio range {min(check_cpu[tree]) / nc:.2f}-{max(check_cpu[tree]) / nc:.2f}"
            if tree and trees[tree]:
                pairs = [a / b for a, b in zip(check_cpu[""], check_cpu[tree])]
                spread += f"; new/old CPU per round {statistics.median(pairs):.3f} ({min(pairs):.3f}-{max(pairs):.3f})"
            print(f"{tree + label:34s} {n:13.2f}s {c:11.2f}s {c / n:6.2f}x {seconds / c:10.1f}x "
                  f"{nc:10.2f}s {cc:9.2f}s {cc / nc:9.2f}x {max(peaks[tree]):9.0f}{spread}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
