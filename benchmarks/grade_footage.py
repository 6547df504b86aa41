"""Real-footage suites for `benchmarks/grade.py` (run by hand; needs a folder of clips, never committed).

The footage folder holds real clips (AI-generated and camera) in any sub-folders. Clips are
split by a hash of their file name into a *tuning* half and a *held-out* half; every figure
is printed for both, so a threshold that only fits the tuning half shows.

Suites, each printing no correction, a grey-world balance, plain per-shot MKL and broll in
the same run (mean CIEDE2000 to the truth over the shot's frames):

  (a) same shot, strong casts: frames 1-6 of a clip get a random generator-like cast of
      8-20 dE00; the reference is the *uncast* last sampled frame (a later moment: camera
      and subjects have moved); the truth is the uncast frames. broll at strength 1.
  (b) look transfer: the reference is a frame of clip A with a look (.cube made by
      broll.testing.looks) applied; the clip is B (other content); the truth is B with the
      same look. A single still, and a look book of 3 stills (clips A1-A3). Default strength.
  (c) do no harm: B with a generator-like cast matched to a plain frame of a different
      clip A (truth: B uncast), and B unchanged matched to A (truth: B, any change is harm).
  spread: 10 differently cast copies of one shot graded to another moment of it (uncast):
      spread of the clip means before/after; and 10 different clips to one reference still.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from broll.grading.color import decode, delta_e00, rgb_to_lab, rgb_to_lab_fast, to_float
from broll.grading.fit import fit_mkl_linear
from broll.grading.lut import apply_lut, read_cube
from broll.grading.metrics import set_spread
from broll.grading.transforms import LinearGains, Transform
from broll.testing.casts import Cast, strong_cast
from broll.testing.looks import LOOKS, write_looks

VIDEO_EXT = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".gif", ".m4v"}
FRAMES = 7            # 6 shot frames + 1 reference moment
WIDTH = 384
EVAL_STRIDE = 5       # every 5th pixel of every shot frame is scored
DEFAULT_FOLDER = os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache" / "broll-footage"))


@dataclass
class Clip:
    name: str
    shot: list[np.ndarray]     # float RGB frames of the "shot"
    later: np.ndarray          # a later moment of the same shot (float RGB)
    half: str                  # "tuning" | "held-out"


def half_of(name: str) -> str:
    return "tuning" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "held-out"


def load_footage(folder: Path, limit: int | None = None) -> list[Clip]:
    cached = os.environ.get("BROLL_FOOTAGE_PICKLE")   # a local decode cache for repeated runs (never committed)
    if cached and Path(cached).is_file():
        import pickle
        stored = pickle.loads(Path(cached).read_bytes())[:limit]
        return [Clip(n, [to_float(f) for f in shot], to_float(later), half_of(n)) for n, shot, later in stored]
    clips = _decode_footage(folder, limit)
    if cached:
        import pickle
        u8 = lambda f: (f * 255).round().astype(np.uint8)  # noqa: E731
        Path(cached).write_bytes(pickle.dumps([(c.name, [u8(f) for f in c.shot], u8(c.later)) for c in clips]))
    return clips


def _decode_footage(folder: Path, limit: int | None = None) -> list[Clip]:
    from broll.media.frames import sample_frames
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_EXT and p.is_file())
    if limit:
        paths = paths[:limit]
    clips = []
    for p in paths:
        try:
            frames = [to_float(f.image) for f in sample_frames(p, FRAMES, width=WIDTH)]
        except Exception as exc:  # a broken download is skipped, not fatal
            print(f"  skipped {p.name}: {exc}")
            continue
        if len(frames) < 4 or max(f.std() for f in frames) < 0.02:
            continue
        clips.append(Clip(p.name, frames[:-1], frames[-1], half_of(p.name)))
    return clips


# -- contenders ---------------------------------------------------------------------------

Fitter = Callable[[list[np.ndarray], list[np.ndarray], float], tuple[Transform | None, dict]]


def _flat(images: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([im.reshape(-1, 3) for im in images])


def fit_none(src, refs, strength):
    return None, {}


def fit_grey_world(src, refs, strength):
    """Grey-world white balance: linear gains that give the clip the reference's mean tint."""
    ms, mr = decode(_flat(src)).mean(axis=0), decode(_flat(refs)).mean(axis=0)
    return LinearGains(gains=(mr / mr.mean()) / (ms / ms.mean())), {}


