"""Find a real font file for drawtext: never a missing-font crash at render time.

Order: ``BROLL_FONT``, fontconfig's choice (``fc-match``), well-known system paths,
then fonts bundled in installed Python packages (matplotlib ships DejaVu Sans).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

_KNOWN = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


@lru_cache(maxsize=4)
def find_font(family: str = "sans-serif:bold") -> str | None:
    """Path of a TrueType/OpenType font file, or None when the machine has none."""
    override = os.environ.get("BROLL_FONT")
    if override and Path(override).is_file():
        return override
    fc = shutil.which("fc-match")
    if fc:
        try:
            out = subprocess.run([fc, "-f", "%{file}", family], capture_output=True, text=True, timeout=10).stdout.strip()
            if out and Path(out).is_file() and out.lower().endswith((".ttf", ".otf", ".ttc")):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    for path in _KNOWN:
        if Path(path).is_file():
            return path
    try:
        import matplotlib  # noqa: PLC0415 - optional
        bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
        if bundled.is_file():
            return str(bundled)
    except Exception:
        pass
    return None


@lru_cache(maxsize=16)
def font_family(path: str) -> str:
    """The family name inside a font file (what libass matches on), from fontconfig's ``fc-scan``.

    Falls back to the file's stem when fontconfig is absent; libass then uses its default font.
    """
    scan = shutil.which("fc-scan")
    if scan:
        try:
            out = subprocess.run([scan, "--format", "%{family[0]}", path], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
            if out:
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    return Path(path).stem
