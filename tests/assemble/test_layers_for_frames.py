"""A segment's layers keep only the overlays on screen in it (so its cache key ignores the others)."""

from __future__ import annotations

from fractions import Fraction

from broll.assemble.layers import Layers, PlacedOverlay
from broll.assemble.overlays import Placement
from broll.captions.ass import Canvas

FPS = Fraction(30)


def _layers(name: str) -> Layers:
    logo = PlacedOverlay("logo.png", Placement(), (256, 256))
    lower_third = PlacedOverlay("plate.png", Placement(start=Fraction(3), end=Fraction(11, 2)), (1200, 200),
                                text=name)
    return Layers(canvas=Canvas(1280, 720, FPS), overlays=(logo, lower_third))


def test_an_overlay_off_screen_in_the_segment_is_dropped():
    later = _layers("Ada").for_frames(180, 351, FPS)            # 6.0-11.7 s: the lower-third (3-5.5 s) is over
    assert [o.path for o in later.overlays] == ["logo.png"]
    assert later == _layers("Grace").for_frames(180, 351, FPS)  # its text no longer matters there


def test_an_overlay_touching_the_segment_by_one_frame_is_kept():
    assert len(_layers("Ada").for_frames(0, 91, FPS).overlays) == 2      # frame 90 is 3.0 s: on screen
    assert len(_layers("Ada").for_frames(0, 90, FPS).overlays) == 1      # frames 0-89 end before 3.0 s
    assert len(_layers("Ada").for_frames(164, 300, FPS).overlays) == 2   # frame 164 < 5.5 s * 30 = 165
    assert len(_layers("Ada").for_frames(165, 300, FPS).overlays) == 1