def fit_plain_mkl(src, refs, strength):
    """Plain per-shot MKL as most tools do it: every pixel, full strength, no safeguards."""
    return fit_mkl_linear(_flat(src), _flat(refs)), {}


def fit_broll(src, refs, strength):
    from broll.grading.match import fit_images, reference_from_images
    fitted = fit_images([(im * 255).round().astype(np.uint8) for im in src],
                        reference_from_images([(im * 255).round().astype(np.uint8) for im in refs]),
                        strength=strength)
    return fitted.transform, fitted.summary()


CONTENDERS: dict[str, Fitter] = {"none": fit_none, "grey-world": fit_grey_world, "plain MKL": fit_plain_mkl,
                                 "broll": fit_broll}


def score(t: Transform | None, src: list[np.ndarray], truth: list[np.ndarray]) -> float:
    s = _flat(src)[::EVAL_STRIDE]
    out = s if t is None else np.clip(t(s), 0, 1)
    return float(np.mean(delta_e00(rgb_to_lab_fast(out), rgb_to_lab_fast(_flat(truth)[::EVAL_STRIDE]))))


def run_pairs(pairs, strength: float) -> dict[str, list[float]]:
    """pairs: (src frames, reference frames, truth frames); returns dE per contender, plus fit info."""
    out: dict[str, list] = {name: [] for name in CONTENDERS}
    out["_info"] = []
    out["_fit_s"] = []
    for src, refs, truth in pairs:
        for name, fitter in CONTENDERS.items():
            t0 = time.perf_counter()
            t, info = fitter(src, refs, strength)
            if name == "broll":
                out["_fit_s"].append(time.perf_counter() - t0)
                out["_info"].append(info)
            out[name].append(score(t, src, truth))
    return out


def _cast(images: list[np.ndarray], cast: Cast) -> list[np.ndarray]:
    return [to_float(cast.apply((im * 255).round().astype(np.uint8))) for im in images]


def _look(images: list[np.ndarray], lut) -> list[np.ndarray]:
    return [np.clip(apply_lut(lut, im.reshape(-1, 3)), 0, 1).reshape(im.shape) for im in images]


def _print_table(title: str, by_half: dict[str, dict[str, list]], *, note: str = "") -> None:
    print(f"\n{title}")
    head = f"{'half':9s} {'n':>4s} " + " ".join(f"{name:>11s}" for name in CONTENDERS)
    print(head + f" {'broll/none':>10s} {'broll/MKL':>9s} {'worse>0.5':>9s} {'broll max':>9s}")
    for half, r in by_half.items():
        if not r["none"]:
            continue
        none, b = np.array(r["none"]), np.array(r["broll"])
        means = " ".join(f"{np.mean(r[name]):11.2f}" for name in CONTENDERS)
        worse = np.mean(b > none + 0.5)
        print(f"{half:9s} {len(none):4d} {means} {b.mean() / none.mean():10.2f} "
              f"{b.mean() / np.mean(r['plain MKL']):9.2f} {100 * worse:8.0f}% {b.max():9.2f}")
    if note:
        print(note)


def _safeguard_tally(by_half: dict[str, dict[str, list]]) -> None:
    from collections import Counter
    for half, r in by_half.items():
        tally = Counter(s for info in r["_info"] for s in info.get("safeguards", []))
        fit = np.array(r["_fit_s"]) if r["_fit_s"] else np.zeros(1)
        print(f"  {half}: safeguards fired {dict(tally) or '-'}; broll fit median {1000 * np.median(fit):.0f} ms "
              f"(p90 {1000 * np.percentile(fit, 90):.0f})")


