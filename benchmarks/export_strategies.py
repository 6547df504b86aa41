"""Export strategy benchmark: one FFmpeg process with split vs one process per output.

Renders the same 1080p30 clip to the same presets both ways in one run (alternating the
order each round) and prints wall time, FFmpeg CPU time and the ratios. Not a test: run by hand (``python benchmarks/export_strategies.py``).
The default in ``broll/export/plan.py`` (DEFAULT_STRATEGY) follows what this measures.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from broll.export import parse_preset_list, plan_export, run_export
from broll.media import synth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--presets", default="reels,square,youtube-1080p")
    ap.add_argument("--reframe", default="center")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clip = synth.make_clip(root / "reel.mp4", source="testsrc2", size=(1920, 1080), fps=30,
                               duration=args.seconds, audio=440.0,
                               codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"))
        presets = parse_preset_list(args.presets)
        source, targets = plan_export(clip, presets, root / "out", reframe=args.reframe)
        wall: dict[str, list[float]] = {"split": [], "separate": []}
        cpu: dict[str, list[float]] = {"split": [], "separate": []}
        for r in range(args.rounds):
            # alternate the order so a change in machine load does not favour one strategy
            for strategy in (("separate", "split") if r % 2 == 0 else ("split", "separate")):
                c0 = _children_cpu()
                t0 = time.perf_counter()
                run_export(source, targets, strategy=strategy)
                wall[strategy].append(time.perf_counter() - t0)
                cpu[strategy].append(_children_cpu() - c0)
        print(f"{args.seconds:g} s 1080p30 -> {', '.join(p.name for p in presets)} (reframe {args.reframe}), "
              f"best of {args.rounds}")
        for k in wall:
            print(f"  {k:9s} {min(wall[k]):6.2f} s wall  {min(cpu[k]):6.2f} s FFmpeg CPU")
        print(f"  separate / split = {min(wall['separate']) / min(wall['split']):.2f}x wall, "
              f"{min(cpu['separate']) / min(cpu['split']):.2f}x CPU")


def _children_cpu() -> float:
    """User + system seconds of finished child processes (FFmpeg): steadier than wall time under load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
