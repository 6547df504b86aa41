"""Does a built reel show each real clip in the colours a player shows the clip itself?

    .venv/bin/python benchmarks/build_colour.py --footage /work/footage [--against OLD_TREE]

Takes up to ``--per-kind`` clips of each colour kind from the footage folder (never committed):
SD untagged, SD tagged BT.601, HD untagged, HD tagged BT.709, GIF. Builds one 1080p reel of them
(1 s each from 0.5 s, hard cuts, ``fit: cover``) twice, an SD clip first and an HD clip first,
and scores each item: mean CIEDE2000 between the reel's frame (decoded by the reel's BT.709 label)
and the clip's frame at the same moment (decoded as a player does: by its tag, or untagged by
size, BT.709 from 1280 wide or above 576 lines), both cropped to the reel's 16:9 and shrunk to
96x54. Motion and frame-rate conversion leave a floor of ~1-2; a matrix mix-up adds 3-8 on
saturated content. ``--against`` runs another broll tree (e.g. ``git archive`` of an older
commit) on the same reels in the same run, by ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from grade_footage import DEFAULT_FOLDER  # noqa: E402  (the footage folder every real-footage benchmark reads)

KINDS = ("sd-untagged", "sd-601", "hd-untagged", "hd-709", "gif")
PYAV = {"bt709": "itu709", "bt470bg": "itu601", "smpte170m": "itu601"}


def kind_of(path: Path) -> str | None:
    import av
    try:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            f = next(c.decode(s))
            dur = float(s.duration * s.time_base) if s.duration else float(c.duration or 0) / 1e6
    except Exception:
        return None
    if dur < 1.6:
        return None
    if path.suffix.lower() == ".gif":
        return "gif"
    hd = f.width >= 1280 or f.height > 576
    tag = {1: "709", 5: "601", 6: "601"}.get(int(f.colorspace))
    if tag is None and int(f.colorspace) != 2:
        return None
    return f"{'hd' if hd else 'sd'}-{tag or 'untagged'}" if (tag != "601" or not hd) else None


def frame_at(path: Path, t: float, matrix: str | None):
    import av
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        best = None
        for f in c.decode(s):
            if f.time is None:
                continue
            if best is None or abs(f.time - t) < abs(best.time - t):
                best = f
            if f.time > t + 0.2:
                break
        kw = {"src_colorspace": matrix} if matrix else {}
        return best.reformat(format="rgb24", **kw).to_ndarray()


def player_matrix(path: Path) -> str | None:
    import av
    with av.open(str(path)) as c:
        f = next(c.decode(video=0))
    name = {1: "bt709", 5: "bt470bg", 6: "smpte170m"}.get(int(f.colorspace))
    if name:
        return PYAV[name]
    if f.format.name.startswith(("rgb", "bgr", "pal")):
        return None
    return "itu709" if (f.width >= 1280 or f.height > 576) else "itu601"


def cover_16x9(img: np.ndarray) -> np.ndarray:
    import cv2
    h, w = img.shape[:2]
    if w / h > 16 / 9:
        cw = int(round(h * 16 / 9))
        img = img[:, (w - cw) // 2:(w - cw) // 2 + cw]
    else:
        ch = int(round(w * 9 / 16))
        img = img[(h - ch) // 2:(h - ch) // 2 + ch]
    return cv2.resize(img, (96, 54), interpolation=cv2.INTER_AREA)


def score(reel: Path, clips: list[Path]) -> list[float]:
    from broll.grading.color import delta_e00, rgb_to_lab
    out = []
    for k, clip in enumerate(clips):
        got = cover_16x9(frame_at(reel, k + 0.5, None))
        want = cover_16x9(frame_at(clip, 1.0, player_matrix(clip)))
        de = delta_e00(rgb_to_lab(got.reshape(-1, 3) / 255.0), rgb_to_lab(want.reshape(-1, 3) / 255.0))
        out.append(float(np.mean(de)))
    return out


def build(tree: Path, clips: list[Path], work: Path, name: str) -> Path:
    lines = "".join(f"  - clip: {c}\n    in: 0.5\n    out: 1.5\n" for c in clips)
    edit = work / f"{name}.yaml"
    edit.write_text(f"version: 1\noutput: {name}.mp4\npreset: 16x9-1080p\nloudness: null\n"
                    f"defaults: {{transition: cut, fit: cover}}\ntimeline:\n{lines}")
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run([sys.executable, "-m", "broll", "build", str(edit), "-q"], check=True, env=env, cwd=work)
    return work / f"{name}.mp4"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--footage", default=DEFAULT_FOLDER)
    ap.add_argument("--against", help="another broll tree to run on the same reels")
    ap.add_argument("--per-kind", type=int, default=3)
    args = ap.parse_args()
    if not Path(args.footage).is_dir():
        sys.exit(f"skipped: no footage folder at {args.footage}")
    folder = Path(args.footage)
    picked: dict[str, list[Path]] = {k: [] for k in KINDS}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        kind = kind_of(path)
        if kind in picked and len(picked[kind]) < args.per_kind:
            picked[kind].append(path)
    for kind in KINDS:
        print(f"{kind:12s} {len(picked[kind])}: " + ", ".join(p.name[:40] for p in picked[kind]))
    sd_first = [p for k in KINDS for p in picked[k]]
    hd_first = [p for k in ("hd-709", "hd-untagged", "sd-untagged", "sd-601", "gif") for p in picked[k]]
    kinds = {p: k for k, ps in picked.items() for p in ps}
    trees = [("this", ROOT)] + ([("against", Path(args.against).resolve())] if args.against else [])
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, tree in trees:
            for order, clips in (("sd first", sd_first), ("hd first", hd_first)):
                reel = build(tree, clips, work, f"{label}-{order.replace(' ', '-')}")
                for clip, de in zip(clips, score(reel, clips)):
                    rows.setdefault((label, order, kinds[clip]), []).append(de)
    print(f"\nmean CIEDE2000, reel item vs the clip as a player shows it (median [max] over the clips of a kind)")
    print(f"{'kind':12s} " + " ".join(f"{label + ', ' + order:>22s}" for label, _ in trees for order in ("sd first", "hd first")))
    for kind in KINDS:
        cells = []
        for label, _ in trees:
            for order in ("sd first", "hd first"):
                v = rows.get((label, order, kind), [])
                cells.append(f"{np.median(v):6.2f} [{max(v):5.2f}]" if v else "-")
        print(f"{kind:12s} " + " ".join(f"{c:>22s}" for c in cells))
    print(json.dumps({f"{a}|{b}|{c}": v for (a, b, c), v in rows.items()}))


if __name__ == "__main__":
    main()
