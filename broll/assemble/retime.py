"""How a clip at another rate than the reel's becomes the reel's frames (``retime:``). Pure.

A clip's effective rate is its source rate times its speed (``speed: 0.5`` on 24 fps footage
delivers 12 new pictures a second). Against the reel's rate:

- equal: pass-through; the ``fps`` filter on an exact grid keeps every source frame once;
- higher: frames are dropped to the nearest (every method: dropping needs no invention);
- lower (``motion`` in a build is the flow pre-render of broll.assemble.motion; the
  ``minterpolate`` chain below is the in-graph fallback for timelines rendered without the
  build's planning):
  ``repeat`` shows a frame again (FFmpeg ``fps``: each source frame lands on the
  output frame nearest its time and holds until the next lands), ``blend`` mixes the two neighbours
  (FFmpeg ``framerate``), ``motion`` builds the in-between picture along the motion
  (FFmpeg ``minterpolate``, motion-compensated); ``auto`` takes ``motion`` when the clip
  delivers under 20 pictures a second (a slideshow when repeated) and ``repeat`` for small
  ratios like 24 -> 30, where one repeat in four costs less than any interpolation's artefacts.

The filters run inside the one render graph (no extra encode). :func:`frame_map` says which
output frames are source frames and which were made up, for QC and the review page.
"""

from __future__ import annotations

import math
from fractions import Fraction

from broll.filtergraph import rate

METHODS = ("auto", "repeat", "blend", "motion")
AUTO_MOTION_BELOW = Fraction(20)          # fps a clip delivers below which auto interpolates motion
# largest picture auto interpolates by motion (1920x1080): at 1080p a whole build with the flow
# pre-render measured x2.4-2.5 the CPU of a repeat build (benchmarks/retime.py; the issue allows 4x);
# larger pictures were not measured, so there auto blends; `retime: motion` asks for it at any size
AUTO_MOTION_MAX_PIXELS = 1920 * 1080
# interpolate before the fit unless the source has clearly more pixels than the output
BEFORE_FIT_PIXELS = Fraction(3, 2)
# motion-compensated interpolation: bidirectional search, adaptive overlapped block compensation
# and variable-size blocks; scene changes fall back to a plain frame (scd)
MINTERPOLATE = "mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"
TAIL_PAD = "tpad=stop=1:stop_mode=clone"


def effective_rate(src_fps: Fraction, speed: Fraction, out_fps: Fraction) -> Fraction:
    """Pictures per second of reel time a clip delivers."""
    return Fraction(src_fps or out_fps) * Fraction(speed)


def method_for(retime: str, src_fps: Fraction, speed: Fraction, out_fps: Fraction,
               pixels: int | None = None) -> str:
    """The method that actually runs: pass | drop | repeat | blend | motion.

    ``pixels`` is how large the interpolated picture is (see :func:`interpolated_pixels`):
    ``auto`` blends instead of interpolating motion above ``AUTO_MOTION_MAX_PIXELS`` (1080p),
    where the cost was not measured (benchmarks/retime.py)."""
    eff = effective_rate(src_fps, speed, out_fps)
    if eff == out_fps:
        return "pass"
    if eff > out_fps:
        return "drop"
    if retime in ("repeat", "blend", "motion"):
        return retime
    if eff >= AUTO_MOTION_BELOW:
        return "repeat"
    return "motion" if pixels is None or pixels <= AUTO_MOTION_MAX_PIXELS else "blend"


def interpolated_pixels(src_pixels: int, out_pixels: int) -> int:
    """Pixels per frame an interpolator works on: the source's when it runs before the fit."""
    return src_pixels if src_pixels <= out_pixels * BEFORE_FIT_PIXELS else out_pixels


