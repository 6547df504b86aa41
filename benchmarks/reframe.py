"""Subject-aware reframing: does the 9:16 crop keep the subject, and what does the analysis cost?

Three parts, each printed as a table:

* synthetic: the scenes of ``broll.testing.reframe_scenes`` (busy zooming, panning, rolling
  backgrounds, distractors, a subject that stops and restarts, still subjects): share of frames
  with the subject wholly inside the ``reels`` crop, against a centre crop; path jerk (mean
  absolute third difference of the crop centre, source px/frame^3) against a static centre
  crop's (0) on the still-subject scenes.
* real: hand-marked subject boxes (``reframe_boxes.json`` beside this file) on clips of the
  footage folder; marked centre inside the crop, and the whole box inside, for the ``tune``
  and ``held`` halves of the clips (split by a hash of the clip's path) and for all.
  ``--dump`` prints every marked frame with the cause of a miss: ``wrong`` (the tracker is on
  something else), ``extent`` (the tracked body is inside, the marked box is wider), ``lag``
  (the tracked body is on the box, the window did not reach it), ``wider`` (no window holds it).
  A box wider than the window counts as a whole-box miss (only the blurred fill shows it whole);
  the table also gives the figures for the boxes that fit, and for the wider ones how often the
  window is filled by the subject (lies inside the box: as much of it as a crop can hold).
  A clip the analysis sends to the blurred-fill fallback shows the whole picture, so its
  boxes count as inside; the table says how many did.
* cost (``--cost``): ``broll export --preset reels`` of a 1080p clip, ``--reframe subject``
  against ``--reframe center``, alternating, several rounds: median and spread of wall time.

    .venv/bin/python benchmarks/reframe.py [--footage DIR] [--dump] [--size 640x360] [--cost --rounds 5]

The footage folder defaults to $BROLL_FOOTAGE or ~/.cache/broll-footage; when it is absent
the real part is skipped with a note.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from broll.reframe.analyse import path_from_samples, track_subject
from broll.reframe.path import crop_geometry
from broll.reframe.smooth import jerk
from broll.testing.reframe_scenes import SCENES, WIDE_SUBJECT, make_scene_clip, whole_inside

REELS = (1080, 1920)
BOXES = Path(__file__).with_name("reframe_boxes.json")


def synthetic(size: tuple[int, int], work: Path) -> list[dict]:
    rows = []
    for name, scene in {**SCENES, WIDE_SUBJECT.name: WIDE_SUBJECT}.items():
        clip = make_scene_clip(scene, work / f"{name}.mp4", size=size)
        t0 = time.perf_counter()
        samples, cuts = track_subject(clip.path)
        g = crop_geometry(*size, *REELS)
        path = path_from_samples(samples, cuts, g)
        took = time.perf_counter() - t0
        n = len(clip.boxes)
        offsets = np.array([path.offset_at(i / clip.fps) for i in range(n)])
        sizes = np.array([path.size_at(i / clip.fps) for i in range(n)])
        fallback = path.strategy != "subject"
        b = np.asarray(clip.boxes, float)
        inside = 1.0 if fallback else float(((offsets <= b[:, 0] + 0.5) & (b[:, 2] - 0.5 <= offsets + sizes)).mean())
        centre = float(whole_inside(clip.boxes, np.full(n, g.travel / 2), g.crop_w).mean())
        rows.append({"case": name, "inside": inside, "centre_crop": centre, "strategy": path.strategy,
                     "confidence": path.confidence, "jerk": jerk(offsets + g.crop_w / 2),
                     "static": scene.static_subject, "analysis_s": took, "frames": n,
                     "widened": float((sizes > g.crop_w + 0.5).mean())})
    return rows


def _footage_file(folder: Path, clip: dict) -> Path | None:
    name = f'{clip["repo"].replace("/", "__")}__{clip["path"].replace("/", "_")}'
    for cand in folder.rglob(name):
        if hashlib.sha256(cand.read_bytes()).hexdigest() == clip["sha256"]:
            return cand
    return None


def half_of(clip_path: str) -> str:
    """``tune`` or ``held``: a fixed split of the marked clips by a hash of their path, so that
    thresholds chosen while looking at one half can be checked on the other."""
    return "tune" if int(hashlib.sha256(clip_path.encode()).hexdigest(), 16) % 2 == 0 else "held"


def _nearest(samples, t: float):
    return min(samples, key=lambda s: abs(s.time - t))


def score_clip(clip: dict, path, samples, fps: float) -> list[dict]:
    """One row per marked frame: inside or not, and why not (``cause``)."""
    w, h = clip["size"]
    g = path.geometry
    fallback = path.strategy != "subject"
    rows = []
    for mark in clip["boxes"]:
        x0, y0, x1, y1 = mark["box"]
        t = mark["frame"] / fps
        off = path.offset_at(t) if g.axis else 0.0
        lo, hi = (x0, x1) if g.axis != "y" else (y0, y1)
        c = (lo + hi) / 2
        win = path.size_at(t) if g.axis else 1e9        # wider than the aspect where the path widens
        widened = bool(g.axis) and win > g.window + 0.5
        span = w if g.axis != "y" else h
        centre_in = fallback or (off <= c <= off + win)
        whole_in = fallback or (off <= lo + 0.5 and hi - 0.5 <= off + win)
        # a box wider than the window cannot be whole in a crop; the best a crop can do is to be
        # filled by it (the window inside the box: as much subject as fits, no background)
        fill = fallback or (lo - 0.5 <= off and off + win <= hi + 0.5)
        mid = g.travel / 2
        est = _nearest(samples, t).estimate
        axis = "y" if g.axis == "y" else "x"
        blo, bhi = est.span(axis)
        tc, th = (blo + bhi) / 2 * span, (bhi - blo) / 2 * span
        if fallback:
            cause = "fallback"
        elif whole_in:
            cause = "ok"
        elif hi - lo > win:
            cause = "wider"            # the window (widened or not) is narrower than the box
        elif est.confidence < 0.15 or not (lo <= tc <= hi):
            cause = "wrong"            # the tracker is elsewhere (or nowhere) at this frame
        elif off <= tc - th and tc + th <= off + win:
            cause = "extent"           # the tracked body is in, the marked box is wider than it
        else:
            cause = "lag"              # the tracked body is on the box, the window did not reach it
        rows.append({"clip": clip["path"], "kind": clip["kind"], "subject": clip["subject"],
                     "half": half_of(clip["path"]), "frame": mark["frame"], "t": t,
                     "box": (lo, hi), "window": (off, off + win), "tracked": (tc, th, est.confidence),
                     "centre_in": centre_in, "whole_in": whole_in, "fill": fill, "cause": cause,
                     "miss_px": max(0.0, off - lo, hi - (off + win)),
                     "centre_crop_whole": mid <= lo + 0.5 and hi - 0.5 <= mid + g.window,
                     "fits": (hi - lo) <= g.window, "widened": widened, "size": win,
                     "strategy": path.strategy, "confidence": path.confidence})
    return rows


def real(folder: Path) -> tuple[list[dict], list[str]]:
    from broll.media.probe import probe
    doc = json.loads(BOXES.read_text())
    rows, missing = [], []
    for clip in doc["clips"]:
        f = _footage_file(folder, clip)
        if f is None:
            missing.append(clip["path"])
            continue
        g = crop_geometry(*clip["size"], *REELS)
        samples, cuts = track_subject(f)
        path = path_from_samples(samples, cuts, g)
        rows += score_clip(clip, path, samples, float(probe(f).fps or 25))
    return rows, missing


def print_real(rows: list[dict], dump: bool) -> None:
    from broll.reframe.cues import detectors_available
    print(f"\nreal footage: {len({r['clip'] for r in rows})} clips, {len(rows)} marked frames; "
          f"detectors: {', '.join(detectors_available()) or 'none (model-free)'}")
    print(f"{'clip':48s} {'half':4s} {'centre in':>9s} {'whole in':>8s} {'ctr crop':>8s} conf  strategy")
    for clip in dict.fromkeys(r["clip"] for r in rows):
        rs = [r for r in rows if r["clip"] == clip]
        print(f"{clip[-48:]:48s} {rs[0]['half']:4s} {np.mean([r['centre_in'] for r in rs]):9.0%} "
              f"{np.mean([r['whole_in'] for r in rs]):8.0%} "
              f"{np.mean([r['centre_crop_whole'] for r in rs]):8.0%} {rs[0]['confidence']:.2f}  "
              f"{rs[0]['strategy']}")
        if dump:
            for r in rs:
                (lo, hi), (a, b), (tc, th, tconf) = r["box"], r["window"], r["tracked"]
                print(f"    frame {r['frame']:4d}  box {lo:6.0f}-{hi:<6.0f} window {a:6.0f}-{b:<6.0f} "
                      f"tracked {tc:6.0f}+-{th:<4.0f} c{tconf:.2f}  {r['cause']:8s}"
                      + (f" short by {r['miss_px']:.0f} px" if r["miss_px"] >= 0.5 else "")
                      + (f" widened to {r['size']:.0f} px" if r["widened"] else ""))
    for half in ("tune", "held", "all"):
        rs = [r for r in rows if half == "all" or r["half"] == half]
        if not rs:
            continue
        fb = sum(1 for c in dict.fromkeys(r["clip"] for r in rs)
                 if next(r for r in rs if r["clip"] == c)["strategy"] != "subject")
        causes = {k: sum(r["cause"] == k for r in rs) for k in ("wider", "wrong", "extent", "lag", "fallback")}
        fit = [r for r in rs if r["fits"]]
        wide = [r for r in rs if not r["fits"]]
        print(f"{half.upper():4s} ({len({r['clip'] for r in rs})} clips, {len(rs)} frames): centre inside "
              f"{np.mean([r['centre_in'] for r in rs]):.1%}, whole box inside {np.mean([r['whole_in'] for r in rs]):.1%}"
              f" (centre crop: whole {np.mean([r['centre_crop_whole'] for r in rs]):.1%}); fallback clips {fb}; "
              + ", ".join(f"{k} {v}" for k, v in causes.items())
              + f"; widened window at {sum(r['widened'] for r in rs)} marked frames"
              f" ({sum(r['widened'] and r['fits'] for r in rs)} of them boxes that fit the 9:16 window)")
        if wide:
            print(f"     boxes that fit the window ({len(fit)} frames): centre inside "
                  f"{np.mean([r['centre_in'] for r in fit]):.1%}, whole box inside {np.mean([r['whole_in'] for r in fit]):.1%}; "
                  f"wider than the window ({len(wide)} frames): centre inside {np.mean([r['centre_in'] for r in wide]):.1%}, "
                  f"window filled by the subject {np.mean([r['fill'] for r in wide]):.1%}")


def cost(rounds: int, work: Path, seconds: float, scene: str = "issue-zoom") -> dict:
    """Paired wall times of ``broll export --preset reels`` with subject and centre reframing
    (``scene="wide-subject"``: a 4 s clip whose subject window is widened, the costlier graph)."""
    if scene == WIDE_SUBJECT.name:
        seconds = WIDE_SUBJECT.duration
    clip = make_scene_clip(WIDE_SUBJECT if scene == WIDE_SUBJECT.name else scene, work / "cost-1080p.mp4",
                           size=(1920, 1080), fps=30).path if seconds <= 4 else None
    if clip is None:
        from broll.testing.reframe_scenes import Scene
        base = SCENES["issue-zoom"]
        long = Scene("issue-zoom-long", seconds, lambda t: 0.12 + 0.76 * t / seconds, base.subject_y,
                     zoom=lambda t: 1.0 + 0.6 * t / seconds)
        clip = make_scene_clip(long, work / "cost-1080p.mp4", size=(1920, 1080), fps=30).path
    times: dict[str, list[float]] = {"subject": [], "center": []}
    for r in range(rounds):
        order = ("subject", "center") if r % 2 == 0 else ("center", "subject")
        for mode in order:
            out = work / f"out-{mode}"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from broll.cli import run; run()", "export", str(clip), "-p", "reels", "-o", str(out),
                            "--reframe", mode, "--json"], check=True, stdout=subprocess.DEVNULL)
            times[mode].append(time.perf_counter() - t0)
    ratios = [s / c for s, c in zip(times["subject"], times["center"])]
    return {"times": times, "ratios": ratios, "load": os.getloadavg()}


def figure(target: Path, work: Path, scene_name: str = "issue-zoom") -> None:
    """Before/after: three frames, in red the centre crop (``issue-zoom``) or the plain subject
    crop (``wide-subject``), in green the subject window (widened where the subject is wider)."""
    import cv2

    from broll.reframe.analyse import path_from_samples, subject_path
    from broll.testing.reframe_scenes import render_frames
    size = (640, 360)
    scene = WIDE_SUBJECT if scene_name == WIDE_SUBJECT.name else SCENES[scene_name]
    clip = make_scene_clip(scene, work / "figure.mp4", size=size)
    path = subject_path(clip.path, REELS)
    g = path.geometry
    plain = None
    if scene is WIDE_SUBJECT:
        samples, cuts = track_subject(clip.path)
        plain = path_from_samples(samples, cuts, g, widen=False)
    frames = [f for f, _ in render_frames(scene, size)]
    tiles = []
    for i in (15, 60, 105):
        im = frames[i].copy()
        t = i / clip.fps
        before = g.travel // 2 if plain is None else int(round(plain.offset_at(t)))
        off, width = int(round(path.offset_at(t))), int(round(path.size_at(t)))
        cv2.rectangle(im, (before, 2), (before + g.crop_w, size[1] - 3), (0, 0, 230), 3)
        cv2.rectangle(im, (off, 6), (off + width, size[1] - 7), (0, 200, 0), 3)
        cv2.putText(im, f"t={i / clip.fps:.1f}s", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 0, 255), 2)
        tiles.append(cv2.copyMakeBorder(im, 0, 0, 0, 6, cv2.BORDER_CONSTANT, value=(255, 255, 255)))
    cv2.imwrite(str(target), np.hstack(tiles)[:, :-6], [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", "~/.cache/broll-footage"))
    ap.add_argument("--size", default="640x360", help="synthetic clip size")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--dump", action="store_true", help="real footage: one line per marked frame, with the cause of a miss")
    ap.add_argument("--cost", action="store_true", help="also time a 1080p reels export, subject vs center")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0, help="length of the 1080p clip for --cost")
    ap.add_argument("--cost-scene", default="issue-zoom", help="--cost clip: issue-zoom or wide-subject (widened window)")
    ap.add_argument("--figure", help="write the docs' before/after PNG here and stop")
    ap.add_argument("--figure-scene", default="issue-zoom", help="issue-zoom or wide-subject")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="broll-reframe-bench-") as tmp:
        work = Path(tmp)
        if args.figure:
            figure(Path(args.figure), work, args.figure_scene)
            return
        if not args.skip_synthetic:
            print(f"synthetic scenes at {size[0]}x{size[1]}, reels crop (9:16); load {os.getloadavg()[0]:.1f}")
            print(f"{'case':14s} {'whole in':>9s} {'centre crop':>11s} {'jerk':>7s} {'conf':>5s} strategy  analysis")
            for r in synthetic(size, work):
                print(f"{r['case']:14s} {r['inside']:9.1%} {r['centre_crop']:11.1%} {r['jerk']:7.3f} "
                      f"{r['confidence']:5.2f} {r['strategy']:9s} {r['analysis_s']:.2f} s / {r['frames']} frames"
                      + (f"   widened {r['widened']:.0%} of frames" if r["widened"] else "")
                      + ("   (still subject: centre crop jerk 0.000)" if r["static"] else ""))
        if not args.skip_real:
            folder = Path(args.footage).expanduser()
            if not folder.is_dir():
                print(f"real footage: skipped ({folder} not found; pass --footage DIR or set BROLL_FOOTAGE)")
            else:
                rows, missing = real(folder)
                if missing:
                    print(f"real footage: {len(missing)} marked clip(s) not in {folder}: {', '.join(missing)}")
                if rows:
                    print_real(rows, args.dump)
        if args.cost:
            res = cost(args.rounds, work, args.seconds, args.cost_scene)
            s, c, q = res["times"]["subject"], res["times"]["center"], res["ratios"]
            print(f"\ncost: 1080p30 {args.cost_scene} clip ({args.seconds:g} s unless wide-subject: 4 s), broll export "
                  f"--preset reels, {args.rounds} rounds alternating")
            print(f"  subject: median {statistics.median(s):.2f} s (min {min(s):.2f}, max {max(s):.2f})")
            print(f"  center:  median {statistics.median(c):.2f} s (min {min(c):.2f}, max {max(c):.2f})")
            print(f"  subject/center per round: median {statistics.median(q):.3f} (min {min(q):.3f}, max {max(q):.3f})"
                  f"; load average {res['load'][0]:.1f} {res['load'][1]:.1f} {res['load'][2]:.1f}")


if __name__ == "__main__":
    main()
