"""What boil's shimmer signals (broll.qc.shimmer) cost per frame, against the whole signal meter.

Decodes one clip at analysis size, computes the meter's inputs once (half-size planes, DIS flow
both ways, the forward-backward check, the warped frame), then times ``ShimmerMeter.add`` alone on
them (CPU time per frame, median of ``--repeat`` runs) and ``broll.qc.signals.measure`` of the clip
with and without the shimmer meter, alternating (paired), so load affects both alike. The planes are
about 160x90 whatever the source size, so the per-frame cost is the same for any 1080p clip.
``--baseline DIR`` also times the ``ShimmerMeter`` of another tree (``DIR/broll/qc/shimmer.py``, e.g.
main's) on the same inputs, alternating with this tree's: the paired cost of a signal change.

    .venv/bin/python benchmarks/qc_shimmer_cost.py --clip CLIP [--repeat 5] [--baseline DIR]
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


def _meter_inputs(cv2, lumas: list[np.ndarray]) -> list[tuple]:
    """``ShimmerMeter.add``'s arguments for each frame pair, made as ``broll.qc.signals`` makes them."""
    small = [cv2.resize(y, (y.shape[1] // 2, y.shape[0] // 2), interpolation=cv2.INTER_AREA) for y in lumas]
    h, w = small[0].shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    grid = np.dstack([gx, gy])
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    out = []
    for prev, cur in zip(small[:-1], small[1:]):
        fwd, bwd = dis.calc(prev, cur, None), dis.calc(cur, prev, None)
        mapping = grid + fwd
        warped = cv2.remap(cur, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bwd_at = cv2.remap(bwd, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        sx, sy = fwd[..., 0] + bwd_at[..., 0], fwd[..., 1] + bwd_at[..., 1]
        occluded = (sx * sx + sy * sy) > 0.01 * ((fwd ** 2).sum(-1) + (bwd_at ** 2).sum(-1)) + 0.5
        out.append((prev.astype(np.float32), cur, (~occluded).astype(np.float32), warped, bwd, grid))
    return out


def _load_meter(tree: Path):
    """``ShimmerMeter`` of another checkout, imported under its own module name."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_shimmer", tree / "broll" / "qc" / "shimmer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ShimmerMeter


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip")
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache" / "broll-footage")))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", help="a tree whose broll/qc/shimmer.py is timed alternately with this one's")
    ap.add_argument("--meter-only", action="store_true", help="skip the paired measure() runs of the whole clip")
    args = ap.parse_args()
    clip = Path(args.clip) if args.clip else _first_1080p(Path(args.footage).expanduser())
    if clip is None or not clip.is_file():
        print(f"skipped: no clip (give --clip or a --footage folder with a 1080p clip; looked in {args.footage})")
        return 0
    import cv2

    from broll.media.analysis_frames import iter_analysis_frames
    from broll.qc import shimmer, signals

    lumas = [fr.luma for fr in iter_analysis_frames(clip)]
    inputs = _meter_inputs(cv2, lumas)
    meters = {"this": shimmer.ShimmerMeter}
    if args.baseline:
        meters["baseline"] = _load_meter(Path(args.baseline))
    alone: dict[str, list[float]] = {k: [] for k in meters}
    for _ in range(args.repeat):
        for name, cls in meters.items():
            meter = cls()
            t0 = time.process_time()
            for args_ in inputs:
                meter.add(*args_[:3], warped=args_[3], back=args_[4], grid=args_[5])
            alone[name].append((time.process_time() - t0) / max(1, len(inputs)) * 1e6)
    real_add = shimmer.ShimmerMeter.add
    timed: dict[bool, list[float]] = {True: [], False: []}
    try:
        for _ in range(0 if args.meter_only else max(1, args.repeat // 2)):
            for on in (True, False):
                shimmer.ShimmerMeter.add = real_add if on else (lambda self, *a, **k: self.skip())
                t0 = time.process_time()
                signals.measure(clip)
                timed[on].append((time.process_time() - t0) / len(lumas) * 1e3)
    finally:
        shimmer.ShimmerMeter.add = real_add
    print(f"{clip.name}: {len(lumas)} frames, analysis {lumas[0].shape[1]}x{lumas[0].shape[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, runs in alone.items():
        print(f"ShimmerMeter.add ({name}): {np.median(runs):.0f} us CPU per frame (median of {len(runs)}; "
              f"{min(runs):.0f}-{max(runs):.0f})")
    if args.baseline:
        diff = [a - b for a, b in zip(alone["this"], alone["baseline"])]
        print(f"this - baseline, per alternating round: median {np.median(diff):+.0f} us per frame "
              f"({min(diff):+.0f} to {max(diff):+.0f})")
    if timed[True]:
        with_, without = np.median(timed[True]), np.median(timed[False])
        print(f"measure(): {with_:.2f} ms CPU per frame with the shimmer meter, {without:.2f} without "
              f"(paired medians): {with_ / without:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
