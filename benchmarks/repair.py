"""How well `broll fix` repairs injected defects, on synthetic bases and on real clips.

For each base clip (lavfi / photo camera moves, and real clips from a footage folder) and each
repairable kind (flicker, flash strobe, glitch, black, freeze, boil at moderate strength) the defect is injected
into the clean frames (:mod:`broll.testing.injection`), delivered as x264 at each ``--delivery`` CRF,
repaired with :func:`broll.repair.repair_clip`, and measured against the clean frames:

- the verdict after repair (targets: >= 90% not `regenerate`, >= 75% `pass`), next to the clean
  clip's own verdict (a real clip that is `review` when clean cannot `pass` after a repair);
- PSNR against the clean frames on the affected frames (target: +3 dB over the defective clip) and
  on the unaffected ones (target: no more than 0.3 dB lost to the re-encode);
- two delivery modes: CRF 20, as a generator's web delivery (the codec's loss then bounds what any
  repair can gain: the clean clip through the same encode is the ceiling), and CRF 8, a high-quality
  master (the ceiling is the repair itself);
- for flicker and boil, per clip: defective, repaired, an oracle (flicker: the exact inverse of the
  injected gain; boil: the clean encode's pixels in the injected patch), the repair with each
  frame's best gain toward the clean frame (the brightness it left wrong), and the patch alone;
- speed (``--speed`` / ``--speed-only``): `broll fix CLIP -o OUT --no-cache` through the CLI on a 1080p30
  5 s clip with one defect of each kind (flicker, glitch, freeze, boil), wall and CPU as a multiple of
  real time, median of ``--repeat`` runs, with `broll check` on the same clip as the peer.

    .venv/bin/python benchmarks/repair.py [--footage DIR] [--real 8] [--seeds 2] [--delivery 20,8]
        [--rows rows.jsonl] [--speed | --speed-only --repeat 3]
    .venv/bin/python benchmarks/repair.py --summarise rows.jsonl      # tables of a (stopped) run
    .venv/bin/python benchmarks/repair.py --speed-only --kinds boil --repeat 3 --against /path/to/main   # A/B CPU

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
             floor_clip: list[np.ndarray], crf: int = 20) -> dict:
    from broll.qc import check
    from broll.repair import repair_clip
    from broll.testing import injection as inj

    rng = np.random.default_rng(seed)
    bad, truth = inj.DEFECTS[kind](clean, rng, "moderate")
    src = inj.encode(tmp / f"{kind}_{seed}.mp4", bad, fps=fps, crf=crf)
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
    diag = diagnose(kind, clean, bad, dec_bad, dec_fix, floor_clip, hit, n)
    return {"crf": crf, "base": name, "kind": kind, "seed": seed, "clean": clean_verdict, "before": res.verdict_before,
            "after": res.verdict, "repaired": bool(res.repairs),
            "methods": ",".join(sorted({s.method.split(' ')[0] for s in res.repairs})),
            "aff_gain": float(np.mean(aff_fix) - np.mean(aff_bad)) if aff_bad else 0.0,
            "recovered": float((np.mean(aff_fix) - np.mean(aff_bad)) / max(0.1, np.mean(aff_floor) - np.mean(aff_bad)))
            if aff_bad else 0.0,
            "unaff_drop": float(np.mean(un_bad) - np.mean(un_fix)) if un_bad else 0.0,
            "oracle_gain": oracle,
            "floor_gap": float(np.mean(aff_floor) - np.mean(aff_bad)) if aff_bad else 0.0,
            "seconds": res.seconds, **diag}


def _mean_psnr(a: list[np.ndarray], b: list[np.ndarray], idx: list[int], mask: np.ndarray | None = None) -> float:
    """Mean over frames ``idx`` of PSNR(a, b), over the pixels of ``mask`` only when given."""
    vals = []
    for i in idx:
        x, y = a[i].astype(np.float32), b[i].astype(np.float32)
        if mask is not None:
            x, y = x[mask], y[mask]
        mse = float(np.mean((x - y) ** 2))
        vals.append(99.0 if mse < 1e-6 else 10 * np.log10(255.0 ** 2 / mse))
    return float(np.mean(vals)) if vals else float("nan")


def _gain_fit(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``x`` with the per-channel gain that brings it closest to ``ref`` (least squares, unclipped pixels)."""
    xf, rf = x.astype(np.float32), ref.astype(np.float32)
    ok = np.all((x > 2) & (x < 253), axis=2)
    g = [(xf[..., c][ok] * rf[..., c][ok]).sum() / max(1e-6, (xf[..., c][ok] ** 2).sum()) if ok.any() else 1.0
         for c in range(3)]
    return np.clip(xf * np.array(g, np.float32) + 0.5, 0, 255).astype(np.uint8)


