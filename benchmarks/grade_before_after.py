"""Make a real before/after of `broll grade` from real clips, through the CLI, as a new user runs it.

    .venv/bin/python benchmarks/grade_before_after.py --footage /work/footage --out /tmp/grade-demo

For each of a few clips of the footage folder (AI-generated and camera clips, never committed)
it writes a cast copy (FFmpeg `colorchannelmixer` + `eq`: a warm, low-contrast, desaturated
generator look) and a reference still taken from a *later* moment of the uncast clip, then runs
`broll grade cast-*.mp4 --reference later-*.png --report --strength 1`, whose contact sheet
(`OUT/graded/grade-report.png`) is the before/after. It also grades the cast clips against a
look book of three stills of *other* clips with a look LUT applied. The pictures contain frames
of the fetched clips, so they stay out of the repository: the docs describe the figures instead.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broll.media.ffmpeg import run_ffmpeg  # noqa: E402
from broll.media.probe import probe  # noqa: E402

CAST = "colorchannelmixer=rr=1.12:gg=0.98:bb=0.78,eq=gamma=1.25:saturation=0.7:contrast=0.9"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--footage", default=str(Path.home() / ".cache" / "broll-footage"))
    ap.add_argument("--out", default="/tmp/broll-grade-demo")
    ap.add_argument("--clips", type=int, default=3)
    args = ap.parse_args()
    folder = Path(args.footage)
    if not folder.is_dir():
        print(f"skipped: no footage folder at {folder}")
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clips = sorted(p for p in folder.rglob("*.mp4"))[:: max(1, len(list(folder.rglob("*.mp4"))) // 12)]
    chosen, others = clips[: args.clips], clips[args.clips: args.clips + 3]
    casts, refs = [], []
    for i, clip in enumerate(chosen):
        info = probe(clip)
        dur = min(float(info.duration), 4.0)
        cast = out / f"cast-{i + 1}.mp4"
        run_ffmpeg(["-y", "-i", str(clip), "-t", f"{dur * 0.6:.2f}", "-vf", f"scale=-2:360,{CAST},format=yuv420p",
                    "-an", "-c:v", "libx264", "-crf", "18", str(cast)])
        ref = out / f"later-{i + 1}.png"
        run_ffmpeg(["-y", "-ss", f"{dur * 0.9:.2f}", "-i", str(clip), "-vf", "scale=-2:360", "-frames:v", "1",
                    "-update", "1", str(ref)])
        casts.append(cast)
        refs.append(ref)
    broll = [sys.executable, "-m", "broll"]
    for cast, ref in zip(casts, refs):
        subprocess.run(broll + ["grade", str(cast), "--reference", str(ref), "--strength", "1", "--report",
                                "--no-cache", "-o", str(out / f"graded-{cast.stem}")], check=True)
    # a look book: three stills of other clips through a look LUT, then the cast clips graded to it
    from broll.testing.looks import write_look
    look = write_look("teal-orange", out / "teal-orange.cube")
    book = out / "book"
    book.mkdir(exist_ok=True)
    for j, clip in enumerate(others):
        run_ffmpeg(["-y", "-ss", "1", "-i", str(clip), "-vf", f"scale=-2:360,format=gbrp16le,lut3d=file={look},format=rgb24",
                    "-frames:v", "1", "-update", "1", str(book / f"still-{j + 1}.png")])
    subprocess.run(broll + ["grade", *map(str, casts), "--reference", str(book), "--report", "--no-cache",
                            "-o", str(out / "graded-book")], check=True)
    print(f"contact sheets under {out} (graded-*/grade-report.png); keep them out of the repository")


if __name__ == "__main__":
    main()