def suite_a(clips: list[Clip], seed: int = 1, verbose: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    by_half = {"tuning": [], "held-out": []}
    casts = []
    for c in clips:
        cast, dist = strong_cast((c.shot[0] * 255).round().astype(np.uint8), rng)
        casts.append(dist)
        by_half[c.half].append((_cast(c.shot, cast), [c.later], c.shot))
    results = {h: run_pairs(p, 1.0) for h, p in by_half.items()}
    _print_table(f"(a) same shot, strong casts (cast {np.min(casts):.1f}-{np.max(casts):.1f} dE00, median "
                 f"{np.median(casts):.1f}); reference = a later uncast moment; broll strength 1", results,
                 note="targets: broll <= 0.8x plain MKL and <= 1.5 mean")
    _safeguard_tally(results)
    if verbose:
        for half, r in results.items():
            for i, info in enumerate(r["_info"]):
                print(f"    {half} {i:2d} none {r['none'][i]:5.1f} mkl {r['plain MKL'][i]:5.2f} broll {r['broll'][i]:5.2f} {info}")
    return results


def _partners(group: list[Clip], k: int, offset: int) -> list[list[Clip]]:
    n = len(group)
    return [[group[(i + offset + j * 7) % n] for j in range(k)] for i in range(n)]


def suite_b(clips: list[Clip], tmp: Path, book: int = 3, looks: tuple[str, ...] = tuple(LOOKS),
            verbose: bool = False, single: bool = True) -> dict:
    cubes = {name: read_cube(path) for name, path in write_looks(tmp / "looks").items()}
    out = {}
    kinds = (("single still", 1), (f"look book of {book} stills", book))
    for label, k in kinds if single else kinds[1:]:
        by_half, look_of = {}, {}
        for half in ("tuning", "held-out"):
            group = [c for c in clips if c.half == half]
            pairs, names = [], []
            for li, name in enumerate(looks):
                lut = cubes[name]
                for b, partners in zip(group, _partners(group, k, 1 + li)):
                    if any(p is b for p in partners):
                        continue
                    refs = _look([p.later for p in partners], lut)
                    pairs.append((b.shot, refs, _look(b.shot, lut)))
                    names.append(name)
            by_half[half] = run_pairs(pairs, 0.8)
            look_of[half] = names
        _print_table(f"(b) look transfer, {label}: {len(looks)} looks x clips of other content; default strength",
                     by_half, note="targets: single still <= 0.85x none, no clip worse by > 0.5; "
                                   "look book <= 0.6x none")
        _safeguard_tally(by_half)
        _per_look(by_half, look_of)
        out[label] = by_half
    return out


def _per_look(by_half: dict[str, dict[str, list]], look_of: dict[str, list[str]]) -> None:
    """Share of each look's effect recovered (1 - broll / none: 0 is no correction, 1 the whole look)."""
    for half, r in by_half.items():
        names = np.array(look_of[half])
        parts = []
        for name in dict.fromkeys(look_of[half]):
            sel = names == name
            none, b = np.array(r["none"])[sel], np.array(r["broll"])[sel]
            parts.append(f"{name} {100 * (1 - b.mean() / none.mean()):.0f}%")
        print(f"  {half}: look's effect recovered (1 - broll/none) " + ", ".join(parts))


def suite_c(clips: list[Clip], seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for label, casted in (("B with a generator cast -> plain A", True), ("B unchanged -> plain A", False)):
        by_half = {}
        for half in ("tuning", "held-out"):
            group = [c for c in clips if c.half == half]
            pairs = []
            for b, (a,) in zip(group, _partners(group, 1, 3)):
                src = b.shot
                if casted:
                    cast, _ = strong_cast((b.shot[0] * 255).round().astype(np.uint8), rng, lo=3.0, hi=12.0)
                    src = _cast(b.shot, cast)
                pairs.append((src, [a.later], b.shot))
            by_half[half] = run_pairs(pairs, 0.8)
        _print_table(f"(c) do no harm, {label}; default strength", by_half,
                     note="target: no clip worse than none by > 0.5 in >= 95% of pairs")
        _safeguard_tally(by_half)
        out[label] = by_half
    return out


def spread_suite(clips: list[Clip], seed: int = 3) -> None:
    from broll.testing.casts import random_casts
    print("\nSet spread: 10 differently cast copies of one shot graded to a later uncast moment (default strength)")
    print(f"{'half':9s} {'shots':>5s} {'spread before':>14s} {'after':>7s} {'reduction':>10s} (median, min-max over shots)")
    for half in ("tuning", "held-out"):
        group = [c for c in clips if c.half == half][:3]
        reductions, befores, afters = [], [], []
        for c in group:
            means_b, means_a = [], []
            for cast in random_casts(10, seed=seed):
                src = _cast(c.shot, cast)
                t, _ = fit_broll(src, [c.later], 0.8)
                s = _flat(src)[::EVAL_STRIDE * 2]
                means_b.append(rgb_to_lab(s).mean(axis=0))
                means_a.append(rgb_to_lab(np.clip(t(s), 0, 1)).mean(axis=0))
            b, a = set_spread(means_b), set_spread(means_a)
            befores.append(b)
            afters.append(a)
            reductions.append(1 - a / b)
        r = np.array(reductions)
        print(f"{half:9s} {len(group):5d} {np.median(befores):14.2f} {np.median(afters):7.2f} "
              f"{100 * np.median(r):9.0f}% ({100 * r.min():.0f}-{100 * r.max():.0f}%)")
    print("target: spread down >= 60%")
    print("10 different clips (different content), each with a generator cast, graded to one other clip's still:")
    rng = np.random.default_rng(seed)
    for half in ("tuning", "held-out"):
        group = [c for c in clips if c.half == half][:11]
        ref, rest = group[0], group[1:11]
        means_b, means_a = [], []
        for c in rest:
            cast, _ = strong_cast((c.shot[0] * 255).round().astype(np.uint8), rng, lo=3.0, hi=12.0)
            src = _cast(c.shot, cast)
            t, _ = fit_broll(src, [ref.later], 0.8)
            s = _flat(src)[::EVAL_STRIDE * 2]
            means_b.append(rgb_to_lab(s).mean(axis=0))
            means_a.append(rgb_to_lab(np.clip(t(s), 0, 1)).mean(axis=0))
        b, a = set_spread(means_b), set_spread(means_a)
        print(f"  {half}: spread {b:.2f} -> {a:.2f} ({100 * (1 - a / b):.0f}%; content differs, so a mean that "
              "moves little is the do-no-harm outcome)")


def run(folder: str, tmp: Path, *, suites: str = "abcs", limit: int | None = None, verbose: bool = False) -> None:
    path = Path(folder).expanduser()
    if not path.is_dir():
        print(f"\nReal-footage suites skipped: no footage folder at {path} (pass --footage DIR or set BROLL_FOOTAGE)")
        return
    t0 = time.perf_counter()
    clips = load_footage(path, limit)
    halves = {h: sum(c.half == h for c in clips) for h in ("tuning", "held-out")}
    print(f"\nReal footage: {len(clips)} clips from {path} ({halves['tuning']} tuning, {halves['held-out']} held out), "
          f"{FRAMES - 1} shot frames + 1 later moment each at {WIDTH} px; decoded in {time.perf_counter() - t0:.0f} s")
    if "a" in suites:
        suite_a(clips, verbose=verbose)
    if "b" in suites or "B" in suites:     # B: the look book only
        suite_b(clips, tmp, verbose=verbose, single="b" in suites)
    if "c" in suites:
        suite_c(clips)
    if "s" in suites:
        spread_suite(clips)
