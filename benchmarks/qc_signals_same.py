"""Does a change to QC's measuring code leave every signal and finding as it was?

A speed change to :mod:`broll.qc.signals` (or the decoder under it) must not move what the detectors
see. ``--save DIR`` measures a set of clips and stores each one's signals and findings; run it on the
old code. ``--against DIR`` measures the same clips with the code at hand and compares every series,
region and cell array and every finding with the stored ones: it prints, per clip, how many values
differ and the largest difference, and exits 1 when anything differs (0 when all are identical).
An unchanged comparison means SIGNALS_VERSION need not move and cached signals stay valid.

Clips: the real footage under ``--footage`` (default ``$BROLL_FOOTAGE`` or ``~/.cache/broll-footage``;
``--real N`` clips spread over it, generated and camera alike; skipped with one line when absent),
and a synthetic set made once into ``--workdir`` (kept, so both runs read the same files): every
defect class of ``broll.testing.injection.DEFECTS`` at moderate strength on the testsrc2 and pan
bases, plus a 1080p30 testsrc2 clip like ``benchmarks/qc_speed.py``'s.

    .venv/bin/python benchmarks/qc_signals_same.py --save /tmp/qc-before [--also CLIP ...]   # old code
    .venv/bin/python benchmarks/qc_signals_same.py --against /tmp/qc-before    # new code
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

SYNTH_BASES = ("testsrc2", "pan:astronaut")


def _real_clips(folder: Path, count: int) -> list[Path]:
    from broll.testing.injection import REAL_EXTENSIONS

    clips = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in REAL_EXTENSIONS)
    if count <= 0 or not clips:
        return []
    step = max(1, len(clips) // count)
    return clips[::step][:count]


def _synthetic_clips(work: Path) -> list[Path]:
    from broll.media import synth
    from broll.testing import injection as inj

    work.mkdir(parents=True, exist_ok=True)
    paths = []
    big = work / "testsrc2-4s-1080p30.mp4"
    if not big.exists():
        synth.make_clip(big, source="testsrc2", size=(1920, 1080), fps=30, duration=4.0, audio=None,
                        codec_args=("-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p"))
    paths.append(big)
    for base_name in SYNTH_BASES:
        base = inj.base(base_name, 60)
        for kind in ("clean", *inj.DEFECTS):
            path = work / f"{base_name.replace(':', '_')}-{kind}.mp4"
            if not path.exists():
                out = base if kind == "clean" else inj.DEFECTS[kind](base, np.random.default_rng(7), "moderate")[0]
                inj.encode(path, out)
            paths.append(path)
    return paths


def _measure(path: Path) -> dict:
    from broll.qc import analyse, load_profile

    report, signals = analyse(path, load_profile("default"), keep_signals=True)
    findings = [(f.kind, f.start_frame, f.end_frame, f.severity, f.value, f.threshold) for f in report.findings]
    return {"signals": signals, "findings": findings, "verdict": report.verdict, "metrics": report.metrics}


def _arrays(signals) -> dict[str, np.ndarray]:
    """Every array a detector can read, by name."""
    out = {f"series.{k}": np.asarray(v) for k, v in signals.series.items()}
    for name in ("region_shift", "region_luma", "region_occluded", "region_motion", "cell_resid", "cell_corr",
                 "cell_motion", "cell_texture", "times", "row_max", "col_max"):
        out[name] = np.asarray(getattr(signals, name))
    out.update({f"cells.{k}": np.asarray(v) for k, v in signals.cells.items()})
    out["scene_cuts"] = np.asarray(signals.scene_cuts)
    out["facts"] = np.asarray([signals.frames, signals.fps, *signals.size, signals.interlaced_frames], np.float64)
    return out


def _compare(old: dict, new: dict) -> list[str]:
    problems = []
    a, b = _arrays(old["signals"]), _arrays(new["signals"])
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            problems.append(f"{name}: only in {'old' if name in a else 'new'}")
            continue
        x, y = a[name], b[name]
        if x.shape != y.shape or x.dtype != y.dtype:
            problems.append(f"{name}: shape/dtype {x.shape} {x.dtype} -> {y.shape} {y.dtype}")
            continue
        same = (x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else (x == y)
        if not np.all(same):
            xf, yf = x.astype(np.float64), y.astype(np.float64)
            diff = np.abs(xf - yf)[~same]
            problems.append(f"{name}: {int((~same).sum())} of {x.size} differ, max |d| {np.nanmax(diff) if np.isfinite(diff).any() else 'nan'}")
    if old["findings"] != new["findings"] or old["verdict"] != new["verdict"]:
        problems.append(f"findings: {old['verdict']} {old['findings']} -> {new['verdict']} {new['findings']}")
    timeless = lambda m: {k: v for k, v in m.items() if k != "seconds"}  # noqa: E731  (how long it took)
    if repr(timeless(old["metrics"])) != repr(timeless(new["metrics"])):
        problems.append(f"metrics: {old['metrics']} -> {new['metrics']}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", help="store signals and findings of every clip here (old code)")
    mode.add_argument("--against", help="compare with what --save stored (new code)")
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache" / "broll-footage")))
    ap.add_argument("--real", type=int, default=12, help="real clips to use, spread over the folder")
    ap.add_argument("--also", nargs="*", default=[], help="more clips (e.g. ones with findings)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "broll-qc-same"))
    args = ap.parse_args()
    footage = Path(args.footage)
    clips = _real_clips(footage, args.real) if footage.is_dir() else []
    if not clips:
        print(f"no real footage under {footage}: synthetic clips only")
    clips += [Path(p) for p in args.also] + _synthetic_clips(Path(args.workdir))
    store = Path(args.save or args.against)
    store.mkdir(parents=True, exist_ok=True)
    differing = 0
    for clip in clips:
        key = store / f"{clip.parent.name}__{clip.name}.pkl"
        result = _measure(clip)
        if args.save:
            key.write_bytes(pickle.dumps(result))
            print(f"saved  {clip.name}: {result['signals'].frames} frames, {result['verdict']}")
            continue
        if not key.is_file():
            print(f"MISSING {clip.name}: not in {store}")
            differing += 1
            continue
        problems = _compare(pickle.loads(key.read_bytes()), result)
        differing += bool(problems)
        print(f"{'same ' if not problems else 'DIFF '} {clip.name}: {result['signals'].frames} frames, {result['verdict']}")
        for p in problems:
            print(f"        {p}")
    if args.against:
        print(f"{len(clips) - differing} of {len(clips)} clips identical in every signal and finding")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
