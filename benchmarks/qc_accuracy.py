"""Injection suite for `broll check`: precision and recall per defect class and severity.

Every defect class of ``broll.testing.injection.DEFECTS`` is injected at three strengths (low,
moderate, high) into clean bases (lavfi testsrc2 and mandelbrot; camera moves over scikit-image
photographs: slow pans, zooms, a static shot, a dark scene, a fast pan), re-encoded with x264
(CRF 20) at 320x180, and checked with the given profile. Clean versions (as is and with fades)
measure how often good material is sent to review or regenerate.

Matching: point events (glitch, black, freeze, cut, jump) count as found when a finding of the
class starts and ends within +-2 frames of the injected range; span events (flicker, flash, boil,
blur) when a finding overlaps the range. A strong flicker is also a BT.1702 flash, so flicker
accepts either kind; a pure white flash frame is a near-uniform frame, so glitch accepts black. Precision of a kind = its findings that match an injected event / all its
findings (over injected and clean clips). Boil is not injected into the fast pan (boil is
defined on low-motion regions) and freeze not into the static shot (nothing moves to stall).

Real suite (``--footage DIR``, default ``$BROLL_FOOTAGE`` or ``~/.cache/broll-footage``; skipped
with one line when absent): every clip under DIR (generated and camera footage; the project never
commits any) is judged whole as it is, as ``broll check`` reads it (the clean set; ``--clean-length
cut`` judges its first ``--real-frames`` frames re-encoded instead, as sessions 4-6 did), and decoded at
analysis size, trimmed to ``--real-frames`` frames and re-encoded with one defect injected at moderate
strength per class of
``broll.testing.injection.REAL_DEFECTS``: a thin line (0.5% of the frame), a band, a rectangle, a
white frame, murky degenerate output, a freeze, flicker at 3-6% amplitude, a cut to another real
clip, a patch jump, a focus-blur ramp (Gaussian sigma 2.5 at its peak) and boil (blobby shimmer, new
every frame, sigma 8 over the 12% patch of the picture that changes least; skipped in clips under
24 frames). Clips are split by a hash of their file name into a tuning half and a
held-out half; both are reported. A defect really in a source clip (``REAL_SOURCE_DEFECTS``, checked
frame by frame) is reported on its own line, and that clip is not counted as clean. ``--dump DIR``
writes each clean clip's per-frame signals as CSV (as ``broll check --dump-signals`` does) to find
why a false finding fires.

    .venv/bin/python benchmarks/qc_accuracy.py [--profile default] [--frames 90] [--jobs 2]
    .venv/bin/python benchmarks/qc_accuracy.py --suite real --footage /work/footage [--dump DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

BASES = ("testsrc2", "mandelbrot", "pan:astronaut", "pan:coffee", "zoom:hubble_deep_field",
         "zoom:astronaut", "static:coffee", "dark:chelsea", "fastpan:rocket")
POINT = {"glitch", "black", "freeze", "cut", "jump"}
ACCEPTED = {"flicker": {"flicker", "flash"}, "glitch": {"glitch", "black"}}
# findings that truly describe an injection though it belongs to another class: a strobe's white
# frames are near-uniform frames; a pure white flash frame is a near-uniform ("black/white") frame
ALSO_TRUE = {"flash": {"black", "glitch", "flicker"}, "glitch": {"black"}, "flicker": {"flash"}}
SKIP = {("boil", "fastpan:rocket"), ("freeze", "static:coffee")}
SIGNAL_LEVEL = ("black", "freeze", "flash", "cut", "glitch", "flicker")
AI_LIKE = ("jump", "boil")
TOL = 2


def _job(args):
    base_name, kind, severity, seed, frames, profile, workdir, signal_cache = args
    from broll.qc import analyse
    from broll.testing import injection as inj

    base = inj.base(base_name, frames)
    rng = np.random.default_rng(seed)
    if kind == "clean":
        out, truth = base, None
    elif kind == "fade":
        out, truth = inj.fade(base), None
    else:
        out, truth = inj.DEFECTS[kind](base, rng, severity)
    name = f"{base_name.replace(':', '_')}-{kind}-{severity}-{seed}"
    stored = Path(signal_cache) / f"synthetic-{name}-{frames}-{_signals_key()}.pkl" if signal_cache else None
    if stored is not None and stored.is_file():
        report, _ = _redetect(stored, profile)
    else:
        path = Path(workdir) / f"{name}.mp4"
        inj.encode(path, out)
        report, signals = analyse(path, profile, keep_signals=True)
        if stored is not None:
            _store(stored, path, signals)
        path.unlink()
    findings = [(f.kind, f.start_frame, f.end_frame, f.severity) for f in report.findings if f.severity != "note"]
    return base_name, kind, severity, truth and (truth.kind, truth.start, truth.end), report.verdict, findings


def _matches(truth, finding) -> bool:
    kind, s, e = truth
    fk, fs, fe, _ = finding
    if fk not in ACCEPTED.get(kind, {kind}):
        return False
    if kind in POINT:
        return abs(fs - s) <= TOL and abs(fe - e) <= TOL
    return fs <= e + TOL and s - TOL <= fe


def _describes(truth, finding) -> bool:
    """For precision: the finding reports something that is really there."""
    if _matches(truth, finding):
        return True
    kind, s, e = truth
    fk, fs, fe, _ = finding
    return fk in ALSO_TRUE.get(kind, set()) and fs <= e + TOL and s - TOL <= fe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--suite", choices=("synthetic", "real", "both"), default="both")
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=1, help="injections per base, class and severity")
    ap.add_argument("--verbose", action="store_true", help="list every miss and false finding")
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache" / "broll-footage")),
                    help="folder of real clips for the real suite")
    ap.add_argument("--real-frames", type=int, default=60, help="frames kept from the start of each real clip "
                    "for the injected variants")
    ap.add_argument("--clean-length", choices=("whole", "cut"), default="whole",
                    help="judge each clean real clip whole, as `broll check` does (default), or only its first "
                    "--real-frames frames re-encoded like the injected variants (sessions 4-6)")
    ap.add_argument("--dump", help="write each clean real clip's per-frame signals as CSV into this folder")
    ap.add_argument("--signal-cache", help="keep each clip's signals here and, when the signal code "
                    "is unchanged, re-run only the detectors (threshold tuning in seconds)")
    ap.add_argument("--only", help="real suite: only clips whose name contains this")
    ap.add_argument("--classes", help="real suite: only these variants, comma-separated (clean,murky,...)")
    args = ap.parse_args()
    if args.suite in ("synthetic", "both"):
        synthetic(args)
    if args.suite in ("real", "both"):
        run_real(args)


def synthetic(args) -> None:
    from broll.testing.injection import DEFECTS, SEVERITY_LEVELS

    if args.signal_cache:
        Path(args.signal_cache).mkdir(parents=True, exist_ok=True)
    jobs = []
    with tempfile.TemporaryDirectory() as work:
        for bi, base in enumerate(BASES):
            for clean in ("clean", "fade"):
                jobs.append((base, clean, "-", 0, args.frames, args.profile, work, args.signal_cache))
            for ki, kind in enumerate(DEFECTS):
                if (kind, base) in SKIP:
                    continue
                for si, sev in enumerate(SEVERITY_LEVELS):
                    for seed in range(args.seeds):
                        jobs.append((base, kind, sev, 1000 * bi + 100 * ki + 10 * si + seed, args.frames, args.profile,
                                     work, args.signal_cache))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(_job, jobs, chunksize=2))
        elapsed = time.perf_counter() - t0

    found = defaultdict(lambda: [0, 0])           # (kind, severity) -> [found, total]
    confusion = defaultdict(lambda: defaultdict(int))
    tp = defaultdict(int)
    total = defaultdict(int)
    tp_mod = defaultdict(int)
    total_mod = defaultdict(int)
    clean_verdicts = []
    for base, kind, sev, truth, verdict, findings in results:
        if truth is None:
            clean_verdicts.append((base, kind, verdict, findings))
        else:
            hit = any(_matches(truth, f) for f in findings)
            if args.verbose and not hit:
                print(f"MISS {kind:8s} {sev:8s} {base:24s} truth {truth[1]}-{truth[2]}: {findings}")
            found[(kind, sev)][0] += hit
            found[(kind, sev)][1] += 1
            near = {f[0] for f in findings if f[1] <= truth[2] + TOL and truth[1] - TOL <= f[2]}
            for k in near or {"(nothing)"}:
                confusion[kind][k] += 1
        for f in findings:
            ok = truth is not None and _describes(truth, f)
            if args.verbose and not ok:
                print(f"FALSE {f[0]:8s} in {base} ({kind} {sev}, truth {truth and truth[1:]}): {f}")
            total[f[0]] += 1
            tp[f[0]] += ok
            if sev in ("moderate", "-"):
                total_mod[f[0]] += 1
                tp_mod[f[0]] += ok

    print(f"profile {args.profile}; {len(results)} clips of {args.frames} frames at 320x180, x264 CRF 20; "
          f"{elapsed:.0f} s on {args.jobs} worker(s); load average {os.getloadavg()[0]:.1f}")
    print()
    print(f"{'class':9s} {'recall low':>11s} {'moderate':>9s} {'high':>6s} {'precision':>10s} {'(moderate+clean)':>17s}  reported near the injection")
    kinds = list(DEFECTS)
    for kind in kinds:
        rec = []
        for sev in SEVERITY_LEVELS:
            f, n = found[(kind, sev)]
            rec.append(f"{f}/{n}")
        prec = f"{tp[kind] / total[kind]:.2f}" if total[kind] else "-"
        prec_m = f"{tp_mod[kind] / total_mod[kind]:.2f}" if total_mod[kind] else "-"
        conf = ", ".join(f"{k} {v}" for k, v in sorted(confusion[kind].items(), key=lambda kv: -kv[1]))
        print(f"{kind:9s} {rec[0]:>11s} {rec[1]:>9s} {rec[2]:>6s} {prec:>10s} {prec_m:>17s}  {conf}")
    extra = sorted(k for k in total if k not in DEFECTS)
    for k in extra:
        print(f"{k:9s} {'':>11s} {'':>9s} {'':>6s} {tp[k] / total[k]:10.2f} {'':>17s}  ({total[k]} findings of a kind not injected)")
    print()
    n_clean = len(clean_verdicts)
    regen = [c for c in clean_verdicts if c[2] == "regenerate"]
    review = [c for c in clean_verdicts if c[2] == "review"]
    print(f"clean clips: {n_clean}; regenerate {len(regen)} ({len(regen) / n_clean:.0%}, target <= 5%), "
          f"review {len(review)} ({len(review) / n_clean:.0%}, target <= 10%)")
    for base, kind, verdict, findings in regen + review:
        print(f"  {verdict:10s} {base} ({kind}): {findings}")
    print()

    def rate(kind_list):
        f = sum(found[(k, "moderate")][0] for k in kind_list)
        n = sum(found[(k, "moderate")][1] for k in kind_list)
        return f / n if n else float("nan")
    print("targets at moderate severity:")
    for k in SIGNAL_LEVEL:
        f, n = found[(k, "moderate")]
        p = tp_mod[k] / total_mod[k] if total_mod[k] else float("nan")
        print(f"  {k:8s} recall {f / n:.2f}  precision {p:.2f}  (target >= 0.95 both)")
    for k in AI_LIKE:
        f, n = found[(k, "moderate")]
        print(f"  {k:8s} recall {f / n:.2f}  (target >= 0.8)")



# --- real suite ---------------------------------------------------------------------------

REAL_ACCEPT = {"line": {"glitch"}, "band": {"glitch"}, "rect": {"glitch"}, "white": {"glitch", "black"},
               "murky": {"degenerate"}, "freeze": {"freeze"}, "flicker": {"flicker", "flash"}, "cut": {"cut"},
               "jump": {"jump"}, "blur": {"blur"}, "boil": {"boil"}}
REAL_POINT = {"line", "band", "rect", "white", "freeze", "cut", "jump"}
# defects that are really in a source clip at full length, looked at frame by frame: a finding over
# them is true, and the clip is not counted as clean (name -> (finding kind, first, last frame, what))
REAL_SOURCE_DEFECTS = {
    # frames 229-267: the lower half smeared into vertical stripes and displaced blocks (a damaged
    # stream), the picture held still from 231 (mean |dY| <= 0.34) until it snaps back at 268
    # (mean |dY| 58, flow fails on 95% of the frame)
    "open-mmlab__mmaction2__demo_demo.mp4": ("freeze", 229, 267, "corrupt picture held for 37 frames"),
}
# findings that truly describe the injection though of another kind (precision only)
REAL_ALSO_TRUE = {"murky": {"low_detail", "low_quality", "blank", "blur"}, "flicker": {"flash"},
                  "white": {"black", "glitch"}, "cut": {"jump"}}


def _real_clips(folder: Path, only: str | None) -> list[Path]:
    from broll.testing.injection import REAL_EXTENSIONS

    clips = sorted(p for p in folder.rglob("*") if p.suffix.lower() in REAL_EXTENSIONS and p.is_file())
    return [p for p in clips if not only or only in p.name]


def _split(path: Path) -> str:
    """Tuning or held-out, fixed by the file name (not by order, so adding clips keeps the split)."""
    import hashlib

    return "tuning" if hashlib.sha1(path.name.encode()).digest()[0] % 2 == 0 else "held-out"


def _real_job(args):
    clip, other, index, max_frames, profile, workdir, dump, classes, signal_cache, whole = args
    from broll.qc import analyse
    from broll.testing import injection as inj

    kinds = [k for k in ("clean", *inj.REAL_DEFECTS) if not classes or k in classes.split(",")]
    known = _stored_truths(signal_cache, clip, max_frames)
    cached = known is not None and all(k in known for k in kinds if k != "clean" or not whole)
    if cached and (not whole or "clean" not in kinds or _variant_path(signal_cache, clip, "clean", max_frames, whole).is_file()):
        return clip.name, _real_from_cache(signal_cache, clip, max_frames, kinds, known, profile, dump, whole)
    frames, fps = inj.real_clip(clip, max_frames)
    if len(frames) < 12:
        return clip.name, []
    other_frames, _ = inj.real_clip(other, max_frames)
    out = []
    stem = f"{index:03d}"
    for ci, kind in enumerate(("clean", *inj.REAL_DEFECTS)):
        if classes and kind not in classes.split(","):
            continue
        rng = np.random.default_rng(1000 * index + ci)
        if kind == "clean":
            clip_frames, truth = frames, None
        elif kind == "cut":
            clip_frames, truth = inj.REAL_DEFECTS[kind](frames, rng, "moderate", other=other_frames)
        elif kind in ("freeze", "flicker"):
            clip_frames, truth = inj.REAL_DEFECTS[kind](frames, rng, "moderate", fps=fps)
        else:
            clip_frames, truth = inj.REAL_DEFECTS[kind](frames, rng, "moderate")
        if kind == "boil" and len(frames) < inj.REAL_BOIL_MIN_FRAMES:
            out.append((kind, None, "skipped", [], f"clip too short for boil ({len(frames)} frames)"))
            continue
        if kind == "freeze":
            # a stall where the picture hardly changes anyway is invisible: nothing to find
            s, e = truth.start, truth.end
            change = max(float(np.mean(np.abs(frames[i].astype(np.int16) - frames[s - 1]))) for i in range(s, e + 1))
            if change < 1.0:
                out.append((kind, None, "skipped", [], f"stall invisible (max change {change:.2f})"))
                continue
        stored = _variant_path(signal_cache, clip, kind, max_frames, whole) if signal_cache else None
        if stored is not None and stored.is_file():
            report, signals = _redetect(stored, profile)
        elif kind == "clean" and whole:
            # the clean clip as a user checks it: the original file, every frame, no re-encode
            report, signals = analyse(clip, profile, keep_signals=True)
            if stored is not None:
                _store(stored, clip, signals)
        else:
            path = Path(workdir) / f"{stem}-{kind}.mp4"
            inj.encode(path, clip_frames, fps=fps)
            report, signals = analyse(path, profile, keep_signals=True)
            if stored is not None:
                _store(stored, path, signals)
            path.unlink()
        if dump and kind == "clean":
            from broll.qc.dump import write_signals_csv
            write_signals_csv(signals, Path(dump) / f"{clip.name}.csv")
        findings = [(f.kind, f.start_frame, f.end_frame, f.severity) for f in report.findings if f.severity != "note"]
        notes = [(f.kind, f.start_frame, f.end_frame, f.severity) for f in report.findings if f.severity == "note"]
        if kind == "clean":
            out.append((kind, _source_truth(clip, whole), report.verdict, findings, notes))
            continue
        out.append((kind, truth and (truth.kind, truth.start, truth.end), report.verdict, findings, notes))
    if signal_cache:
        truths = dict(known or {})
        truths.update({v[0]: (None if v[2] == "skipped" or v[0] == "clean" else v[1]) for v in out})
        from broll.atomic import write_text
        write_text(_truths_path(signal_cache, clip, max_frames), json.dumps(truths))
    return clip.name, out


def _truths_path(signal_cache: str, clip: Path, max_frames: int) -> Path:
    return Path(signal_cache) / f"{clip.name}-truths-{max_frames}-{_signals_key()}.json"


def _stored_truths(signal_cache: str | None, clip: Path, max_frames: int) -> dict | None:
    if not signal_cache:
        return None
    path = _truths_path(signal_cache, clip, max_frames)
    return json.loads(path.read_text()) if path.is_file() else None


def _source_truth(clip: Path, whole: bool):
    """A defect really in the source clip, when the clean clip is judged whole (else None)."""
    known = REAL_SOURCE_DEFECTS.get(clip.name) if whole else None
    return (known[0], known[1], known[2]) if known else None


def _variant_path(signal_cache: str, clip: Path, kind: str, max_frames: int, whole: bool) -> Path:
    """Where one variant's signals are kept: the clean clip at full length has its own entry."""
    length = "whole" if kind == "clean" and whole else str(max_frames)
    return Path(signal_cache) / f"{clip.name}-{kind}-{length}-{_signals_key()}.pkl"


