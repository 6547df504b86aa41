"""What boil's shimmer signals (broll.qc.shimmer) cost per frame, against the whole signal meter.

Decodes one clip at analysis size, then times ``ShimmerMeter.add`` alone on its half-size planes
(CPU time per frame, median of ``--repeat`` runs) and ``broll.qc.signals.measure`` of the clip with
and without the shimmer meter, alternating (paired), so load affects both alike. The planes are
about 160x90 whatever the source size, so the per-frame cost is the same for any 1080p clip.

    .venv/bin/python benchmarks/qc_shimmer_cost.py --clip CLIP [--repeat 5]
    .venv/bin/python benchmarks/qc_shimmer_cost.py --footage DIR    # its first 1080p clip
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np


def _first_1080p(folder: Path) -> Path | None:
    from broll.media.probe import probe
    from broll.testing.injection import REAL_EXTENSIONS

    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in REAL_EXTENSIONS and p.is_file():
            info = probe(p)
            if (info.width, info.height) == (1920, 1080):
                return p
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip")
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache" / "broll-footage")))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    clip = Path(args.clip) if args.clip else _first_1080p(Path(args.footage).expanduser())
    if clip is None or not clip.is_file():
        print(f"skipped: no clip (give --clip or a --footage folder with a 1080p clip; looked in {args.footage})")
        return 0
    import cv2

    from broll.media.analysis_frames import iter_analysis_frames
    from broll.qc import shimmer, signals

    lumas = [fr.luma for fr in iter_analysis_frames(clip)]
    small = [cv2.resize(y, (y.shape[1] // 2, y.shape[0] // 2), interpolation=cv2.INTER_AREA) for y in lumas]
    valid = np.ones(small[0].shape, np.float32)
    alone = []
    for _ in range(args.repeat):
        meter = shimmer.ShimmerMeter()
        t0 = time.process_time()
        for a, b in zip(small[:-1], small[1:]):
            meter.add(a.astype(np.float32), b, valid)
        alone.append((time.process_time() - t0) / max(1, len(small) - 1) * 1e6)
    real_add = shimmer.ShimmerMeter.add
    timed: dict[bool, list[float]] = {True: [], False: []}
    try:
        for _ in range(max(1, args.repeat // 2)):
            for on in (True, False):
                shimmer.ShimmerMeter.add = real_add if on else (lambda self, *a: self.skip())
                t0 = time.process_time()
                signals.measure(clip)
                timed[on].append((time.process_time() - t0) / len(lumas) * 1e3)
    finally:
        shimmer.ShimmerMeter.add = real_add
    with_, without = np.median(timed[True]), np.median(timed[False])
    print(f"{clip.name}: {len(lumas)} frames, analysis {lumas[0].shape[1]}x{lumas[0].shape[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"ShimmerMeter.add: {np.median(alone):.0f} us CPU per frame (median of {len(alone)}; "
          f"{min(alone):.0f}-{max(alone):.0f})")
    print(f"measure(): {with_:.2f} ms CPU per frame with the shimmer meter, {without:.2f} without "
          f"(paired medians): {with_ / without:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
