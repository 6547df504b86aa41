"""Render the same edit three ways and compare: `broll build`, a hand-written FFmpeg command, moviepy 2.

The edit: six 4 s 1080p30 clips with audio, 0.5 s crossfades, a music bed; x264 veryfast CRF 20.
Not a test: run by hand (``make bench``), on a quiet machine if you can. The three run in turn,
round after round (``--runs``, default 3); it prints each one's median wall time and peak memory
(max RSS of the run's process tree) and the ratios round by round, so a machine whose speed
drifts during the run still gives a fair comparison.

Both FFmpeg sides encode alike: the benchmark preset keeps x264's own GOP (250 frames), as the
hand-written command does; the shipped presets' 2 s GOP costs about 2% more encoding time.

    .venv/bin/python benchmarks/build_vs_peers.py [--runs 3] [--skip-moviepy] [--workdir bench-out]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLIPS = 6
CLIP_SECONDS = 4
FADE = 0.5
SOURCES = ("testsrc2", "smptebars", "testsrc", "rgbtestsrc", "gradients", "life")

BENCH_PRESET = """\
bench-1080p:
  base: 16x9-1080p
  video: {x264_preset: veryfast, crf: 20, gop_seconds: 8.3334}   # -g 250, x264's default
"""


def make_media(work: Path) -> tuple[list[Path], Path]:
    from broll.media import synth
    clips = []
    for i in range(CLIPS):
        path = work / f"clip{i}.mp4"
        if not path.exists():
            synth.make_clip(path, source=SOURCES[i], size=(1920, 1080), fps=30, duration=CLIP_SECONDS,
                            audio=220 + 110 * i)
        clips.append(path)
    bed = work / "bed.m4a"
    if not bed.exists():
        synth.make_tone(bed, duration=30)
    return clips, bed


def write_edit(work: Path, clips: list[Path], bed: Path) -> Path:
    lines = ["version: 1", "output: broll.mp4", "preset: bench-1080p",
             f"defaults: {{transition: {{type: fade, duration: {FADE}}}}}",
             f"music: {{path: {bed.name}, volume: -12, fade_in: 1, fade_out: 2}}", "timeline:"]
    lines += [f"  - clip: {c.name}" for c in clips]
    path = work / "edit.yaml"
    path.write_text("\n".join(lines) + "\n")
    (work / "presets.yaml").write_text(BENCH_PRESET)
    return path


def handwritten_args(clips: list[Path], bed: Path, out: Path) -> list[str]:
    """What an FFmpeg-fluent engineer would type for the same edit."""
    args = ["-y"]
    for c in clips:
        args += ["-i", str(c)]
    args += ["-stream_loop", "-1", "-i", str(bed)]
    total = CLIPS * CLIP_SECONDS - (CLIPS - 1) * FADE
    parts, v, a = [], "0:v", "0:a"
    for i in range(1, CLIPS):
        offset = i * (CLIP_SECONDS - FADE)
        parts.append(f"[{v}][{i}:v]xfade=transition=fade:duration={FADE}:offset={offset}[v{i}]")
        parts.append(f"[{a}][{i}:a]acrossfade=d={FADE}[a{i}]")
        v, a = f"v{i}", f"a{i}"
    parts.append(f"[{CLIPS}:a]atrim=0:{total},volume=-12dB,afade=t=in:d=1,afade=t=out:st={total - 2}:d=2[bed]")
    parts.append(f"[{a}][bed]amix=inputs=2:duration=first:normalize=0[aout]")
    return args + ["-filter_complex", ";".join(parts), "-map", f"[{v}]", "-map", "[aout]",
                   "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                   "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", str(out)]


MOVIEPY = """
import sys
from moviepy import VideoFileClip, AudioFileClip, CompositeAudioClip, concatenate_videoclips, vfx, afx
clips = [VideoFileClip(p) for p in sys.argv[3:]]
clips = [clips[0]] + [c.with_effects([vfx.CrossFadeIn({fade})]) for c in clips[1:]]
video = concatenate_videoclips(clips, padding=-{fade}, method="compose")
bed = AudioFileClip(sys.argv[2]).subclipped(0, video.duration).with_volume_scaled(0.25)
bed = bed.with_effects([afx.AudioFadeIn(1), afx.AudioFadeOut(2)])
video = video.with_audio(CompositeAudioClip([video.audio, bed]))
video.write_videofile(sys.argv[1], fps=30, codec="libx264", preset="veryfast", ffmpeg_params=["-crf", "20"],
                      audio_codec="aac", audio_bitrate="192k", logger=None)
