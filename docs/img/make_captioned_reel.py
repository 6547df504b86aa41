"""Draw docs/img/captioned-reel-variants.png: frames of the captioned-reel starter's three variants.

Runs what a new user runs (``broll init --template captioned-reel --demo`` then ``broll build edit.yaml
--variants variants.csv``) and puts side by side, at quarter size: the spring variant at 1.6 s (first caption,
word highlight, logo) and each variant at 4.6 s (lower-third with the row's name, the row's offer caption).
Run: ``.venv/bin/python docs/img/make_captioned_reel.py`` (about 5 minutes: three 1080x1920 reels).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from broll.media.ffmpeg import run_ffmpeg

OUT = Path(__file__).with_name("captioned-reel-variants.png")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reel"
        broll = [sys.executable, "-m", "broll"]
        subprocess.run(broll + ["init", "--template", "captioned-reel", "--demo", str(root)], check=True)
        subprocess.run(broll + ["build", str(root / "edit.yaml"), "--variants", str(root / "variants.csv"), "-q"],
                       check=True)
        shots = [("spring", 1.6), ("spring", 4.6), ("summer", 4.6), ("autumn", 4.6)]
        args: list[str] = ["-y"]
        for slug, t in shots:
            args += ["-ss", str(t), "-i", str(root / "out" / f"{slug}.mp4")]
        scaled = ";".join(f"[{i}:v]trim=end_frame=1,scale=270:480:flags=lanczos[s{i}]" for i in range(len(shots)))
        stack = "".join(f"[s{i}]" for i in range(len(shots))) + f"hstack=inputs={len(shots)}"
        run_ffmpeg(args + ["-filter_complex", f"{scaled};{stack}", "-frames:v", "1", str(OUT)])
    print(OUT)


if __name__ == "__main__":
    main()
