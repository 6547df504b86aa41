"""The boil repair at pixel level: `repair_boil` on the window `broll fix` reads, without the CLI.

Each case (a base with the benchmark's moderate boil, delivered as x264 at CRF 8 and 20) is built once
and cached (the delivered planes, the clean frames, QC's boil span); each run repairs the window QC's
span +-16 frames in its own 4:2:0 planes, converts the frames with FFmpeg's swscale as
`benchmarks/repair.py` decodes them, and prints PSNR over the injected frames, whole frames, repaired
minus defective (within ~0.1 dB of the benchmark, which also re-encodes the repair), beside the clean
encode's gain (the ceiling). For choosing a rule without touching the benchmark's own cases, ``--tune``
builds another set: seed 1 and the real clips the benchmark skips (``clips[4::8]``).

    .venv/bin/python benchmarks/repair_boil_pixels.py --build [--tune] --footage /work/footage --cases DIR
    .venv/bin/python benchmarks/repair_boil_pixels.py --cases DIR [--crf 8,20]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import repair as bench  # noqa: E402  (benchmarks/repair.py: the same bases, clips and decoding)

CONTEXT = 16        # frames either side of QC's span in the window (the repair plan's boil_context)


def to_bgr(img: np.ndarray) -> np.ndarray:
    import av

    return av.VideoFrame.from_ndarray(img, format="yuv420p").reformat(format="bgr24").to_ndarray()


def build(cases: Path, footage: str, tune: bool) -> None:
    from broll.media.frames import iter_frames
    from broll.qc import check
    from broll.testing import injection as inj

    seed = 1 if tune else 0
    todo = [("synthetic", b, None) for b in bench.SYNTH_BASES]
    clips = sorted(Path(footage).expanduser().rglob("*.mp4")) if footage else []
    step = max(1, len(clips) // 8)
    todo += [("real", p.name[:40], p) for p in clips[(4 if tune else 0)::step][:8]]
    cases.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for suite, name, path in todo:
            clean = inj.base(name, n=90) if path is None else bench.real_frames(path, 90, 480)
            if clean is None:
                continue
            for crf in (8, 20):
                out = cases / f"{suite}_{name.replace(':', '_')}_{crf}.pkl"
                if out.exists():
                    continue
                bad, truth = inj.inject_boil(clean, np.random.default_rng(seed), "moderate")
                src = inj.encode(tmp / "bad.mp4", bad, fps=30, crf=crf)
                spans = [(f.start_frame, f.end_frame) for f in check(src).findings
                         if f.kind == "boil" and f.severity != "note"]
                planes = [f.image for f in iter_frames(src, fmt="yuv420p")]
                floor = bench.decode(inj.encode(tmp / "clean.mp4", clean, fps=30, crf=crf))
                with open(out, "wb") as fh:
                    pickle.dump({"suite": suite, "name": name, "crf": crf, "clean": clean, "planes": planes,
                                 "floor": floor, "truth": (truth.start, truth.end), "spans": spans}, fh)
                print(suite, name, crf, "QC spans", spans, "injected", truth.start, truth.end, flush=True)


def run_case(case: dict) -> dict:
    from broll.repair.boil import repair_boil

    planes = list(case["planes"])
    n = len(planes)
    changed = {}
    for s, e in case["spans"]:
        w0, w1 = max(0, s - CONTEXT), min(n - 1, e + CONTEXT)
        res = repair_boil(planes[w0:w1 + 1], s - w0, e - w0, planar=True)
        for k, f in enumerate(res.frames):
            if f is not planes[w0 + k]:
                changed[w0 + k] = f
        planes[w0:w1 + 1] = res.frames
    ts, te = case["truth"]
    clean = case["clean"]
    bad = {i: to_bgr(case["planes"][i]) for i in range(ts, te + 1)}
    fix = {i: to_bgr(changed[i]) if i in changed else bad[i] for i in range(ts, te + 1)}
    pb = np.mean([bench.psnr(bad[i], clean[i]) for i in bad])
    return {"gain": float(np.mean([bench.psnr(fix[i], clean[i]) for i in fix]) - pb),
            "ceiling": float(np.mean([bench.psnr(case["floor"][i], clean[i]) for i in bad]) - pb),
            "changed": len(changed)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", required=True, help="folder of cached cases (built by --build)")
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--tune", action="store_true", help="--build the tuning set (seed 1, other real clips)")
    ap.add_argument("--footage", default="")
    ap.add_argument("--crf", default="8,20")
    args = ap.parse_args()
    cases = Path(args.cases)
    if args.build:
        build(cases, args.footage, args.tune)
        return
    crfs = [int(c) for c in args.crf.split(",")]
    gains: dict[tuple[str, int], list[float]] = {}
    for p in sorted(cases.glob("*.pkl")):
        with open(p, "rb") as fh:
            case = pickle.load(fh)
        if case["crf"] not in crfs or not case["spans"]:
            continue
        t0 = time.process_time()
        r = run_case(case)
        print(f"{case['suite']:9s} {case['name'][:30]:30s} CRF {case['crf']:2d}: {r['gain']:+.2f} dB "
              f"(clean encode {r['ceiling']:+.2f}), {r['changed']} frames changed, {time.process_time() - t0:.1f} CPU s",
              flush=True)
        gains.setdefault((case["suite"], case["crf"]), []).append(r["gain"])
    for (suite, crf), g in sorted(gains.items()):
        print(f"{suite} CRF {crf}: median {np.median(g):+.2f} [{min(g):+.2f}, {max(g):+.2f}] over {len(g)} repaired")


if __name__ == "__main__":
    main()
