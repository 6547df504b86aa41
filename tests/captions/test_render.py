"""Captions through FFmpeg's libass: frame-exact cues and text inside each preset's safe zone."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from broll.captions.ass import Canvas, render_ass, subtitles_filter
from broll.captions.model import CaptionStyle, Cue
from broll.media.ffmpeg import run_ffmpeg
from broll.media.fonts import find_font, font_family
from broll.media.frames import iter_frames


def _burn(tmp_path: Path, cues, style, canvas: Canvas, seconds: float) -> list[np.ndarray]:
    font = find_font()
    if font is None:
        pytest.skip("no font on this machine")
    ass = tmp_path / "captions.ass"
    ass.write_text(render_ass(cues, style, canvas, font_family=font_family(font)), encoding="utf-8")
    out = tmp_path / "burnt.mkv"
    rate = f"{canvas.fps.numerator}/{canvas.fps.denominator}"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=black:s={canvas.width}x{canvas.height}:r={rate}:d={seconds}",
                "-vf", subtitles_filter(str(ass), str(Path(font).parent)),
                "-c:v", "ffv1", "-y", str(out)])
    return [f.image for f in iter_frames(out, fmt="gray")]


def _lit(frame: np.ndarray) -> np.ndarray:
    return frame > 60


@pytest.mark.parametrize("fps", [Fraction(30), Fraction(24000, 1001), Fraction(25)])
def test_first_and_last_frame_exact(tmp_path, fps):
    canvas = Canvas(320, 180, fps)
    start, end = Fraction(1, 2), Fraction(7, 5)
    frames = _burn(tmp_path, [Cue(start, end, "Hello")], CaptionStyle(size=0.15), canvas, 2.0)
    shown = [i for i, f in enumerate(frames) if _lit(f).any()]
    import math
    assert shown == list(range(math.ceil(start * fps), math.ceil(end * fps)))


@pytest.mark.parametrize("size, safe", [
    ((270, 480), (0.14, 0.35, 0.06, 0.06)),   # reels' safe zone, 9:16
    ((360, 360), (0.05, 0.08, 0.05, 0.05)),   # 1:1
    ((480, 270), (0.05, 0.10, 0.05, 0.05)),   # 16:9
])
@pytest.mark.parametrize("position", ["bottom", "top"])
def test_caption_text_stays_inside_the_safe_zone(tmp_path, size, safe, position):
    w, h = size
    top, bottom, left, right = safe
    canvas = Canvas(w, h, Fraction(25), safe_top=top, safe_bottom=bottom, safe_left=left, safe_right=right)
    text = "Spring collection now in stores everywhere with free delivery on every single order today"
    style = CaptionStyle(size=0.07, position=position, outline=0.0)
    frames = _burn(tmp_path, [Cue(Fraction(0), Fraction(4, 5), text)], style, canvas, 0.4)
    ys, xs = np.nonzero(np.any([_lit(f) for f in frames], axis=0))
    assert len(xs) > 50, "no caption was drawn"
    assert xs.min() >= left * w - 1 and xs.max() <= w * (1 - right) + 1
    assert ys.min() >= top * h - 1 and ys.max() <= h * (1 - bottom) + 1
