"""Clips with a known subject: a bright disc moving over a textured (static noise) background."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

from broll.media import synth

RADIUS = 14
SIZE = (320, 180)

# name -> (FFmpeg expression of T for the disc centre x, the same in Python, duration, centre y)
MOTIONS: dict[str, tuple[str, Callable[[float], float], float, int]] = {
    "linear": ("40+240*T/2", lambda t: 40 + 240 * t / 2, 2.0, 120),
    "sine": ("160+110*sin(2*PI*T/3)", lambda t: 160 + 110 * math.sin(2 * math.pi * t / 3), 3.0, 120),
    "static": ("70", lambda t: 70.0, 1.5, 60),
    "pause": ("if(lt(T,1),60+150*T,210)", lambda t: 60 + 150 * t if t < 1 else 210.0, 2.0, 120),
}


class DiscClips:
    def __init__(self, root: Path):
        self.root = root
        self._made: dict[str, Path] = {}

    def make(self, name: str) -> Path:
        if name not in self._made:
            expr, _, duration, y = MOTIONS[name]
            geq = (f"geq=lum='if(lt(hypot(X-({expr}),Y-{y}),{RADIUS}),235,p(X,Y))':cb=128:cr=128")
            self._made[name] = synth.make_clip(self.root / f"disc-{name}.mp4", source="color=c=gray", size=SIZE,
                                               fps=30, duration=duration, audio=None,
                                               vfilters=["noise=alls=60", geq, "format=yuv420p"])
        return self._made[name]

    def two_shots(self) -> Path:
        """1 s with the disc at the left, then a hard cut (background brightens) and the disc at the right."""
        if "cut" not in self._made:
            geq = (f"geq=lum='if(lt(hypot(X-if(lt(T,1),60,260),Y-100),{RADIUS}),235,"
                   f"p(X,Y)*if(lt(T,1),0.6,1.1))':cb=128:cr=128")
            self._made["cut"] = synth.make_clip(self.root / "disc-cut.mp4", source="color=c=gray", size=SIZE,
                                                fps=30, duration=2.0, audio=None,
                                                vfilters=["noise=alls=60", geq, "format=yuv420p"])
        return self._made["cut"]
