"""Segmented, cached builds against the single graph: cold, no-change and one-caption rebuilds.

A 30-item, ~90 s 1080p30 reel (3 s items, a caption on each, a crossfade every third join, a
music bed), x264 veryfast CRF 20, 2 s GOP. Every figure is a whole ``broll build`` process, as a
user runs it. Per round (``--runs``, default 3), in turn:

- ``single``: the single graph, nothing cached (``broll.build(segmented=False)``);
- ``cold``: ``broll build --no-cache`` (local: the single graph with IDR frames at segment starts,
  split into the cache);
- ``cold-segments``: ``BROLL_SEGMENT_COLD=segments broll build --no-cache`` (every segment its
  own graph, in parallel, x264 threads x workers = cores);
- ``nochange``: ``broll build`` again (must encode nothing);
- ``caption``: item 15's text changed, ``broll build`` (only its segments are encoded); the
  frames of every untouched segment are compared with the previous build's, bit for bit.

Prints each figure's median and min-max, and the ratios round by round. Real clips (``--footage
DIR``, default ``$BROLL_FOOTAGE`` or ``~/.cache/broll-footage``: the first 30 .mp4 files under
it, 3 s each) are used when the folder exists; ``--synthetic`` forces lavfi clips.

    nice -n 5 .venv/bin/python benchmarks/segments.py --workdir /tmp/segbench [--runs 3] [--synthetic]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ITEMS = 30
ITEM_SECONDS = 3.0
CHANGED = 15
BENCH_PRESET = """\
bench-1080p:
  base: 16x9-1080p
  video: {x264_preset: veryfast, crf: 20}