def _real_from_cache(signal_cache, clip, max_frames, kinds, known, profile, dump, whole):
    """The variants' reports from stored signals and truths (no decoding, no injection)."""
    out = []
    for kind in kinds:
        stored = _variant_path(signal_cache, clip, kind, max_frames, whole)
        if not stored.is_file():      # a freeze skipped because the stall would be invisible
            out.append((kind, None, "skipped", [], "stall invisible"))
            continue
        report, signals = _redetect(stored, profile)
        if dump and kind == "clean":
            from broll.qc.dump import write_signals_csv
            write_signals_csv(signals, Path(dump) / f"{clip.name}.csv")
        truth = _source_truth(clip, whole) if kind == "clean" else known.get(kind)
        findings = [(f.kind, f.start_frame, f.end_frame, f.severity) for f in report.findings if f.severity != "note"]
        notes = [(f.kind, f.start_frame, f.end_frame, f.severity) for f in report.findings if f.severity == "note"]
        out.append((kind, tuple(truth) if truth else None, report.verdict, findings, notes))
    return out


def _signals_key() -> str:
    """``broll.qc.signals.SIGNALS_VERSION``: bumped whenever a measured value changes, so a stale
    cache is never read."""
    from broll.qc.signals import SIGNALS_VERSION

    return f"s{SIGNALS_VERSION}"


