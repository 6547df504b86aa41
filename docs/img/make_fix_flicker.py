"""Draw docs/img/fix-flicker.png: `broll fix`'s before/after contact sheet of a repaired flicker.

A synthetic shot (a slow pan over a scikit-image photograph, 640x360) gets an 8 Hz, 6% brightness
flicker (``broll.testing.injection``, moderate strength), is encoded with x264 as a generator would
deliver it, and is repaired by the real command; the sheet it writes is scaled to 960 px wide here.
Run: ``.venv/bin/python docs/img/make_fix_flicker.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from broll.testing import injection as inj

HERE = Path(__file__).resolve().parent


def main() -> None:
    clean = inj.base("pan:astronaut", n=90, size=(640, 360))
    bad, truth = inj.inject_flicker(clean, np.random.default_rng(4), "moderate", hz=8.0)
    with tempfile.TemporaryDirectory() as tmp:
        src = inj.encode(Path(tmp) / "flicker.mp4", bad)
        subprocess.run([sys.executable, "-m", "broll", "fix", str(src), "-o", f"{tmp}/fixed", "--sheet", f"{tmp}/sheets"],
                       check=True)
        sheet = cv2.imread(str(Path(tmp) / "sheets" / "flicker.fix.png"))
        h, w = sheet.shape[:2]
        small = cv2.resize(sheet, (960, round(h * 960 / w)), interpolation=cv2.INTER_AREA)   # keep the repo light
        cv2.imwrite(str(HERE / "fix-flicker.png"), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"flicker injected over frames {truth.start}-{truth.end}; wrote {HERE / 'fix-flicker.png'}")


if __name__ == "__main__":
    main()