"""


def synthetic_clips(work: Path) -> list[tuple[Path, float]]:
    from broll.media import synth
    sources = ("testsrc2", "smptebars", "testsrc", "rgbtestsrc", "gradients", "smptehdbars")
    out = []
    for i, src in enumerate(sources):
        path = work / f"syn{i}.mp4"
        if not path.exists():
            synth.make_clip(path, source=src, size=(1920, 1080), fps=30, duration=16, audio=220 + 110 * i)
        out.append(path)
    # 30 items from 6 clips at different in-points: every item shows different frames
    return [(out[k % len(out)], 3.0 * (k // len(out))) for k in range(ITEMS)]


def real_clips(folder: Path) -> list[tuple[Path, float]]:
    from broll.media.probe import probe
    found = []
    for path in sorted(folder.rglob("*.mp4")):
        try:
            info = probe(path)
        except Exception:   # noqa: BLE001 - a clip the probe refuses is skipped
            continue
        if float(info.duration) >= ITEM_SECONDS + 0.2:
            found.append((path, 0.0))
        if len(found) == ITEMS:
            break
    return found


def write_edit(work: Path, clips: list[tuple[Path, float]], caption_round: int) -> Path:
    lines = ["version: 1", "output: reel.mp4", "preset: bench-1080p",
             "music: {path: bed.m4a, volume: -12, fade_in: 1, fade_out: 2}", "timeline:"]
    for k, (path, start) in enumerate(clips):
        text = f"Shot {k}" + (f" take {caption_round}" if k == CHANGED else "")
        lines += [f"  - clip: {path}", f"    in: {start}", f"    out: {start + ITEM_SECONDS}",
                  f"    text: {{value: \"{text}\", position: bottom}}"]
        if k and k % 3 == 0:
            lines.append("    transition: {type: fade, duration: 0.5}")
        elif k:
            lines.append("    transition: cut")
    path = work / "edit.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


CPU: dict[str, list[float]] = {}   # CPU s (user + system) of each build and the FFmpeg it waited for (not pool workers)


def _children_cpu() -> float:
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd: list[str], env: dict, name: str = "") -> tuple[float, dict]:
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if name:
        CPU.setdefault(name, []).append(_children_cpu() - cpu0)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    except json.JSONDecodeError:
        doc = {}
    return wall, doc


def frame_digests(path: Path) -> list[str]:
    import av
    with av.open(str(path)) as c:
        return [hashlib.md5(f.to_ndarray().tobytes()).hexdigest() for f in c.decode(video=0)]


def untouched_identical(before: list[str], after: list[str], edit: Path, env: dict) -> tuple[bool, int]:
    """(every frame outside the changed segments identical?, frames compared)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("BROLL_")})
    from broll.assemble.build import plan_build
    from broll.assemble.segments import plan_segments_seconds
    from broll.assemble.segmented import segment_seconds
    tl = plan_build(edit).outputs[0].timeline
    changed = set()
    for seg in plan_segments_seconds(tl, segment_seconds()):
        if any(sp.index == CHANGED for sp in seg.spans):
            changed.update(range(seg.start, seg.end))
    same = [i for i in range(len(after)) if i not in changed]
    return len(before) == len(after) and all(before[i] == after[i] for i in same), len(same)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f}  ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default="segbench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--footage", default=os.environ.get("BROLL_FOOTAGE", str(Path.home() / ".cache/broll-footage")))
    ap.add_argument("--synthetic", action="store_true", help="lavfi clips even when footage exists")
    ap.add_argument("--size", default="1920x1080", help="the reel's size (a smaller one for a quick look)")
    ap.add_argument("--skip", default="", help="comma-separated builds to leave out: single,cold-segments")
    args = ap.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.lower().split("x"))
    (work / "presets.yaml").write_text(BENCH_PRESET + f"  width: {width}\n  height: {height}\n")
    env = dict(os.environ, BROLL_PRESETS=str(work / "presets.yaml"))
    os.environ["BROLL_PRESETS"] = env["BROLL_PRESETS"]
    footage = Path(args.footage)
    if not args.synthetic and footage.is_dir():
        clips, kind = real_clips(footage), f"real clips from {footage}"
        if len(clips) < ITEMS:
            sys.exit(f"only {len(clips)} usable clips under {footage}; need {ITEMS} (or pass --synthetic)")
    else:
        if not args.synthetic:
            print(f"no footage at {footage}: synthetic clips")
        clips, kind = synthetic_clips(work), "synthetic 1080p clips"
    from broll.media import synth
    if not (work / "bed.m4a").exists():
        synth.make_tone(work / "bed.m4a", duration=120)
    py = sys.executable
    broll = [py, "-m", "broll", "build"]
    names = ["single", "cold", "cold-segments", "nochange", "caption"]
    times: dict[str, list[float]] = {n: [] for n in names}
    rendered: dict[str, list] = {n: [] for n in names}
    identical = []
    print(f"{ITEMS} items x {ITEM_SECONDS:g} s at {args.size}, {kind}; load {os.getloadavg()[0]:.1f} at start")
    skip = set(filter(None, args.skip.split(",")))
    names = [n for n in names if n not in skip]
    # the build's QC gate checks each clip once (then cached by content): pay it before timing anything
    run(broll + [str(write_edit(work, clips, 0)), "--otio", str(work / "warm.otio"), "--otio-only", "-q"], env)
    for r in range(args.runs):
        edit = write_edit(work, clips, r)
        single = ("import broll,sys; r = broll.build(sys.argv[1], segmented=False); "
                  "print(r.outputs[0].frames)")
        if "single" in names:
            times["single"].append(run([py, "-c", single, str(edit)], env, "single")[0])
        wall, doc = run(broll + [str(edit), "--json", "--no-cache"], env, "cold")
        times["cold"].append(wall)
        rendered["cold"].append(doc["outputs"][0]["segments"])
        if "cold-segments" in names:
            wall, doc = run(broll + [str(edit), "--json", "--no-cache"], dict(env, BROLL_SEGMENT_COLD="segments"),
                            "cold-segments")
            times["cold-segments"].append(wall)
            rendered["cold-segments"].append(doc["outputs"][0]["segments"])
        before = frame_digests(work / "reel.mp4")
        wall, doc = run(broll + [str(edit), "--json"], env, "nochange")
        times["nochange"].append(wall)
        rendered["nochange"].append(doc["outputs"][0]["segments"])
        edit = write_edit(work, clips, 100 + r)
        wall, doc = run(broll + [str(edit), "--json"], env, "caption")
        times["caption"].append(wall)
        rendered["caption"].append(doc["outputs"][0]["segments"])
        same, compared = untouched_identical(before, frame_digests(work / "reel.mp4"), edit, env)
        identical.append(same)
        print(f"round {r + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names)
              + f"; untouched frames identical: {same} ({compared} compared); load {os.getloadavg()[0]:.1f}")
    print(f"\n{'build':<14} {'median wall s (min-max)':>26}  {'median CPU s (min-max)':>26}  segments rendered/reused")
    for n in names:
        if not times[n]:
            continue
        seg = rendered[n][-1] if rendered[n] else None
        note = f"{seg['rendered']}/{seg['reused']} ({seg['mode']})" if seg else "-"
        print(f"{n:<14} {spread(times[n]):>26}  {spread(CPU.get(n, [0.0])):>26}  {note}")
    ratio = lambda a, b: [x / y for x, y in zip(times[a], times[b])]  # noqa: E731
    if times["single"]:
        print(f"\ncold (segmented path) / single graph:  {spread(ratio('cold', 'single'))}")
    if times["single"] and times["cold-segments"]:
        print(f"cold-segments / single graph:          {spread(ratio('cold-segments', 'single'))}")
    print(f"caption rebuild / cold build:          {spread(ratio('caption', 'cold'))}   target <= 0.15")
    print(f"no-change rebuild wall:                {spread(times['nochange'])} s   target <= 2 s, encodes nothing: "
          f"{all(s.get('encoded', s['rendered']) == 0 and s['audio'] == 'reused' for s in rendered['nochange'])}, "
          f"joined: {[s.get('joined') for s in rendered['nochange']]}")
    print(f"untouched segments bit-identical: {all(identical)}; load {os.getloadavg()[0]:.1f} at end")
    print_costs(edit, work, env)


