"""Benchmark `broll grade` on a synthetic cast suite, beside plain Reinhard and MKL baselines.

Run by hand (not in CI), once: `.venv/bin/python benchmarks/grade.py [--quick] [--footage DIR]`.
The real-footage suites (same shot under strong casts, look transfer, do no harm, set spread)
live in `benchmarks/grade_footage.py`: `--real-only abcs --footage /path/to/clips`.
Needs scikit-image (test extra) for the bundled photographs. Prints:

  S1  same framing: cast photo -> its own original; mean / p95 CIEDE2000 to the un-cast truth
  S2  different content: right 65% of the cast copy matched to the left 65% of the original
      (and the mirror pair); mean, and the share of pairs made worse than doing nothing by > 0.5
  G3  spread of clip means across 10 differently cast clips of one scene, before/after
  G6  33-point .cube through FFmpeg vs the direct transform (16-bit path; 8-bit for reference)
  G7  fit time per clip (1080p clip, 12 sampled frames) and apply overhead in a 1080p encode
  J   jitter: one transform per shot vs a fit per frame

Baselines ("plain") are the closed-form methods applied as most tools do: no robust pixel
selection, no safeguards, no cap. Timings are best-of-N and taken on a shared 2-core machine.
It also writes docs/img/grade-before-after.png (a contact sheet of three graded clips).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# this tree's own broll is measured whatever PYTHONPATH says: to time another version, run that
# tree's copy of this script (e.g. from a `git archive` of it); the header names the code measured
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from broll.libwarnings import quiet_library_warnings  # noqa: E402

quiet_library_warnings()

from broll.grading import match  # noqa: E402
from broll.testing.casts import STANDARD_CASTS, random_casts  # noqa: E402
from broll.grading.color import delta_e00, rgb_to_lab, to_float  # noqa: E402
from broll.grading.fit import fit_mkl_linear, fit_reinhard, fit_shot  # noqa: E402
from broll.grading.lut import bake, shot_filter, write_cube  # noqa: E402
from broll.grading.metrics import jitter, set_spread  # noqa: E402
from broll.grading.pixels import pool  # noqa: E402
from broll.grading.transforms import Graded, apply_image  # noqa: E402
from broll.media.ffmpeg import run_ffmpeg  # noqa: E402
from broll.media.frames import read_image  # noqa: E402
from broll.testing.stillclip import clip_from_image  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle")
FIT_WIDTH = 384


def photo(name: str, width: int = FIT_WIDTH) -> np.ndarray:
    import cv2
    import skimage.data
    img = skimage.data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(skimage.data, name)()
    h = int(round(img.shape[0] * width / img.shape[1]))
    return cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)


def save_png(image: np.ndarray, path: Path) -> Path:
    import cv2
    cv2.imwrite(str(path), np.ascontiguousarray(image[..., ::-1]))
    return path


def de(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return delta_e00(rgb_to_lab(to_float(a)), rgb_to_lab(to_float(b)))


def plain(fitter):
    """A baseline: the closed-form method on every pixel, full strength, no safeguards."""
    def run(src, ref):
        t = fitter(to_float(src).reshape(-1, 3), to_float(ref).reshape(-1, 3))
        return Graded(t, 1.0).core
    return run


def broll_method(strength: float):
    def run(src, ref):
        from broll.grading.match import fit_images, reference_from_images
        return fit_images([src], reference_from_images([ref]), strength=strength).transform
    return run


CONTENDERS = {
    "plain Reinhard (CIELAB)": plain(fit_reinhard),
    "plain MKL (RGB)": plain(fit_mkl_linear),
    "broll mkl, strength 1.0": broll_method(1.0),
    "broll mkl, strength 0.8 (default)": broll_method(0.8),
}


def apply(t, image):
    return np.clip(apply_image(t, to_float(image)), 0, 1)


def suite() -> dict:
    rows = {name: {"s1": [], "s1p95": [], "s2": [], "s2_before": [], "fit": []} for name in CONTENDERS}
    s1_before = []
    for name in PHOTOS:
        truth = photo(name)
        w = truth.shape[1]
        k = int(w * 0.65)
        for cast in STANDARD_CASTS:
            src = cast.apply(truth)
            s1_before.append(de(src, truth).mean())
            s2_pairs = [(src[:, w - k:], truth[:, w - k:], truth[:, :k]), (src[:, :k], truth[:, :k], truth[:, w - k:])]
            for cname, fitter in CONTENDERS.items():
                t0 = time.perf_counter()
                t = fitter(src, truth)
                rows[cname]["fit"].append(time.perf_counter() - t0)
                err = de(apply(t, src), truth)
                rows[cname]["s1"].append(err.mean())
                rows[cname]["s1p95"].append(np.percentile(err, 95))
                for s, tru, ref in s2_pairs:
                    rows[cname]["s2_before"].append(de(s, tru).mean())
                    rows[cname]["s2"].append(de(apply(fitter(s, ref), s), tru).mean())
    print(f"\nCast suite: {len(PHOTOS)} photographs x {len(STANDARD_CASTS)} casts at {FIT_WIDTH} px "
          f"(S1 {len(rows['plain MKL (RGB)']['s1'])} pairs, S2 {len(rows['plain MKL (RGB)']['s2'])} pairs)")
    print(f"{'method':36s} {'S1 mean':>8s} {'S1 p95':>7s} {'S2 mean':>8s} {'S2 worse>0.5':>13s} {'fit ms':>7s}")
    print(f"{'no correction':36s} {np.mean(s1_before):8.2f} {'':>7s} {np.mean(rows['plain MKL (RGB)']['s2_before']):8.2f} {'0%':>13s}")
    for cname, r in rows.items():
        worse = np.mean(np.array(r["s2"]) > np.array(r["s2_before"]) + 0.5)
        print(f"{cname:36s} {np.mean(r['s1']):8.2f} {np.mean(r['s1p95']):7.2f} {np.mean(r['s2']):8.2f} "
              f"{100 * worse:12.0f}% {1000 * np.median(r['fit']):7.0f}")
    print("targets: S1 mean <= 1.0, p95 <= 2.2 (strength 1.0); S2 worse>0.5 in <= 10% of pairs")
    return rows


def spread() -> None:
    print("\nSet consistency: 10 differently cast copies of one photograph, graded to the original")
    print(f"{'photo':12s} {'spread before':>14s} {'after (0.8)':>12s} {'after (1.0)':>12s} {'reduction (0.8)':>16s} {'to ref (0.8)':>13s}")
    reductions = []
    for name in PHOTOS:
        truth = photo(name)
        clips = [c.apply(truth) for c in random_casts(10, seed=3)]
        ref = pool([truth])
        ref_mean = rgb_to_lab(ref.rgb).mean(axis=0)
        means = {0.0: [], 0.8: [], 1.0: []}
        for clip in clips:
            p = pool([clip])
            means[0.0].append(rgb_to_lab(p.rgb).mean(axis=0))
            for s in (0.8, 1.0):
                means[s].append(rgb_to_lab(broll_method(s)(clip, truth)(p.rgb)).mean(axis=0))
        b, a8, a10 = set_spread(means[0.0]), set_spread(means[0.8]), set_spread(means[1.0])
        to_ref = float(np.mean(delta_e00(np.array(means[0.8]), ref_mean[None])))
        reductions.append(1 - a8 / b)
        print(f"{name:12s} {b:14.2f} {a8:12.2f} {a10:12.2f} {100 * (1 - a8 / b):15.0f}% {to_ref:13.2f}")
    print(f"mean reduction at the default strength: {100 * np.mean(reductions):.0f}% (target >= 50%)")


def lut_fidelity(tmp: Path) -> None:
    print("\nBaked 33-point .cube through FFmpeg (format=gbrp16le,lut3d tetrahedral) vs the direct transform")
    e16, p16, e8, q8 = [], [], [], []
    for name in PHOTOS:
        truth = photo(name)
        for i, cast in enumerate(STANDARD_CASTS):
            src = cast.apply(truth)
            t = broll_method(1.0)(src, truth)
            cube = write_cube(bake(t), tmp / f"{name}{i}.cube")
            direct = apply_image(t, to_float(src))
            src16 = save_png(src.astype(np.uint16) * 257, tmp / "src16.png")
            run_ffmpeg(["-y", "-i", str(src16), "-vf", shot_filter([(cube, None, None)]) + ",format=rgb48be",
                        "-frames:v", "1", "-update", "1", str(tmp / "o16.png")])
            out16 = to_float(read_image(tmp / "o16.png", fmt="rgb48le"))
            err = delta_e00(rgb_to_lab(out16), rgb_to_lab(direct))
            e16.append(err.mean())
            p16.append(np.percentile(err, 95))
            run_ffmpeg(["-y", "-i", str(src16), "-vf", shot_filter([(cube, None, None)]) + ",format=rgb24",
                        "-frames:v", "1", "-update", "1", str(tmp / "o8.png")])
            e8.append(delta_e00(rgb_to_lab(to_float(read_image(tmp / "o8.png"))), rgb_to_lab(direct)).mean())
            q8.append(delta_e00(rgb_to_lab(np.round(direct * 255) / 255), rgb_to_lab(direct)).mean())
    print(f"16-bit output: mean {np.mean(e16):.3f}, p95 {np.mean(p16):.3f} dE00 (target <= 0.15 / 0.6)")
    print(f" 8-bit output: mean {np.mean(e8):.3f} dE00, of which 8-bit rounding alone {np.mean(q8):.3f}")


def yuv_fidelity(tmp: Path) -> None:
    """The YUV stand-in through FFmpeg on 8-bit 4:2:0 video, beside the exact LUT in the same setting."""
    from broll.grading.yuvfast import MAX_MEAN_DE, MAX_P95_DE, fit_chain
    print("\nYUV stand-in (lutyuv/hue/colorcorrect on 8-bit yuv420p) vs the direct transform, through FFmpeg;")
    print("the exact LUT path on the same 8-bit yuv420p source and output for comparison (strength 0.8)")
    fast_mean, fast_p95, exact_mean, usable, total = [], [], [], 0, 0
    for name in PHOTOS:
        truth = photo(name)
        for cast in list(STANDARD_CASTS) + random_casts(3, seed=3):
            src = save_png(cast.apply(truth), tmp / "yf.png")
            # what the decoder holds: the cast picture as 8-bit 4:2:0 (BT.601, untagged), back in RGB
            run_ffmpeg(["-y", "-i", str(src), "-vf", "format=yuv420p,format=rgb24", "-frames:v", "1", "-update", "1",
                        str(tmp / "yf-src.png")])
            seen = to_float(read_image(tmp / "yf-src.png"))
            t = broll_method(0.8)(cast.apply(truth), truth)
            direct = rgb_to_lab(apply_image(t, seen))
            fast = fit_chain(t, pool([cast.apply(truth)]).rgb, "bt601")
            total += 1
            usable += fast.usable
            for chain, bucket in ((fast.chain.ffmpeg_filter(), "fast"),
                                  (shot_filter([(write_cube(bake(t), tmp / "yf.cube"), None, None)]), "exact")):
                run_ffmpeg(["-y", "-i", str(src), "-vf", f"format=yuv420p,{chain},format=yuv420p,format=rgb24",
                            "-frames:v", "1", "-update", "1", str(tmp / "yf-out.png")])
                err = delta_e00(rgb_to_lab(to_float(read_image(tmp / "yf-out.png"))), direct)
                if bucket == "fast":
                    fast_mean.append(err.mean())
                    fast_p95.append(np.percentile(err, 95))
                else:
                    exact_mean.append(err.mean())
    fm, fp = np.array(fast_mean), np.array(fast_p95)
    print(f"stand-in: mean {fm.mean():.2f}, p95 {fp.mean():.2f} dE00 (worst shot {fm.max():.2f} / {fp.max():.2f}); "
          f"exact LUT, same 8-bit path: mean {np.mean(exact_mean):.2f}")
    print(f"shots within the gate (mean <= {MAX_MEAN_DE}, p95 <= {MAX_P95_DE} on the shot's own pixels): "
          f"{usable} of {total}")


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def speed(tmp: Path, quick: bool) -> None:
    print("\nSpeed at 1920x1080 (best of N; shared 2-core machine under load)")
    truth = photo("coffee", 1920)
    save_png(truth, tmp / "ref1080.png")
    save_png(STANDARD_CASTS[0].apply(truth), tmp / "cast1080.png")
    duration = 2.0 if quick else 4.0
    clip = clip_from_image(tmp / "cast1080.png", tmp / "clip1080.mp4", size=(1920, 1080), duration=duration,
                           zoom=0.1, audio=440.0)
    results = []
    for _ in range(3):
        r = match(clip, tmp / "ref1080.png", cache_root=None, paired=False)
        results.append(r)
    print(f"fit per clip (statistics + fit + bake, 1 shot): {1000 * min(r.fit_seconds for r in results):.0f} ms "
          f"(target <= 1000 ms); whole analysis incl. decode + cut detection: "
          f"{1000 * min(r.analysis_seconds for r in results):.0f} ms for a {duration:.0f}-s clip")
    cached_root = tmp / "proj"
    match(clip, tmp / "ref1080.png", cache_root=cached_root, paired=False)
    t_cached = best_of(3, lambda: match(clip, tmp / "ref1080.png", cache_root=cached_root, paired=False))
    print(f"rebuild with the LUT cache (hash check only): {1000 * t_cached:.0f} ms")
    lut_chain = results[0].ffmpeg_filter()
    lut_file = results[0].shots[0].lut
    frames = int(duration * 30)

    def filter_only(vf: str) -> float:
        return best_of(3, lambda: run_ffmpeg(["-y", "-i", str(clip), "-vf", vf, "-f", "null", "-"]))

    base_null = filter_only("format=yuv420p")
    fast = filter_only(lut_chain + ",format=yuv420p")
    default = filter_only(f"lut3d=file={lut_file}:interp=tetrahedral,format=yuv420p")
    print(f"decode + LUT, no encode: broll chain {frames / fast:.0f} fps, FFmpeg default lut3d path "
          f"{frames / default:.0f} fps, decode only {frames / base_null:.0f} fps")

    # A build-like pass: the grade sits right after the trim (at source resolution), then the
    # build scales to 1080p and encodes. Wall time is noisy under load; CPU time is steadier.
    small = clip_from_image(tmp / "cast1080.png", tmp / "clip720.mp4", size=(1280, 720), duration=duration,
                            zoom=0.1, audio=440.0)
    small_result = match(small, tmp / "ref1080.png", cache_root=None, paired=False)
    small_chain = small_result.ffmpeg_filter()
    fast_chain = results[0].ffmpeg_filter(apply="fast")
    print(f"YUV stand-in for this clip: {results[0].shots[0].fast['mean_de']:.2f} / "
          f"{results[0].shots[0].fast['p95_de']:.2f} dE00 mean / p95 to the exact LUT "
          f"(build default apply: auto uses it: {results[0].applied_as('auto') == 'yuv'})")
    presets = ("veryfast",) if quick else ("veryfast", "medium")
    print(f"{'build-like pass to 1080p':40s} {'plain s':>8s} {'graded s':>9s} {'wall +%':>8s} {'CPU +%':>7s} {'grade CPU ms/frame':>19s}")
    cases = [(clip, lut_chain, "1080p source, exact LUT"), (clip, fast_chain, "1080p source, YUV stand-in"),
             (small, small_chain, "720p source, exact LUT")]
    for source, chain, what in cases:
        for preset in presets:
            def run(vf: str) -> tuple[float, float]:
                walls, cpus = [], []
                for _ in range(2):
                    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    run_ffmpeg(["-y", "-i", str(source), "-vf", vf, "-c:v", "libx264", "-preset", preset,
                                "-crf", "20", "-c:a", "aac", str(tmp / "enc.mp4")])
                    walls.append(time.perf_counter() - t0)
                    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
                return min(walls), min(cpus)
            tail = "scale=1920:1080:flags=lanczos,format=yuv420p"
            w0, c0 = run(tail)
            w1, c1 = run(f"{chain},{tail}")
            label = f"{what}, x264 {preset}"
            print(f"{label:40s} {w0:8.2f} {w1:9.2f} {100 * (w1 / w0 - 1):7.1f}% {100 * (c1 / c0 - 1):6.1f}% "
                  f"{1000 * (c1 - c0) / frames:19.1f}")
    print("target: applying adds <= 10% to a build's wall time at 1080p")


def fit_time(tmp: Path, footage: str, runs: int = 3) -> None:
    """CPU seconds of the fit (statistics + scene check + fit + bake) per 1080p clip: median and
    spread over clips and runs. Synthetic clips (a photograph under a cast, slow zoom: the
    same-scene path) and, when the footage folder has them, up to 3 real 1920x1080 clips graded
    to their own last frame (a later moment)."""
    import os
    from broll.media.probe import probe
    import broll
    print(f"\nFit time per 1080p clip, CPU seconds of the fitting process ({runs} runs each; load "
          f"{os.getloadavg()[0]:.1f} at the start; code {Path(broll.__file__).parent})")
    synthetic = []
    for i, (name, cast) in enumerate(zip(("coffee", "astronaut", "chelsea"), STANDARD_CASTS)):
        truth = photo(name, 1920)
        ref = save_png(truth, tmp / f"ft-ref{i}.png")
        still = save_png(cast.apply(truth), tmp / f"ft-cast{i}.png")
        synthetic.append((clip_from_image(still, tmp / f"ft-clip{i}.mp4", size=(1920, 1080), duration=4.0,
                                          zoom=0.1), ref))
    real = []
    folder = Path(footage).expanduser()
    if folder.is_dir():
        found = sorted(p for p in folder.rglob("*.mp4") if p.is_file())
        full_hd = [p for p in found if (lambda i: (i.width, i.height) == (1920, 1080))(probe(p))][:3]
        from broll.media.frames import sample_frames
        for i, clip in enumerate(full_hd):      # graded to its own last frame: the same-scene path
            ref = save_png(sample_frames(clip, 12, width=1920)[-1].image, tmp / f"ft-real-ref{i}.png")
            real.append((clip, ref))
    for label, cases in (("synthetic", synthetic), ("real footage, own later frame", real)):
        if not cases:
            print(f"{label:34s} skipped (no 1920x1080 clips in {folder})")
            continue
        cpu, wall, kinds = [], [], set()
        for clip, ref in cases:
            match(clip, ref, cache_root=None, paired=False)          # warm: imports, reference pooling
            for _ in range(runs):
                r = match(clip, ref, cache_root=None, paired=False)
                cpu.append(r.fit_cpu_seconds)
                wall.append(r.fit_seconds)
                kinds.update(s.fit["scene"] for s in r.shots)
        c, w = np.array(cpu), np.array(wall)
        print(f"{label:34s} {len(cases)} clips: CPU {np.median(c):.2f} s median ({c.min():.2f}-{c.max():.2f}); "
              f"wall {np.median(w):.2f} s ({w.min():.2f}-{w.max():.2f}); scene {sorted(kinds)}")
    print(f"target: fit <= 1 s per 1080p clip; load {os.getloadavg()[0]:.1f} at the end")


def jitter_figures() -> None:
    truth = photo("chelsea", 512)
    cast = STANDARD_CASTS[1].apply(truth)
    frames = [cast[:, i * 12: i * 12 + 384] for i in range(10)]
    frames[4] = frames[4].copy()
    frames[4][60:110, 60:110] = (230, 20, 20)
    ref = pool([truth])
    from broll.grading.match import fit_images, reference_from_images
    rref = reference_from_images([truth])
    per_frame = [fit_images([f], rref).transform for f in frames]
    shot = fit_images(frames, rref).transform
    print(f"\nJitter (mean dE00 per frame step on 1000 probe colours, 10-frame pan with a blinking light): "
          f"fit per frame {jitter(per_frame):.3f}, one transform per shot {jitter([shot] * len(frames)):.3f}")


def before_after_image(tmp: Path, out: Path) -> None:
    from broll.grading.sheet import draw_sheet, graded_thumbnails, write_sheet
    truth = photo("coffee", 480)
    ref = save_png(truth, tmp / "style.png")
    rows = []
    for i, cast in enumerate(random_casts(3, seed=11)):
        still = save_png(cast.apply(truth), tmp / f"c{i}.png")
        clip = clip_from_image(still, tmp / f"clip-{i + 1}.mp4", size=(312, 208), duration=1.0, zoom=0.15)
        rows.append(graded_thumbnails(match(clip, ref, cache_root=tmp / "sheet", paired=False), count=1, width=170))
    import cv2
    sheet = draw_sheet(rows, cv2.resize(truth, (200, int(200 * truth.shape[0] / truth.shape[1]))), thumb_w=170,
                       title="broll grade: three differently cast clips matched to one style reference")
    write_sheet(sheet, out)
    print(f"\nwrote {out.relative_to(ROOT)} ({out.stat().st_size // 1024} KB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter clip and one encoder preset")
    ap.add_argument("--image-only", action="store_true", help="only write docs/img/grade-before-after.png")
    ap.add_argument("--speed-only", action="store_true", help="only the 1080p timing section")
    ap.add_argument("--yuv-only", action="store_true", help="only the YUV stand-in's fidelity through FFmpeg")
    ap.add_argument("--fit-time", action="store_true",
                    help="only the fit's CPU seconds per 1080p clip (median and spread; real clips too with --footage)")
    ap.add_argument("--footage", default=None,
                    help="folder of real clips for the real-footage suites (default $BROLL_FOOTAGE or "
                         "~/.cache/broll-footage; skipped cleanly when absent)")
    ap.add_argument("--real-only", default=None, metavar="SUITES",
                    help="only the real-footage suites named by letters: a, b (B: look book only), c, s (spread), e.g. 'abcs'")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N clips of the footage folder")
    ap.add_argument("--verbose", action="store_true", help="per-pair lines for suite (a)")
    args = ap.parse_args()
    from grade_footage import DEFAULT_FOLDER, run as run_footage
    footage = args.footage or DEFAULT_FOLDER
    with tempfile.TemporaryDirectory(prefix="broll-bench-grade-") as d:
        tmp = Path(d)
        if args.image_only:
            before_after_image(tmp, ROOT / "docs" / "img" / "grade-before-after.png")
            return
        if args.speed_only:
            speed(tmp, args.quick)
            return
        if args.yuv_only:
            yuv_fidelity(tmp)
            return
        if args.fit_time:
            fit_time(tmp, footage)
            return
        if args.real_only:
            run_footage(footage, tmp, suites=args.real_only, limit=args.limit, verbose=args.verbose)
            return
        suite()
        spread()
        run_footage(footage, tmp, limit=args.limit)
        lut_fidelity(tmp)
        yuv_fidelity(tmp)
        jitter_figures()
        speed(tmp, args.quick)
        before_after_image(tmp, ROOT / "docs" / "img" / "grade-before-after.png")


if __name__ == "__main__":
    main()
