"""Session 10 experiment (reverted in the next commit): how well the segmented region
(``broll/reframe/extent.py``) covers the hand-marked boxes, and the benchmark's totals with it.

    REFRAME_REGION=motion|detail|detail,motion[,agree] RF_USE=widen,path|widen|path,pathfit \
    RF_STAND=3 RF_FLOOR=0.3 .venv/bin/python benchmarks/reframe_region_diag.py --footage DIR OUT.json

Prints the benchmark's table, then one line per marked frame: the region's span against the
marked box (cover = share of the box inside the region, size = region width / box width).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import reframe as bench  # noqa: E402

orig = bench.score_clip


def score(clip, path, samples, fps):
    rows = orig(clip, path, samples, fps)
    w = clip["size"][0]
    for r, mark in zip(rows, clip["boxes"]):
        est = bench._nearest(samples, mark["frame"] / fps).estimate
        r["region"] = None if est.region is None else (est.region[0] * w, est.region[2] * w)
    return rows


bench.score_clip = score
folder = Path(sys.argv[sys.argv.index("--footage") + 1]) if "--footage" in sys.argv else Path("/work/footage")
rows, _ = bench.real(folder)
bench.print_real(rows, False)
have = [r for r in rows if r["region"]]
print(f"region present at {len(have)}/{len(rows)} marked frames")
for r in rows:
    (lo, hi), reg = r["box"], r["region"]
    if reg:
        cover = max(0, min(hi, reg[1]) - max(lo, reg[0])) / (hi - lo)
        print(f"{r['clip'][-30:]:30s} {r['half']} f{r['frame']:4d} {r['cause']:7s} cover {cover:.2f} size {(reg[1] - reg[0]) / (hi - lo):.2f}")
json.dump(rows, open(sys.argv[-1], "w"), default=str)
