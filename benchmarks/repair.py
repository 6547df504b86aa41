"""How well `broll fix` repairs injected defects, on synthetic bases and on real clips.

For each base clip (lavfi / photo camera moves, and real clips from a footage folder) and each
repairable kind (flicker, flash strobe, glitch, black, freeze, boil at moderate strength) the defect is injected
into the clean frames (:mod:`broll.testing.injection`), encoded with x264 CRF 20 as a generator
would deliver it, repaired with :func:`broll.repair.repair_clip`, and measured:

- the verdict after repair (targets: >= 90% not `regenerate`, >= 75% `pass`), next to the clean
  clip's own verdict (a real clip that is `review` when clean cannot `pass` after a repair);
- PSNR against the clean frames on the affected frames (target: +3 dB over the defective clip) and
  on the unaffected ones (target: no more than 0.3 dB lost to the re-encode);
- speed: repair seconds per second of clip for a 1080p30 5 s clip with one glitch, with `broll check`
  on the same clip as the peer in the same run (``--speed``).

    .venv/bin/python benchmarks/repair.py [--footage DIR] [--real 6] [--seeds 2] [--speed]

The footage folder defaults to $BROLL_FOOTAGE or ~/.cache/broll-footage (any *.mp4 below it);
without it only the synthetic half runs. Nothing from the footage is written outside a temp folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ("flicker", "flash", "glitch", "black", "freeze", "boil")
SYNTH_BASES = ("pan:astronaut", "zoom:coffee", "pan:chelsea", "mandelbrot")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse < 1e-6 else 10 * np.log10(255.0 ** 2 / mse)


def decode(path) -> list[np.ndarray]:
    from broll.media.frames import iter_frames

    return [f.image for f in iter_frames(path, fmt="bgr24")]


def real_frames(path: Path, n: int, width: int) -> list[np.ndarray] | None:
    from broll.media.frames import iter_frames

    frames = []
    for f in iter_frames(path, fmt="bgr24", width=width):
        frames.append(f.image)
        if len(frames) >= n:
            break
    if len(frames) < n:
        return None
    h, w = frames[0].shape[:2]
    if h % 2 or w % 2:
        frames = [f[:h - h % 2, :w - w % 2] for f in frames]
    return frames


def one_case(tmp: Path, name: str, clean: list[np.ndarray], kind: str, seed: int, fps: int, clean_verdict: str,
             floor_clip: list[np.ndarray]) -> dict:
    from broll.qc import check
    from broll.repair import repair_clip
    from broll.testing import injection as inj

    rng = np.random.default_rng(seed)
    bad, truth = inj.DEFECTS[kind](clean, rng, "moderate")
    src = inj.encode(tmp / f"{kind}_{seed}.mp4", bad, fps=fps)
    before_report = check(src)
    res = repair_clip(src, tmp / "out", report=before_report)
    dec_bad = decode(src)
    dec_fix = decode(res.output) if res.output else dec_bad
    n = min(len(clean), len(dec_bad), len(dec_fix))
    hit = [truth.start <= i <= truth.end for i in range(n)]
    aff_bad = [psnr(dec_bad[i], clean[i]) for i in range(n) if hit[i]]
    aff_fix = [psnr(dec_fix[i], clean[i]) for i in range(n) if hit[i]]
    un_bad = [psnr(dec_bad[i], clean[i]) for i in range(n) if not hit[i]]
    un_fix = [psnr(dec_fix[i], clean[i]) for i in range(n) if not hit[i]]
    oracle = float("nan")
    if kind == "flicker" and aff_bad:
        # the exact inverse of the injected gain, applied to the delivered (encoded) frames: the best a
        # brightness correction can do; what stays between it and the clean encode is codec damage
        orc = []
        for i in range(n):
            if hit[i]:
                lit = clean[i] > 20
                g = float(np.median(bad[i][lit].astype(np.float32) / clean[i][lit])) if lit.any() else 1.0
                orc.append(psnr(np.clip(dec_bad[i] / g + 0.5, 0, 255).astype(np.uint8), clean[i]))
        oracle = float(np.mean(orc) - np.mean(aff_bad))
    # the clean clip through the same encode: no repair can beat the codec's own noise
    aff_floor = [psnr(floor_clip[i], clean[i]) for i in range(min(n, len(floor_clip))) if hit[i]]
    return {"base": name, "kind": kind, "seed": seed, "clean": clean_verdict, "before": res.verdict_before,
            "after": res.verdict, "repaired": bool(res.repairs),
            "methods": ",".join(sorted({s.method.split(' ')[0] for s in res.repairs})),
            "aff_gain": float(np.mean(aff_fix) - np.mean(aff_bad)) if aff_bad else 0.0,
            "recovered": float((np.mean(aff_fix) - np.mean(aff_bad)) / max(0.1, np.mean(aff_floor) - np.mean(aff_bad)))
            if aff_bad else 0.0,
            "unaff_drop": float(np.mean(un_bad) - np.mean(un_fix)) if un_bad else 0.0,
            "oracle_gain": oracle,
            "floor_gap": float(np.mean(aff_floor) - np.mean(aff_bad)) if aff_bad else 0.0,
            "seconds": res.seconds}


def summarise(rows: list[dict], title: str) -> None:
    print(f"\n## {title} ({len(rows)} defective clips, moderate strength)\n")
    print("| kind | detected (before != pass) | repaired | not regenerate after | pass after | "
          "back to clean verdict | repaired clips: PSNR affected +dB median [min, max] | share of the gap "
          "to the clean encode recovered, median | PSNR unaffected -dB median [max] |")
    print("|---|---|---|---|---|---|---|---|---|")
    if not rows:
        return
    for kind in KINDS + ("all",):
        rs = [r for r in rows if kind == "all" or r["kind"] == kind]
        if not rs:
            continue
        n = len(rs)
        fixed = [r for r in rs if r["repaired"]] or [{"aff_gain": 0.0, "unaff_drop": 0.0, "recovered": 0.0}]
        gain = [r["aff_gain"] for r in fixed]      # fidelity over the clips a repair touched
        drop = [r["unaff_drop"] for r in fixed]
        print(f"| {kind} | {sum(r['before'] != 'pass' for r in rs)}/{n} | {sum(r['repaired'] for r in rs)}/{n} | "
              f"{sum(r['after'] != 'regenerate' for r in rs)}/{n} | {sum(r['after'] == 'pass' for r in rs)}/{n} | "
              f"{sum(r['after'] == r['clean'] or r['after'] == 'pass' for r in rs)}/{n} | "
              f"{statistics.median(gain):+.1f} [{min(gain):+.1f}, {max(gain):+.1f}] | "
              f"{statistics.median([r['recovered'] for r in fixed]):.0%} | "
              f"{statistics.median(drop):.2f} [{max(drop):.2f}] |")
    gaps = [r for r in rows if r.get("repaired")]
    for kind in ("flicker", "boil"):
        rs = [r for r in gaps if r["kind"] == kind]
        if rs:
            line = (f"\n{kind}: the most any repair could gain here (clean encode - defective, affected frames) "
                    f"median {statistics.median([r['floor_gap'] for r in rs]):+.1f} dB "
                    f"[{min(r['floor_gap'] for r in rs):+.1f}, {max(r['floor_gap'] for r in rs):+.1f}]")
            orc = [r["oracle_gain"] for r in rs if r["oracle_gain"] == r["oracle_gain"]]
            if orc:
                line += (f"; the exact inverse of the injected gain gains {statistics.median(orc):+.1f} dB "
                         f"[{min(orc):+.1f}, {max(orc):+.1f}]")
            print(line)


def speed(tmp: Path, repeat: int) -> None:
    from broll.qc import check
    from broll.repair import repair_clip
    from broll.testing import injection as inj

    clean = inj.base("pan:astronaut", n=150, size=(1920, 1080))
    bad, truth = inj.inject_glitch(clean, np.random.default_rng(1), "moderate")
    src = inj.encode(tmp / "speed.mp4", bad)
    del clean, bad
    t_fix, t_check = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        check(src)
        t_check.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = repair_clip(src, tmp / "speed_out")
        t_fix.append(time.perf_counter() - t0)
    fix_med, chk_med = statistics.median(t_fix), statistics.median(t_check)
    print(f"\n## speed: 1080p30 5 s clip, one glitch at frame {truth.start} ({res.verdict_before} -> {res.verdict})\n")
    print(f"broll fix (QC + repair + re-encode + re-check): median {fix_med:.2f} s [{min(t_fix):.2f}, {max(t_fix):.2f}]"
          f" = {fix_med / 5.0:.2f}x real time (target <= 2x)")
    print(f"peer, broll check alone: median {chk_med:.2f} s [{min(t_check):.2f}, {max(t_check):.2f}];"
          f" fix / check = {fix_med / chk_med:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache/broll-footage")))
    ap.add_argument("--real", type=int, default=6, help="real clips to use (0: none)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--width", type=int, default=640, help="real clips are scaled to this width")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--bases", default=",".join(SYNTH_BASES), help="synthetic bases (injection.base names)")
    ap.add_argument("--speed", action="store_true", help="also time a 1080p30 5 s clip")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    from broll.qc import check
    from broll.testing import injection as inj

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="broll-repair-bench-") as tmpname:
        tmp = Path(tmpname)
        rows: list[dict] = []
        for name in [b for b in args.bases.split(",") if b]:
            clean = inj.base(name, n=args.frames)
            cv = check(inj.encode(tmp / "clean.mp4", clean)).verdict
            floor = decode(tmp / "clean.mp4")      # the clean clip through the same delivery encode
            for kind in kinds:
                for seed in range(args.seeds):
                    rows.append(one_case(tmp, name, clean, kind, seed, 30, cv, floor))
                    print(rows[-1], file=sys.stderr)
        summarise(rows, "synthetic (320x180, 90 frames)")
        # (a real clip whose clean encode is already `regenerate` cannot leave it by a repair of the
        # injected defect: its rows are summarised apart below)
        folder = Path(args.footage).expanduser()
        clips = sorted(p for p in folder.rglob("*.mp4")) if folder.is_dir() else []
        if args.real and clips:
            step = max(1, len(clips) // args.real)
            real_rows: list[dict] = []
            used = 0
            for path in clips[::step]:
                if used >= args.real:
                    break
                clean = real_frames(path, args.frames, args.width)
                if clean is None:
                    continue
                used += 1
                cv = check(inj.encode(tmp / "clean.mp4", clean)).verdict
                floor = decode(tmp / "clean.mp4")
                for kind in kinds:
                    real_rows.append(one_case(tmp, path.name[:40], clean, kind, 0, 30, cv, floor))
                    print(real_rows[-1], file=sys.stderr)
            title = f"real clips ({used} from {folder}, scaled to {args.width} px, first {args.frames} frames)"
            summarise(real_rows, title)
            summarise([r for r in real_rows if r["clean"] != "regenerate"], title + ", clean encode not `regenerate`")
        else:
            print(f"\n(no real clips: {folder} has no *.mp4; pass --footage DIR)")
        if args.speed:
            speed(tmp, args.repeat)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