def _store(stored: Path, clip: Path, signals) -> None:
    import pickle

    from broll.atomic import write_bytes
    from broll.media.probe import probe

    write_bytes(stored, pickle.dumps((probe(clip), signals)))


def _redetect(stored: Path, profile):
    """The report from stored signals: the detectors alone, as ``analyse`` runs them."""
    import pickle

    from broll.qc import load_profile
    from broll.qc.detectors import run_detectors
    from broll.qc.report import QCReport, verdict_for

    info, signals = pickle.loads(stored.read_bytes())
    findings, metrics = run_detectors(signals, load_profile(profile), info)
    return QCReport(path=str(stored), verdict=verdict_for(findings), findings=findings, facts={},
                    metrics=metrics, profile=str(profile)), signals


def _real_match(kind: str, truth, finding) -> bool:
    _, s, e = truth
    fk, fs, fe, _ = finding
    if fk not in REAL_ACCEPT[kind]:
        return False
    if kind in REAL_POINT:
        return abs(fs - s) <= TOL and abs(fe - e) <= TOL
    return fs <= e + TOL and s - TOL <= fe


def _real_true(kind: str, truth, finding) -> bool:
    if _real_match(kind, truth, finding):
        return True
    _, s, e = truth
    fk, fs, fe, _ = finding
    if kind == "cut" and fk == "blur":
        return True   # the spliced clip is softer or sharper than the first: blur relative to the clip's median
    return fk in REAL_ALSO_TRUE.get(kind, set()) and fs <= e + TOL and s - TOL <= fe