def diagnose(kind: str, clean, bad, dec_bad, dec_fix, floor, hit, n: int) -> dict:
    """Where the dB of a flicker or boil repair go, on the affected frames (absolute PSNR, dB).

    flicker: ``fix_gainfit`` is the repair with each frame's best per-channel gain toward the clean
    frame applied: what it adds is brightness the repair left wrong; what stays below the clean
    encode is detail (codec loss, interpolation). boil: PSNR inside the injected patch alone, and the
    oracle that puts the clean encode's pixels into the patch (perfect shimmer removal).
    """
    idx = [i for i in range(n) if hit[i]]
    if kind not in ("flicker", "boil") or not idx:
        return {}
    d = {"psnr_bad": _mean_psnr(dec_bad, clean, idx), "psnr_fix": _mean_psnr(dec_fix, clean, idx),
         "psnr_floor": _mean_psnr(floor, clean, idx)}
    if kind == "flicker":
        fit_fix = {i: _gain_fit(dec_fix[i], clean[i]) for i in idx}
        fit_bad = {i: _gain_fit(dec_bad[i], clean[i]) for i in idx}
        d["fix_gainfit"] = _mean_psnr(fit_fix, clean, idx)
        d["bad_gainfit"] = _mean_psnr(fit_bad, clean, idx)
    else:
        mask = np.zeros(clean[0].shape[:2], bool)
        for i in idx:
            mask |= np.any(bad[i] != clean[i], axis=2)
        if mask.any():
            d.update(patch_bad=_mean_psnr(dec_bad, clean, idx, mask), patch_fix=_mean_psnr(dec_fix, clean, idx, mask),
                     patch_floor=_mean_psnr(floor, clean, idx, mask), patch_share=float(mask.mean()))
            orc = {}
            for i in idx:
                o = dec_bad[i].copy()
                o[mask] = floor[i][mask]
                orc[i] = o
            d["oracle_gain"] = _mean_psnr(orc, clean, idx) - d["psnr_bad"]
    return d


def per_clip(rows: list[dict]) -> None:
    """Per clip, where the flicker and boil dB go (absolute PSNR on the affected frames)."""
    fl = [r for r in rows if r["kind"] == "flicker" and "psnr_bad" in r]
    if fl:
        print("\nflicker, per clip (affected frames, dB): defective / repaired / oracle (exact inverse gain) / "
              "repaired + per-frame gain fit (brightness left) / clean encode\n")
        print("| clip | seed | method | defective | repaired | oracle | repaired + gain fit | clean encode |")
        print("|---|---|---|---|---|---|---|---|")
        for r in fl:
            print(f"| {r['base']} | {r['seed']} | {r['methods'] or '-'} | {r['psnr_bad']:.1f} | {r['psnr_fix']:.1f} | "
                  f"{r['psnr_bad'] + r['oracle_gain']:.1f} | {r['fix_gainfit']:.1f} | {r['psnr_floor']:.1f} |")
    bo = [r for r in rows if r["kind"] == "boil" and "psnr_bad" in r]
    if bo:
        print("\nboil, per clip (affected frames, dB): whole frame defective / repaired / oracle (clean encode in "
              "the patch) / clean encode; inside the injected patch alone: defective / repaired / clean encode\n")
        print("| clip | seed | QC before | method | defective | repaired | oracle | clean encode | patch share | "
              "patch defective | patch repaired | patch clean encode |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in bo:
            print(f"| {r['base']} | {r['seed']} | {r['before']} | {r['methods'] or '-'} | {r['psnr_bad']:.1f} | "
                  f"{r['psnr_fix']:.1f} | {r['psnr_bad'] + r.get('oracle_gain', float('nan')):.1f} | "
                  f"{r['psnr_floor']:.1f} | {r.get('patch_share', 0):.0%} | {r.get('patch_bad', float('nan')):.1f} | "
                  f"{r.get('patch_fix', float('nan')):.1f} | {r.get('patch_floor', float('nan')):.1f} |")


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
            what = "the exact inverse of the injected gain" if kind == "flicker" else "the clean encode in the patch"
            if orc:
                line += (f"; {what} gains {statistics.median(orc):+.1f} dB "
                         f"[{min(orc):+.1f}, {max(orc):+.1f}]")
            print(line)


SPEED_KINDS = ("flicker", "glitch", "freeze", "boil")


def _timed(cmd: list[str], cwd: Path, code: str | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, the process and its children, FFmpeg included) of one run;
    ``code``: a checkout whose ``broll`` the run imports (PYTHONPATH) instead of this one's."""
    import resource
    import subprocess

    env = dict(os.environ, PYTHONPATH=code or str(Path(__file__).resolve().parents[1]))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), proc.stdout


