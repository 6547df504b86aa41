"""How well each `retime:` method rebuilds missing frames, and what it costs (issue 20).

Quality: a real 30 fps clip (and synthetic ones) is decimated to 10 fps (every third frame kept),
then brought back to 30 fps with each method's exact filter chain from
``broll.assemble.retime.filters`` (``repeat``, ``blend``, ``minterp`` = FFmpeg minterpolate), and
``motion`` = what the build runs for ``retime: motion``: the flow interpolator of ``broll fix``
(OpenCV DIS flow, ``broll.repair.interpolate.frames_at``) pre-rendering the clip segment. The two frames in three that were made up are compared with the true
frames:

- PSNR (dB, RGB) per clip, averaged over the made-up frames;
- warping error: mean |O(t+1) - warp(O(t), F(t->t+1))| over consecutive output frames, with the
  flow F measured on the *true* frames (DIS); lower = smoother motion (the true frames' own value
  is the floor, printed as ``truth``).

Cost: milliseconds per 1080p output frame for each method on its own (a real clip scaled to 1080p,
10 -> 30 fps), and the whole `broll build` of that clip at 1080p with ``retime: repeat | blend |
motion`` (wall seconds, and CPU seconds of the build and its FFmpeg children: the figure the
machine's load disturbs least), as ratios against repeat; ``motion`` pre-renders afresh each run.

    .venv/bin/python benchmarks/retime.py [--footage DIR] [--clips 6] [--frames 45] [--width 640]
                                          [--runs 3] [--no-cost]

The footage folder defaults to $BROLL_FOOTAGE or ~/.cache/broll-footage (any 29.97/30 fps video
below it whose frames are not a lower rate padded with repeats: see ``repeat_fraction``; the
excluded clips are printed with the reason); without it only the synthetic half runs. Nothing from the footage is written outside a
temp folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

METHODS = ("repeat", "blend", "minterp", "motion")
SYNTH = ("testsrc2", "mandelbrot", "life")
STEP = 3                                  # 30 -> 10 fps


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _ffmpeg() -> str:
    from broll.media.ffmpeg import ffmpeg_path
    return ffmpeg_path()


def pipe_filter(frames: list[np.ndarray], vf: str, in_fps: int) -> list[np.ndarray]:
    """BGR frames at ``in_fps`` through ``vf``; every frame that comes out (any count)."""
    h, w = frames[0].shape[:2]
    cmd = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{w}x{h}", "-r", str(in_fps), "-i", "pipe:0", "-vf", vf, "-f", "rawvideo",
           "-pix_fmt", "bgr24", "pipe:1"]
    data = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    out = subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
    size = w * h * 3
    return [np.frombuffer(out[i:i + size], np.uint8).reshape(h, w, 3) for i in range(0, len(out) - size + 1, size)]


def rebuild(method: str, low: list[np.ndarray], count: int) -> tuple[list[np.ndarray], float]:
    """``count`` frames at 30 fps from the 10 fps ``low`` frames; (frames, seconds spent)."""
    from broll.assemble.retime import filters
    started = time.perf_counter()
    if method == "motion":             # what the build runs: the flow pre-render (broll.assemble.motion)
        from broll.repair.interpolate import frames_at
        out: list[np.ndarray] = []
        for a, b in zip(low, low[1:]):
            out += [a] + frames_at(a, b, [i / STEP for i in range(1, STEP)])
        out.append(low[-1])
    else:                              # FFmpeg's filters, as the graph runs them ("minterp": minterpolate)
        name = "motion" if method == "minterp" else method
        out = pipe_filter(low, ",".join(["setpts=PTS-STARTPTS"] + filters(name, Fraction(30))), 10)
    seconds = time.perf_counter() - started
    while len(out) < count:
        out.append(out[-1])
    return out[:count], seconds


_DIS = None


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    import cv2
    global _DIS
    if _DIS is None:
        _DIS = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return _DIS.calc(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), None)


def warping_error(frames: list[np.ndarray], flows: list[np.ndarray]) -> float:
    """Mean over t of mean |O(t+1) - O(t) warped by the true flow t+1 -> t| (backward warp)."""
    import cv2
    h, w = frames[0].shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    errs = []
    for t, f in enumerate(flows):
        warped = cv2.remap(frames[t], gx + f[..., 0], gy + f[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        errs.append(float(np.mean(np.abs(frames[t + 1].astype(np.float32) - warped.astype(np.float32)))))
    return float(np.mean(errs))


def measure_clip(truth: list[np.ndarray]) -> dict[str, dict[str, float]]:
    n = (len(truth) - 1) // STEP * STEP + 1          # end on a kept frame: every made frame has both neighbours
    truth = truth[:n]
    low = truth[::STEP]
    back = [flow(truth[t + 1], truth[t]) for t in range(n - 1)]
    made = [k for k in range(n) if k % STEP]
    row: dict[str, dict[str, float]] = {"truth": {"psnr": 99.0, "warp": warping_error(truth, back), "s": 0.0}}
    for method in METHODS:
        out, seconds = rebuild(method, low, n)
        row[method] = {"psnr": float(np.mean([psnr(out[k], truth[k]) for k in made])),
                       "warp": warping_error(out, back), "s": seconds}
    return row


def clip_frames(path: str, count: int, width: int) -> list[np.ndarray]:
    from broll.media.frames import iter_frames
    out = []
    for fr in iter_frames(path, width=width, fmt="bgr24"):
        out.append(fr.image)
        if len(out) >= count:
            break
    return out


def synth_frames(source: str, count: int, width: int, tmp: Path) -> list[np.ndarray]:
    from broll.media import synth
    h = int(round(width * 9 / 16 / 2)) * 2
    path = synth.make_clip(tmp / f"{source}.mp4", source=source, size=(width, h), fps=30,
                           duration=count / 30 + 0.2, audio=None,
                           codec_args=("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0"))
    return clip_frames(str(path), count, width)


def real_clips(folder: Path, limit: int) -> list[Path]:
    """Every 29.97/30 fps video below ``folder``, ordered so the first ``limit`` spread over the
    listing and the rest follow (stand-ins for clips :func:`padded` rejects)."""
    from broll.media.probe import probe
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".mp4", ".mov", ".mkv", ".webm"):
            continue
        try:
            info = probe(path)
        except Exception:
            continue
        if info.kind == "video" and abs(float(info.fps) - 30) < 0.5 and not info.vfr and info.frame_count >= 46:
            found.append(path)
    step = max(1, len(found) // limit) if limit else 1
    return [found[i] for offset in range(step) for i in range(offset, len(found), step)]


# A "30 fps" file can be a lower rate padded with repeated frames (an AI generation at 8 fps
# written as 30; a 25 fps camera clip converted to 30). Decimating it is not the test (a real
# 30 fps clip decimated to 10 fps): the repeats make `repeat` look worse than it is. A pair of
# consecutive frames is a repeat when its mean |difference| (RGB, 0-255, at the benchmark's width)
# is under REPEAT_ABS and under REPEAT_REL of the clip's busy pairs (90th percentile of pair
# differences: a still shot's sensor noise is not a repeat); a clip with more than MAX_REPEATS
# such pairs is out. Measured on /work/footage at 640 px: repeats differ by 0.00-0.11 while a
# still camera shot's pairs differ by >= 0.34; padded clips show 13-76% repeats, genuine ones 0-2%.
REPEAT_ABS = 0.3
REPEAT_REL = 0.15
MAX_REPEATS = 0.05


def repeat_fraction(frames: list[np.ndarray]) -> float:
    """Share of consecutive frame pairs that repeat a picture (see REPEAT_REL)."""
    diffs = np.array([float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))
                      for a, b in zip(frames, frames[1:])])
    level = float(np.percentile(diffs, 90))
    return float(np.mean(diffs < min(REPEAT_ABS, REPEAT_REL * level)))


def table(title: str, rows: dict[str, dict]) -> dict[str, float]:
    print(f"\n{title}")
    print(f"{'clip':<34}" + "".join(f"{m:>14}" for m in METHODS) + f"{'truth':>9}")
    for name, row in rows.items():
        print(f"{name[:33]:<34}" + "".join(f"{row[m]['psnr']:>7.2f} {row[m]['warp']:>5.2f} " for m in METHODS)
              + f"{row['truth']['warp']:>9.2f}")
    summary = {}
    if rows:
        print("  PSNR dB (made frames) and warping error, median [min..max] over clips:")
        for m in METHODS:
            p = [r[m]["psnr"] for r in rows.values()]
            w = [r[m]["warp"] for r in rows.values()]
            gain = [r[m]["psnr"] - r["repeat"]["psnr"] for r in rows.values()]
            summary[m] = statistics.mean(gain)
            vs_blend = [r[m]["psnr"] - r["blend"]["psnr"] for r in rows.values()]
            print(f"  {m:<7} PSNR {statistics.median(p):6.2f} [{min(p):.2f}..{max(p):.2f}]  mean "
                  f"{statistics.mean(p):6.2f}  vs repeat {statistics.mean(gain):+5.2f} dB (median "
                  f"{statistics.median(gain):+.2f})  vs blend {statistics.mean(vs_blend):+5.2f} dB (median "
                  f"{statistics.median(vs_blend):+.2f})  warp {statistics.median(w):5.2f} [{min(w):.2f}..{max(w):.2f}]")
    return summary


def cost_per_frame(source: list[np.ndarray], runs: int) -> None:
    """CPU milliseconds (this process + FFmpeg children) per 1080p output frame: the figure a
    loaded machine disturbs least; wall time is printed beside it."""
    import cv2
    big = [cv2.resize(f, (1920, 1080), interpolation=cv2.INTER_CUBIC) for f in source]
    low = big[::STEP]
    n = (len(big) - 1) // STEP * STEP + 1
    print(f"\ncost per 1080p output frame (10 -> 30 fps, {n} frames, {runs} runs; raw-pipe I/O included):")
    base = None
    for method in METHODS:
        cpu, wall = [], []
        for _ in range(runs):
            c0, p0 = children_cpu(), time.process_time()
            wall.append(rebuild(method, low, n)[1] / n * 1000)
            cpu.append((children_cpu() - c0 + time.process_time() - p0) / n * 1000)
        med = statistics.median(cpu)
        base = base or med
        print(f"  {method:<7} CPU {med:7.1f} ms/frame [{min(cpu):.1f}..{max(cpu):.1f}]  x{med / base:.1f} of repeat"
              f"   (wall {statistics.median(wall):.0f} ms)")


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build_cost(source: list[np.ndarray], runs: int, tmp: Path) -> None:
    """Whole `broll build` at 1080p of one 10 fps clip, per retime method (wall and FFmpeg CPU)."""
    import cv2

    from broll import build
    from broll.media.reencode import FrameSink
    clip = tmp / "low1080.mp4"
    with FrameSink(clip, (1920, 1080), 10.0, crf=18, preset="veryfast") as sink:
        for f in source[::STEP]:
            sink.write(cv2.resize(f, (1920, 1080), interpolation=cv2.INTER_CUBIC))
        sink.close()
    print(f"\nwhole build at 1080p (16x9-1080p, fps: 30, one {len(source[::STEP])}-frame 10 fps clip; {runs} runs):")
    base_wall = base_cpu = None
    import shutil
    for method in ("repeat", "blend", "motion"):
        edit = tmp / f"edit-{method}.yaml"
        edit.write_text(f"version: 1\noutput: out-{method}.mp4\npreset: 16x9-1080p\nfps: 30\nloudness: null\n"
                        f"timeline:\n  - clip: {clip}\n    retime: {method}\n")
        walls, cpus = [], []
        for _ in range(runs):
            shutil.rmtree(tmp / ".broll" / "retimed", ignore_errors=True)     # motion: pre-render every run
            c0, t0, p0 = children_cpu(), time.perf_counter(), time.process_time()
            build(edit)
            walls.append(time.perf_counter() - t0)
            cpus.append(children_cpu() - c0 + time.process_time() - p0)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        base_wall, base_cpu = base_wall or wall, base_cpu or cpu
        print(f"  {method:<7} wall {wall:6.2f} s [{min(walls):.2f}..{max(walls):.2f}]  x{wall / base_wall:.1f}   "
              f"CPU {cpu:6.2f} s [{min(cpus):.2f}..{max(cpus):.2f}]  x{cpu / base_cpu:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footage", type=Path,
                        default=Path(os.environ.get("BROLL_FOOTAGE", Path.home() / ".cache/broll-footage")))
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--frames", type=int, default=46, help="true 30 fps frames per clip")
    parser.add_argument("--width", type=int, default=640, help="quality is measured at this width")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-cost", action="store_true")
    parser.add_argument("--only-cost", action="store_true", help="skip the quality tables")
    parser.add_argument("--cost-frames", type=int, default=31, help="true frames behind the cost figures")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="broll-retime-") as tmpdir:
        tmp = Path(tmpdir)
        synth_rows = {} if args.only_cost else {
            s: measure_clip(synth_frames(s, args.frames, args.width, tmp)) for s in SYNTH}
        if synth_rows:
            table(f"synthetic, 30 -> 10 -> 30 fps at {args.width} px wide: PSNR dB  warp", synth_rows)
        real_rows = {}
        first_real = None
        if args.only_cost and args.footage.is_dir():
            first_real = next(iter(real_clips(args.footage, 1)), None)
        elif args.footage.is_dir():
            excluded = []
            for path in real_clips(args.footage, args.clips):
                if len(real_rows) >= args.clips:
                    break
                name = str(path.relative_to(args.footage))
                frames = clip_frames(str(path), args.frames, args.width)
                if len(frames) < 4 * STEP:
                    excluded.append((name, f"only {len(frames)} frames decode"))
                    continue
                repeats = repeat_fraction(frames)
                if repeats > MAX_REPEATS:
                    excluded.append((name, f"{repeats:.0%} of consecutive frames repeat (> {MAX_REPEATS:.0%}): "
                                           "a lower rate padded to 30 fps, not a genuine 30 fps clip"))
                    continue
                real_rows[name] = measure_clip(frames)
                first_real = first_real or path
            if excluded:
                print(f"\nexcluded from the real-footage table ({len(excluded)}):")
                for name, why in excluded:
                    print(f"  {name}: {why}")
            table(f"genuine 30 fps clips from {args.footage}, at {args.width} px wide: PSNR dB  warp", real_rows)
        else:
            print(f"\n(no footage at {args.footage}: real-clip half skipped)")
        if not args.no_cost:
            source = (clip_frames(str(first_real), args.cost_frames, 1920) if first_real
                      else synth_frames("testsrc2", args.cost_frames, 1920, tmp))
            print(f"cost source: {first_real or 'testsrc2'}")
            cost_per_frame(source, args.runs)
            build_cost(source, args.runs, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
