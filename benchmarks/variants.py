"""Three CSV variants of a 20 s captioned reel vs one build of it (issue #18's target: <= 1.6x).

Each row changes what a product, language or platform variant changes, localized at the two ends of the
reel: the opening headline caption (0.5-3.0 s), the lower-third's name (3.0-5.5 s), the end card's call to
action (17.0-20.0 s) and the output slug. The body (the shots, their fitting, the transitions,
a mid-reel caption, the logo, the sound) is the same for every row. ``--scenario pipeline`` (default)
is the edit list a broll user builds after the pipeline's check and grade stages: it also has ``qc:``
(warn) and ``style:`` (colour-match every clip to the first); ``plain`` has neither (captions and
overlays over ungraded clips only); ``both`` runs the two. The ratio printed is
``wall(broll build --variants rows.csv) / wall(broll build)``, each arm from a fresh project cache (so the
first variant is a cold build like the single one, QC and grading included, and the next reuse what the
first cached), paired round by round, median and spread; then the same ratio of CPU seconds (user + system
of every process, the segment workers included), which a loaded shared machine disturbs less than wall
time; with each variant's segment counts (rendered/reused, from the ``--json`` report) and the stages'
seconds summed over the builds.

What bounds it: a variant re-encodes the picture where its rows differ. The rows' timelines are
compared before the first render and those frames get segment boundaries of their own
(broll.assemble.variant_spans): here 0.5-5.5 s and 17.0-20.1 s, 40% of the reel's frames (without
the fences, the default 6 s segments made it 72%). So 3 variants cost about 1 + 2 x 0.4 pictures plus
the per-process start of the segment renders; QC, grading, probing and the sound are done once.

Runs on synthetic clips, and on real ones with ``--footage DIR`` (five clips of DIR; skipped when absent).
Not a test: run by hand on a quiet machine if you can, and say the load.

    .venv/bin/python benchmarks/variants.py [--runs 3] [--scenario pipeline|plain|both] \
        [--footage ~/.cache/broll-footage] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIPS = 5
CLIP_SECONDS = 4.5            # five 4.5 s clips and four 0.625 s fades: a 20.0 s reel
FADE = 0.625
SOURCES = ("testsrc2", "smptebars", "gradients", "rgbtestsrc", "mandelbrot")
PRESET = """\
bench-variants:
  base: 16x9-1080p
  width: 1280
  height: 720
  video: {x264_preset: veryfast, crf: 20}
"""
# What differs between rows: the opening headline caption, the lower-third's name, the end card's call to
# action, and the output slug. The body of the reel (the shots, the transitions, the mid-reel caption, the logo,
# the sound) is the same for every row: the localized changes a product/language/platform variant makes.
ROWS = ("slug,headline,name,cta\n"
        "red,Red shoes for spring,Ada Lovelace,Shop red today\n"
        "green,Green hats on sale,Grace Hopper,Hats: two for one\n"
        "blue,Blue socks two for one,Hedy Lamarr,Socks ship free\n")
DIFFERS = ("opening headline caption 0.5-3.0 s, lower-third name 3.0-5.5 s, end-card call to action 17.0-20.0 s, "
           "output slug; same for all rows: shots, fitting, transitions, mid caption 9-12 s, logo, sound")


def _synthetic(work: Path) -> list[Path]:
    from broll.media import synth
    clips = []
    for i in range(CLIPS):
        path = work / f"clip{i}.mp4"
        if not path.exists():
            synth.make_clip(path, source=SOURCES[i], size=(1920, 1080), fps=30, duration=CLIP_SECONDS,
                            audio=220 + 110 * i)
        clips.append(path)
    return clips


def _real(folder: Path) -> list[Path]:
    from broll.media.probe import probe
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".mp4", ".mov", ".webm", ".mkv") and len(found) < CLIPS:
            try:
                info = probe(path)
            except Exception:
                continue
            if info.kind == "video" and info.duration >= CLIP_SECONDS:
                found.append(path)
    return found


def _project(work: Path, clips: list[Path], pipeline: bool = True) -> Path:
    from broll.media import synth
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "logo.png").exists():
        synth.make_logo(work / "logo.png")
        synth.make_lower_third(work / "plate.png")
        synth.make_tone(work / "bed.m4a", duration=30)
    items = "\n".join(f"  - {{clip: {c}, out: {CLIP_SECONDS}}}" for c in clips)
    (work / "rows.csv").write_text(ROWS)
    edit = work / "edit.yaml"
    stages = (f"qc: {{on_fail: warn}}\nstyle: {{reference: {clips[0]}, strength: 0.8}}\n" if pipeline else "")
    edit.write_text(f"""version: 1
{stages}vars: {{slug: one, headline: "Red shoes for spring", name: "Ada Lovelace", cta: "Shop red today"}}
output: "out/{{{{slug}}}}.mp4"
preset: bench-variants
defaults: {{transition: {{type: fade, duration: {FADE}}}}}
music: {{path: bed.m4a, volume: -10}}
captions:
  words: highlight
  cues:
    - {{start: 0.5, end: 3.0, text: "{{{{headline}}}}"}}
    - {{start: 9.0, end: 12.0, text: "Made to last, made to move"}}
    - {{start: 17.0, end: 20.0, text: "{{{{cta}}}}"}}
overlays:
  - {{image: logo.png, anchor: top-right, scale: 0.12}}
  - {{image: plate.png, text: "{{{{name}}}}", anchor: bottom-left, scale: 0.4, start: 3.0, end: 5.5}}