def speed(tmp: Path, repeat: int, kinds: tuple[str, ...] = SPEED_KINDS, against: str | None = None) -> None:
    """`broll fix` through the CLI, as a user runs it, on a 1080p30 5 s clip with one defect of each kind.

    Each run is a fresh process with ``--no-cache`` (QC, repair, re-encode, re-check), timed wall
    and CPU; ``broll check --no-cache`` on the same clip is the peer in the same run.
    """
    import json

    from broll.testing import injection as inj

    exe = [sys.executable, "-m", "broll"]
    clean = inj.base("pan:astronaut", n=150, size=(1920, 1080))
    seconds = len(clean) / 30.0
    print(f"\n## speed: `broll fix CLIP -o OUT --no-cache` on a 1080p30 {seconds:.0f} s pan with one defect "
          f"(moderate), median of {repeat} runs [min, max]; peer `broll check --no-cache` on the same clip\n")
    print("| defect | QC before -> after | repair method | fix wall s | fix CPU s | fix x real time (wall) | "
          "fix x real time (CPU) | check wall s | fix / check (wall) | load during |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        if kind == "boil":
            # blobs scaled with the picture (18 px at 1080p): the suites' 3 px grain is sensor-like
            # at 1080p, below QC's analysis size, and QC rightly does not flag it (generative boil
            # is made at the model's latent scale, so it grows with the picture)
            bad, truth = inj.inject_boil(clean, np.random.default_rng(1), "moderate",
                                         grain=3 * clean[0].shape[1] // 320)
        else:
            bad, truth = inj.DEFECTS[kind](clean, np.random.default_rng(1), "moderate")
        src = inj.encode(tmp / f"speed_{kind}.mp4", bad)
        del bad
        fix, chk, loads, other = [], [], [], []
        doc = {}
        for _ in range(repeat):
            loads.append(os.getloadavg()[0])
            chk.append(_timed(exe + ["check", str(src), "--no-cache"], tmp)[:2])
            w, c, out = _timed(exe + ["fix", str(src), "-o", str(tmp / "speed_out"), "--no-cache", "--json"], tmp)
            fix.append((w, c))
            doc = json.loads(out)
            if against:         # the other checkout on the same clip, in the same minutes (A B A B ...)
                other.append(_timed(exe + ["fix", str(src), "-o", str(tmp / "speed_other"), "--no-cache", "--json"],
                                    tmp, against)[:2])
            loads.append(os.getloadavg()[0])
        if against:
            ratio = [a[1] / b[1] for a, b in zip(fix, other)]
            wall = [a[0] / b[0] for a, b in zip(fix, other)]
            print(f"| {kind}: this / {against} | CPU s {statistics.median([x[1] for x in fix]):.1f} / "
                  f"{statistics.median([x[1] for x in other]):.1f}, ratio per pair {statistics.median(ratio):.2f} "
                  f"[{min(ratio):.2f}, {max(ratio):.2f}]; wall ratio {statistics.median(wall):.2f} "
                  f"[{min(wall):.2f}, {max(wall):.2f}] | load {min(loads):.1f}-{max(loads):.1f} |", flush=True)
        res = doc["clips"][0]
        methods = ", ".join(sorted({r["method"] for r in res.get("repairs", [])})) or "none"
        fw, fc = [x[0] for x in fix], [x[1] for x in fix]
        cw = [x[0] for x in chk]
        print(f"| {kind} (frames {truth.start}-{truth.end}) | {res.get('verdict_before')} -> {res.get('verdict')} | "
              f"{methods} | {statistics.median(fw):.1f} [{min(fw):.1f}, {max(fw):.1f}] | "
              f"{statistics.median(fc):.1f} [{min(fc):.1f}, {max(fc):.1f}] | "
              f"**{statistics.median(fw) / seconds:.2f}x** | {statistics.median(fc) / seconds:.2f}x | "
              f"{statistics.median(cw):.1f} | {statistics.median(fw) / statistics.median(cw):.2f} | "
              f"{min(loads):.1f}-{max(loads):.1f} |", flush=True)
    print(f"\ntarget: <= 2x real time (wall) per clip with one defect, stabilisation excepted; "
          f"{os.cpu_count()} cores")


def _report(rows: list[dict], synth_title: str, real_title: str) -> None:
    for crf in sorted({r["crf"] for r in rows}, reverse=True):
        mode = f"delivered at x264 CRF {crf}" + (" (as a generator's web delivery)" if crf >= 18 else
                                                  " (a high-quality master: the ceiling is the repair)")
        syn = [r for r in rows if r["crf"] == crf and r["suite"] == "synthetic"]
        real = [r for r in rows if r["crf"] == crf and r["suite"] == "real"]
        if syn:
            summarise(syn, f"{synth_title}, {mode}")
            per_clip(syn)
        if real:
            clips = len({r["base"] for r in real})
            summarise(real, f"{real_title} ({clips} clips), {mode}")
            per_clip(real)
            odd = [r for r in real if r["clean"] == "regenerate"]
            if odd:
                summarise([r for r in real if r["clean"] != "regenerate"],
                          f"{real_title}, {mode}, clean encode not `regenerate`")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache/broll-footage")))
    ap.add_argument("--real", type=int, default=8, help="real clips to use (0: none)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--width", type=int, default=640, help="real clips are scaled to this width")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--bases", default=",".join(SYNTH_BASES), help="synthetic bases (injection.base names)")
    ap.add_argument("--delivery", default="20,8",
                    help="x264 CRFs the defective clip is delivered at: 20 as a generator's web delivery (the codec "
                         "bounds the gain), 8 as a high-quality master (the repair is the bound); comma-separated")
    ap.add_argument("--rows", help="append each measured clip as a JSON line to FILE (a stopped run keeps its rows)")
    ap.add_argument("--summarise", metavar="FILE", help="only print the tables of the rows in FILE (from --rows)")
    ap.add_argument("--speed", action="store_true", help="also time `broll fix` on a 1080p30 5 s clip per defect kind")
    ap.add_argument("--speed-only", action="store_true", help="only the speed part")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", metavar="CHECKOUT",
                    help="speed: also time `broll fix` from another checkout (e.g. main's) on each clip, alternating")
    args = ap.parse_args()
    import json

    if args.summarise:
        rows = [json.loads(line) for line in Path(args.summarise).read_text().splitlines() if line.strip()]
        _report(rows, "synthetic (320x180, 90 frames)", "real clips")
        return
    kinds = tuple(k for k in args.kinds.split(",") if k)
    crfs = [int(c) for c in args.delivery.split(",") if c.strip()]
    from broll.qc import check
    from broll.testing import injection as inj

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sink = open(args.rows, "a") if args.rows else None

    def keep(row: dict) -> None:
        print(row, file=sys.stderr)
        if sink:
            sink.write(json.dumps(row) + "\n")
            sink.flush()

    with tempfile.TemporaryDirectory(prefix="broll-repair-bench-") as tmpname:
        tmp = Path(tmpname)
        rows: list[dict] = []
        if args.speed_only:
            speed(tmp, args.repeat, tuple(k for k in SPEED_KINDS if k in kinds), args.against)
            return
        for name in [b for b in args.bases.split(",") if b]:
            clean = inj.base(name, n=args.frames)
            for crf in crfs:
                cv = check(inj.encode(tmp / "clean.mp4", clean, crf=crf)).verdict
                floor = decode(tmp / "clean.mp4")      # the clean clip through the same delivery encode
                for kind in kinds:
                    for seed in range(args.seeds):
                        rows.append({"suite": "synthetic", **one_case(tmp, name, clean, kind, seed, 30, cv, floor, crf)})
                        keep(rows[-1])
        # (a real clip whose clean encode is already `regenerate` cannot leave it by a repair of the
        # injected defect: its rows are summarised apart below)
        folder = Path(args.footage).expanduser()
        clips = sorted(p for p in folder.rglob("*.mp4")) if folder.is_dir() else []
        used = 0
        if args.real and clips:
            step = max(1, len(clips) // args.real)
            for path in clips[::step]:
                if used >= args.real:
                    break
                clean = real_frames(path, args.frames, args.width)
                if clean is None:
                    continue
                used += 1
                for crf in crfs:
                    cv = check(inj.encode(tmp / "clean.mp4", clean, crf=crf)).verdict
                    floor = decode(tmp / "clean.mp4")
                    for kind in kinds:
                        rows.append({"suite": "real", **one_case(tmp, path.name[:40], clean, kind, 0, 30, cv, floor, crf)})
                        keep(rows[-1])
        else:
            print(f"\n(no real clips: {folder} has no *.mp4; pass --footage DIR)")
        _report(rows, "synthetic (320x180, 90 frames)",
                f"real clips from {folder}, scaled to {args.width} px, first {args.frames} frames")
        if args.speed:
            speed(tmp, args.repeat, tuple(k for k in SPEED_KINDS if k in kinds), args.against)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