""".format(fade=FADE)


def measured(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd`` in a fresh wrapper process: (wall seconds, peak RSS MB of its process tree)."""
    wrapper = [sys.executable, __file__, "--measure", json.dumps(cmd)]
    proc = subprocess.run(wrapper, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:4])} ...\n{proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["wall"], data["peak_mb"]


def _measure_child(cmd: list[str]) -> None:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(proc.returncode)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024}))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        _measure_child(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="bench-out")
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="rounds of all three, in turn (default 3)")
    opts = parser.parse_args()

    from broll.media.ffmpeg import ffmpeg_path
    from broll.media.probe import probe

    work = Path(opts.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    clips, bed = make_media(work)
    edit = write_edit(work, clips, bed)
    env = dict(os.environ, BROLL_PRESETS=str(work / "presets.yaml"))
    broll = str(Path(sys.executable).with_name("broll"))
    ff = ffmpeg_path()
    print(f"edit: {CLIPS} x {CLIP_SECONDS} s 1080p30 clips, {FADE} s crossfades, music bed; x264 veryfast CRF 20")
    print(f"ffmpeg: {ff}\nCPU cores visible: {os.cpu_count()}\n")

    runs: dict[str, list[tuple[float, float]]] = {}
    outputs: dict[str, Path] = {}
    commands = {"hand-written ffmpeg": ([ff, "-hide_banner", "-loglevel", "error",
                                         *handwritten_args(clips, bed, work / "handwritten.mp4")], None,
                                        work / "handwritten.mp4"),
                "broll build": ([broll, "build", str(edit), "--quiet"], env, work / "broll.mp4")}
    if not opts.skip_moviepy:
        out = work / "moviepy.mp4"
        commands["moviepy 2"] = ([sys.executable, "-c", MOVIEPY, str(out), str(bed), *map(str, clips)], None, out)
    for round_no in range(1, opts.runs + 1):
        for name, (cmd, cmd_env, out) in commands.items():
            runs.setdefault(name, []).append(measured(cmd, env=cmd_env))
            outputs[name] = out
        print(f"round {round_no}: " + ", ".join(f"{n} {r[-1][0]:.2f} s" for n, r in runs.items()), flush=True)

    def median_wall(name: str) -> float:
        return statistics.median(w for w, _ in runs[name])

    def paired(a: str, b: str) -> float:
        return statistics.median(wa / wb for (wa, _), (wb, _) in zip(runs[a], runs[b]))

    base = median_wall("hand-written ffmpeg")
    print(f"\n{'tool':<22}{'wall s':>9}{'peak MB':>10}{'x hand-written':>16}{'frames':>8}   (medians of {opts.runs})")
    for name in runs:
        info = probe(outputs[name])
        peak = max(p for _, p in runs[name])
        print(f"{name:<22}{median_wall(name):>9.2f}{peak:>10.0f}{median_wall(name) / base:>16.2f}{info.frame_count:>8}")
    print(f"\nbroll / hand-written = {paired('broll build', 'hand-written ffmpeg'):.3f} (median of per-round ratios; target <= 1.05)")
    if "moviepy 2" in runs:
        print(f"moviepy / broll      = {paired('moviepy 2', 'broll build'):.2f} (median of per-round ratios; target >= 5)")
    print("note: broll also measures and applies two-pass loudnorm and ducks the bed; the hand-written command does not.")


if __name__ == "__main__":
    main()
