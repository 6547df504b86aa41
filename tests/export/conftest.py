"""Export fixtures: a short 16:9 reel with a moving subject and a tone, and one without audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from broll.media import synth

DISC_RADIUS = 20                 # test_export_reframe.py relies on this radius


@pytest.fixture(scope="session")
def reel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export-media")
    geq = (f"geq=lum='if(lt(hypot(X-(100+440*if(lt(T,1),T,2-T)),Y-250),{DISC_RADIUS}),235,p(X,Y))'"
           f":cb=128:cr=128")
    return synth.make_clip(root / "reel.mp4", source="color=c=gray", size=(640, 360), fps=30, duration=2.0,
                           audio=440.0, vfilters=["noise=alls=60", geq, "format=yuv420p"])


@pytest.fixture(scope="session")
def silent_reel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export-silent")
    return synth.make_clip(root / "silent.mp4", size=(640, 360), fps=25, duration=1.0, audio=None)