timeline:
{items}
""")
    return edit


def _adopt_orphans() -> bool:
    """Become the reaper of our orphaned descendants (Linux), so the CPU of the segment workers (children
    of multiprocessing's forkserver, which outlives ``broll``) is counted when we reap them."""
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0    # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap(seconds: float = 10.0) -> None:
    """Wait for adopted orphans to exit (the forkserver ends when ``broll`` has)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _run(args: list[str], env: dict) -> tuple[float, float, list[dict]]:
    """Wall and CPU seconds (user + system of the process and every child it waited for: FFmpeg, the
    segment workers) of one ``broll build ... --json``, and its build reports (one per variant)."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run([sys.executable, "-m", "broll", *args, "--json"], check=True, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    _reap()
    cpu = _cpu() - cpu
    report = json.loads(done.stdout)
    return seconds, cpu, report.get("variants", [report])


def _cold(project: Path) -> None:
    """A fresh project cache: no QC verdicts, grades, probes, segments or sound kept from an earlier arm."""
    shutil.rmtree(project / ".broll", ignore_errors=True)
    shutil.rmtree(project / "out", ignore_errors=True)


def _segments(build: dict) -> str:
    parts = []
    for out in build.get("outputs", []):
        s = out.get("segments") or {}
        parts.append(f"{s.get('rendered')}/{s.get('segments')} rendered, {s.get('reused')} reused "
                     f"({s.get('mode')}, audio {s.get('audio')})")
    return "; ".join(parts)


def _stages(builds: list[dict]) -> dict[str, float]:
    total: dict[str, float] = {}
    for build in builds:
        for name, seconds in build.get("timings", {}).items():
            name = "render" if name.startswith("render:") else name
            total[name] = total.get(name, 0.0) + seconds
    return total


def measure(name: str, edit: Path, runs: int, env: dict) -> None:
    rows = str(edit.parent / "rows.csv")
    singles, triples, stage_one, stage_three, cpu_one, cpu_three = [], [], [], [], [], []
    for k in range(runs):                                  # paired rounds, each arm from a cold project cache
        _cold(edit.parent)
        seconds, cpu, builds = _run(["build", str(edit)], env)
        singles.append(seconds)
        cpu_one.append(cpu)
        stage_one.append(_stages(builds))
        _cold(edit.parent)
        seconds, cpu, builds = _run(["build", str(edit), "--variants", rows], env)
        triples.append(seconds)
        cpu_three.append(cpu)
        stage_three.append(_stages(builds))
        segs = [_segments(b) for b in builds]
        print(f"{name}: round {k + 1}: wall {singles[-1]:.2f} | {triples[-1]:.2f} s, cpu {cpu_one[-1]:.2f} | "
              f"{cpu_three[-1]:.2f} s, load {os.getloadavg()[0]:.1f}", flush=True)
    ratios = [t / s for s, t in zip(singles, triples)]
    cpu_ratios = [t / s for s, t in zip(cpu_one, cpu_three)]
    print(f"{name}: rows differ in: {DIFFERS}")
    for k, text in enumerate(segs, 1):
        print(f"{name}: variant {k}: {text}")
    print(f"{name}: one build (cold) median {statistics.median(singles):.2f} s "
          f"({min(singles):.2f}-{max(singles):.2f}), 3 variants (cold start) median "
          f"{statistics.median(triples):.2f} s ({min(triples):.2f}-{max(triples):.2f})")
    names = sorted(set().union(*stage_one, *stage_three))
    print(f"{name}: stage seconds, median over rounds (one build | 3 variants summed): " + ", ".join(
        f"{n} {statistics.median([s.get(n, 0.0) for s in stage_one]):.2f}|"
        f"{statistics.median([s.get(n, 0.0) for s in stage_three]):.2f}" for n in names))
    print(f"{name}: 3 variants / one build = {statistics.median(ratios):.2f}x median, spread "
          f"{min(ratios):.2f}-{max(ratios):.2f} over {runs} paired rounds "
          f"(per round {', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.6x)")
    print(f"{name}: CPU seconds (user + system, all processes), 3 variants / one build = "
          f"{statistics.median(cpu_ratios):.2f}x median, spread {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f} "
          f"(one build median {statistics.median(cpu_one):.2f} s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--footage", type=Path,
                        default=Path(os.environ.get("BROLL_FOOTAGE", "~/.cache/broll-footage")).expanduser())
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--real-only", action="store_true")
    parser.add_argument("--scenario", choices=("pipeline", "plain", "both"), default="pipeline",
                        help="pipeline: the edit list checks (qc:) and grades (style:) its clips, as the broll "
                             "pipeline does; plain: captions and overlays over ungraded clips only")
    opts = parser.parse_args()
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="broll-variants-"))
    presets = work / "presets.yaml"
    work.mkdir(parents=True, exist_ok=True)
    presets.write_text(PRESET)
    env = {**os.environ, "BROLL_PRESETS": str(presets)}
    if not _adopt_orphans():
        print("CPU figures leave out the segment workers (no PR_SET_CHILD_SUBREAPER here)")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    scenarios = ("pipeline", "plain") if opts.scenario == "both" else (opts.scenario,)
    if not opts.real_only:
        clips = _synthetic(work / "synthetic")
        for sc in scenarios:
            measure(f"synthetic/{sc}", _project(work / f"synthetic-{sc}", clips, sc == "pipeline"), opts.runs, env)
    if opts.footage.is_dir():
        clips = _real(opts.footage)
        if len(clips) == CLIPS:
            for sc in scenarios:
                measure(f"real/{sc}", _project(work / f"real-{sc}", clips, sc == "pipeline"), opts.runs, env)
        else:
            print(f"real: skipped, fewer than {CLIPS} clips of >= {CLIP_SECONDS} s in {opts.footage}")
    else:
        print(f"real: skipped, no footage at {opts.footage}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