def print_costs(edit: Path, work: Path, env: dict) -> None:
    """The serial parts a cluster cannot spread (for docs/scaling.md's model): the whole programme's
    sound (pass 1 + pass 2) and the stream-copy join of the cached segments with the sound."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("BROLL_")})
    from broll.assemble.build import plan_build
    from broll.assemble.render import run_measure
    from broll.assemble.segment_cache import SegmentCache
    from broll.assemble.segmented import concat_list, join_argv, segment_jobs, timeline_files
    from broll.hashing import file_sha256
    from broll.media.ffmpeg import run_ffmpeg
    plan = plan_build(edit).outputs[0]
    t0 = time.perf_counter()
    loud = run_measure(list(plan.measure)) if plan.measure else None
    run_ffmpeg(plan.audio_with(loud).argv(str(work / "sound.m4a")))
    sound = time.perf_counter() - t0
    tl = plan.timeline
    t0 = time.perf_counter()
    hashes = {f: file_sha256(f) for f in timeline_files(tl)}
    jobs = segment_jobs(tl, plan.job.preset, plan.x264_preset, hashes, threads=1)
    keys = time.perf_counter() - t0
    cache = SegmentCache(work)
    listing = concat_list([cache.segment_path(j.key) for j in jobs], work / "join.ffconcat")
    t0 = time.perf_counter()
    run_ffmpeg(join_argv(listing, work / "sound.m4a", work / "joined.mp4"))
    join = time.perf_counter() - t0
    size = (work / "joined.mp4").stat().st_size / 1e6
    print(f"serial parts, {float(tl.duration):.1f} s reel, {len(jobs)} segments: sound (pass 1 + 2) {sound:.2f} s, "
          f"keys (hash + graphs) {keys:.2f} s, join + mux {join:.2f} s ({size:.0f} MB); "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