def filters(method: str, out_fps: Fraction) -> list[str]:
    """The filter chain converting a clip's (speed-adjusted) timestamps to ``out_fps``."""
    # interpolators need a frame after each output time: one clone of the last frame lets the
    # last source picture through (and what follows it is that picture again, not a guess)
    # and a final fps regularises the timestamps (their last frame's duration is the source's,
    # which would open a gap when the item is held to length)
    if method == "blend":
        return [TAIL_PAD, f"framerate=fps={rate(out_fps)}", f"fps={rate(out_fps)}"]
    if method == "motion":
        return [TAIL_PAD, f"minterpolate=fps={rate(out_fps)}:{MINTERPOLATE}", f"fps={rate(out_fps)}"]
    return [f"fps={rate(out_fps)}"]


def before_fit(method: str, src_pixels: int, out_pixels: int) -> bool:
    """Where the conversion sits in the item's chain: before the fit when it drops frames (less
    to scale) or interpolates a source no bigger than the output (less to interpolate, and the
    motion search sees the picture, not a blurred fill); otherwise after (repeat: the old order)."""
    if method == "drop":
        return True
    if method in ("blend", "motion"):
        return src_pixels <= out_pixels * BEFORE_FIT_PIXELS
    return False


def source_positions(frames: int, src_fps: Fraction, speed: Fraction, out_fps: Fraction) -> list[Fraction]:
    """Where each output frame of a clip falls in source frames (0 = the first frame used)."""
    step = effective_rate(src_fps, speed, out_fps) / out_fps
    return [k * step for k in range(frames)]


def step_of(src_fps: Fraction, speed: Fraction, out_fps: Fraction) -> Fraction:
    """Source frames per output frame."""
    return effective_rate(src_fps, speed, out_fps) / out_fps


def _last_placed(k: Fraction, step: Fraction) -> int:
    j = math.floor(k * step) + 1
    while j > 0 and math.floor(Fraction(j) / step + Fraction(1, 2)) > k:
        j -= 1
    return j


def frame_kinds(method: str, frames: int, src_fps: Fraction, speed: Fraction, out_fps: Fraction,
                available: int | None = None) -> list[str]:
    """Per output frame of one clip: ``source`` (a source picture shown for the first time),
    ``repeat`` (shown again), or ``synth`` (made by blending or motion interpolation).
    ``available`` source pictures: past the last one, the item holds it (repeats)."""
    if method in ("pass", "drop"):
        return ["source"] * frames
    out, last = [], -1
    for pos in source_positions(frames, src_fps, speed, out_fps):
        on_grid = pos.denominator == 1
        if available is not None and pos > available - 1:
            out.append("repeat" if last >= available - 1 else "source")
            last = available - 1
            continue
        if method == "repeat":
            # FFmpeg's fps filter places source frame j at output frame round(j / step) and holds
            # it until the next one lands: output k shows the last j placed at or before k
            shown = _last_placed(pos / step_of(src_fps, speed, out_fps), step_of(src_fps, speed, out_fps))
            out.append("repeat" if shown == last else "source")
            last = shown
        else:
            out.append("source" if on_grid else "synth")
            if on_grid:
                last = int(pos)
    return out


def item_method(item, out_fps: Fraction, width: int = 0, height: int = 0) -> str:
    """The method that runs for a timeline item (``Item.retime`` against its source, speed and,
    given the output size, how many pixels an interpolator would work on)."""
    src = item.source
    if src is None:
        return "pass"
    # the flow pre-render works at the source's size (subject crops are in source pixels)
    pixels = src.width * src.height if width else None
    return method_for(item.retime, src.fps or out_fps, item.speed, out_fps, pixels)


def chain(item, width: int, height: int, out_fps: Fraction) -> tuple[list[str], bool]:
    """(filters, before the fit?) for one clip item of the render graph."""
    if item.picture is not None:           # pre-rendered at the reel's rate (broll.assemble.motion)
        return [f"fps={rate(out_fps)}"], False
    method = item_method(item, out_fps, width, height)
    src = item.source
    src_pixels = src.width * src.height if src is not None else width * height
    return filters(method, out_fps), before_fit(method, src_pixels, width * height)


__all__ = ["AUTO_MOTION_MAX_PIXELS", "chain", "interpolated_pixels", "item_method", "AUTO_MOTION_BELOW", "METHODS", "before_fit", "effective_rate", "filters", "frame_kinds",
           "method_for", "source_positions"]