def run_real(args) -> None:
    from broll.testing.injection import REAL_DEFECTS

    folder = Path(args.footage).expanduser()
    # every clip's seed and cut partner come from its place in the whole folder, so ``--only`` runs
    # the same injections (and reads the same cached signals) as the full suite
    clips = _real_clips(folder, None) if folder.is_dir() else []
    if not clips:
        print(f"real suite skipped: no clips under {folder} (give --footage DIR or set BROLL_FOOTAGE)")
        return
    for folder_arg in (args.dump, args.signal_cache):
        if folder_arg:
            Path(folder_arg).mkdir(parents=True, exist_ok=True)
    jobs = []
    with tempfile.TemporaryDirectory() as work:
        for i, clip in enumerate(clips):
            if args.only and args.only not in clip.name:
                continue
            other = clips[(i + len(clips) // 2) % len(clips)]
            jobs.append((clip, other, i, args.real_frames, args.profile, work, args.dump, args.classes,
                         args.signal_cache, args.clean_length == "whole"))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(_real_job, jobs))
        elapsed = time.perf_counter() - t0
    clean_how = "clean clips whole, as broll check reads them" if args.clean_length == "whole" else "clean clips cut alike"
    print(f"real suite: {sum(1 for _, v in results if v)} clips from {folder} (injected variants: first {args.real_frames} "
          f"frames at analysis size, x264 CRF 20; {clean_how}), profile {args.profile}; {elapsed:.0f} s on {args.jobs} worker(s); "
          f"load average {os.getloadavg()[0]:.1f}")
    report_real(results, verbose=args.verbose)


def report_real(results, *, verbose: bool = False) -> None:
    """Recall per injected class, precision per finding kind, clean verdicts: tuning, held-out, all."""
    from broll.testing.injection import REAL_DEFECTS

    classes = list(REAL_DEFECTS)
    splits = ("tuning", "held-out")
    found = defaultdict(lambda: [0, 0])       # (split, class) -> [found, total]
    tp = defaultdict(int)                     # (split, finding kind) -> true
    total = defaultdict(int)
    clean = {s: [] for s in splits}
    misses, falses, sources = [], [], []
    for name, variants in results:
        split = _split(Path(name))
        for kind, truth, verdict, findings, *rest in variants:
            if verdict == "skipped":
                continue
            if kind == "clean" and truth is not None:      # a defect really in the source clip
                sources.append((split, name, truth, verdict, findings))
                for f in findings:
                    ok = f[1] <= truth[2] + TOL and truth[1] - TOL <= f[2]
                    total[(split, f[0])] += 1
                    tp[(split, f[0])] += ok
                    if not ok:
                        falses.append((split, f[0], name, kind, truth, f))
                continue
            if truth is None:
                clean[split].append((name, verdict, findings))
            else:
                hit = any(_real_match(kind, truth, f) for f in findings)
                found[(split, kind)][0] += hit
                found[(split, kind)][1] += 1
                if not hit:
                    misses.append((split, kind, name, truth, findings))
            for f in findings:
                ok = truth is not None and _real_true(kind, truth, f)
                total[(split, f[0])] += 1
                tp[(split, f[0])] += ok
                if not ok:
                    falses.append((split, f[0], name, kind, truth, f))
    print()
    print(f"{'class':8s} " + " ".join(f"{'recall ' + s:>16s}" for s in (*splits, "all")))
    for k in classes:
        cells = []
        for group in ((splits[0],), (splits[1],), splits):
            f = sum(found[(s, k)][0] for s in group)
            n = sum(found[(s, k)][1] for s in group)
            cells.append(f"{f}/{n} {f / n:.2f}" if n else "-")
        print(f"{k:8s} " + " ".join(f"{c:>16s}" for c in cells))
    print()
    kinds = sorted({k for _, k in total})
    print(f"{'finding':11s} " + " ".join(f"{'precision ' + s:>19s}" for s in (*splits, "all")))
    for k in kinds:
        cells = []
        for group in ((splits[0],), (splits[1],), splits):
            t = sum(tp[(s, k)] for s in group)
            n = sum(total[(s, k)] for s in group)
            cells.append(f"{t}/{n} {t / n:.2f}" if n else "-")
        print(f"{k:11s} " + " ".join(f"{c:>19s}" for c in cells))
    print()
    for group, label in (((splits[0],), splits[0]), ((splits[1],), splits[1]), (splits, "all")):
        rows = [c for s in group for c in clean[s]]
        regen = sum(v == "regenerate" for _, v, _ in rows)
        review = sum(v == "review" for _, v, _ in rows)
        print(f"clean real clips ({label}): {len(rows)}; regenerate {regen} ({regen / max(1, len(rows)):.0%}, target 0%), "
              f"review {review} ({review / max(1, len(rows)):.0%}, target <= 5%)")
    for s in splits:
        for name, verdict, findings in clean[s]:
            if verdict != "pass":
                print(f"  {s:8s} {verdict:10s} {name}: {findings}")
    for split, name, truth, verdict, findings in sources:
        hit = any(f[0] == truth[0] and f[1] <= truth[2] + TOL and truth[1] - TOL <= f[2] for f in findings)
        print(f"source defect ({split}) {name} frames {truth[1]}-{truth[2]} ({REAL_SOURCE_DEFECTS[name][3]}): "
              f"{'found' if hit else 'MISSED'}, verdict {verdict}: {findings}")
    if verbose:
        print()
        for split, kind, name, truth, findings in misses:
            print(f"MISS  {split:8s} {kind:7s} {name} truth {truth[1]}-{truth[2]}: {findings}")
        for split, fk, name, kind, truth, f in falses:
            print(f"FALSE {split:8s} {fk:10s} {name} ({kind}, truth {truth and truth[1:]}): {f}")


if __name__ == "__main__":
    sys.exit(main())
