"""Layout (wrap, shrink, split) and the .ass writer's frame-exact timing."""

from fractions import Fraction

import pytest

from broll.captions.ass import Canvas, ass_colour, frame_of, render_ass, stamp
from broll.captions.layout import balanced, fit, text_width
from broll.captions.model import CaptionStyle, Cue, Word


def test_colours_are_ass_bgr_with_transparency():
    assert ass_colour("#FF8000") == "&H000080FF"
    assert ass_colour("black@0.6") == "&H66000000"
    assert ass_colour("#00000080") == "&H7F000000"


@pytest.mark.parametrize("fps", [Fraction(24000, 1001), 24, 25, Fraction(30000, 1001), 30, 50, 60])
def test_stamps_fall_between_frames(fps):
    """Each boundary is after the previous frame's millisecond time and at or before its own (libass's test)."""
    fps = Fraction(fps)
    for frame in range(1, 2000):
        cs = int(stamp(frame, fps).split(".")[1]) + 100 * sum(
            int(x) * m for x, m in zip(stamp(frame, fps).split(".")[0].split(":"), (3600, 60, 1)))
        start_ms = cs * 10
        assert int(Fraction(frame - 1) / fps * 1000) < start_ms <= int(Fraction(frame) / fps * 1000)


def test_balanced_two_lines():
    assert balanced("the quick brown fox jumps over".split(), 2) == ["the quick brown", "fox jumps over"]


def test_fit_wraps_then_shrinks_then_splits():
    cue = Cue(Fraction(0), Fraction(4), "short")
    assert fit(cue, width_px=900, height_px=1920, size=0.05, min_size=0.03, max_chars=32, max_lines=2)[0].lines == ("short",)
    long = Cue(Fraction(0), Fraction(4), " ".join(["word"] * 40))
    blocks = fit(long, width_px=900, height_px=1920, size=0.05, min_size=0.03, max_chars=32, max_lines=2)
    assert len(blocks) > 1 and all(len(b.lines) <= 2 for b in blocks)
    assert blocks[0].cue.start == 0 and blocks[-1].cue.end == 4
    assert all(a.cue.end == b.cue.start for a, b in zip(blocks, blocks[1:]))
    for b in blocks:
        assert all(text_width(line, b.size_px) <= 900 for line in b.lines)
    huge = Cue(Fraction(0), Fraction(1), "Supercalifragilisticexpialidocious" * 2)
    (block,) = fit(huge, width_px=400, height_px=1080, size=0.05, min_size=0.03, max_chars=32, max_lines=2)
    assert text_width(block.lines[0], block.size_px) <= 400


def test_render_ass_word_highlight_events():
    cue = Cue(Fraction(1), Fraction(3), "Big spring sale",
              (Word("Big", Fraction(1), Fraction(3, 2)), Word("spring", Fraction(3, 2), Fraction(2)),
               Word("sale", Fraction(2), Fraction(3))))
    doc = render_ass([cue], CaptionStyle(words="highlight"), Canvas(1080, 1920, Fraction(30)))
    events = [line for line in doc.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == 3
    assert events[0].split(",")[1:3] == ["0:00:01.00", "0:00:01.50"]
    assert events[2].split(",")[1:3] == ["0:00:02.00", "0:00:03.00"]
    assert "\\1c&H0000D4FF&" not in events[0]  # colours are written without a trailing &
    assert "{\\1c&H0000D4FF}spring" in events[1]
    assert "PlayResX: 1080" in doc and "PlayResY: 1920" in doc


def test_frame_of_is_first_frame_at_or_after():
    assert frame_of(Fraction(1), Fraction(30)) == 30
    assert frame_of(Fraction(1001, 1000), Fraction(30)) == 31
