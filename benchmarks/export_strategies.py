"""Export strategy benchmark: one FFmpeg process with split vs one process per output.

Renders the same 1080p30 clip to the same presets both ways in one run and prints wall
time and the ratio. Not a test: run by hand (``python benchmarks/export_strategies.py``).
The default in ``broll/export/plan.py`` (DEFAULT_STRATEGY) follows what this measures.
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clip = synth.make_clip(root / "reel.mp4", source="testsrc2", size=(1920, 1080), fps=30,
                               duration=args.seconds, audio=440.0,
                               codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"))
        presets = parse_preset_list(args.presets)
        source, targets = plan_export(clip, presets, root / "out", reframe=args.reframe)
        times: dict[str, list[float]] = {"split": [], "separate": []}
        for _ in range(args.rounds):
            for strategy in ("separate", "split"):
                t0 = time.perf_counter()
                run_export(source, targets, strategy=strategy)
                times[strategy].append(time.perf_counter() - t0)
        best = {k: min(v) for k, v in times.items()}
        print(f"{args.seconds:g} s 1080p30 -> {', '.join(p.name for p in presets)} (reframe {args.reframe})")
        for k, v in best.items():
            print(f"  {k:9s} {v:6.2f} s wall")
        print(f"  separate / split = {best['separate'] / best['split']:.2f}x")


if __name__ == "__main__":
    main()
