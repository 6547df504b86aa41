"""Line breaking and sizing: a cue fits inside the safe zone in at most ``max_lines`` lines, or it shrinks, or
it is split in time. It is never clipped.

Widths are estimated from per-character advance classes measured on DejaVu Sans Bold (the font broll falls back
to), rounded up so the estimate errs wide; libass's own smart wrapping remains a safety net inside the margins.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from broll.captions.model import Cue, Word

# advance width / font size (em), erring wide; DejaVu Sans Bold measures 0.33-0.39 for narrow glyphs,
# 0.59-0.72 for most lower/upper case, 0.87-1.03 for m/w/M/W
_NARROW = set("iljtfI!|.,:;'\"`()[]{}-")
_WIDE = set("mwMW@%&")


def text_width(text: str, size_px: float) -> float:
    """Estimated rendered width in pixels of one line of ``text`` at ``size_px``."""
    em = 0.0
    for ch in text:
        if ch == " ":
            em += 0.36
        elif ch in _NARROW:
            em += 0.42
        elif ch in _WIDE:
            em += 1.05
        elif ch.isupper() or ch.isdigit():
            em += 0.8
        elif ord(ch) > 0x2E80:   # CJK and other wide scripts: a full em
            em += 1.0
        else:
            em += 0.7
    return em * size_px


def _lines_at(words: list[str], limit_chars: int) -> list[list[str]]:
    """Greedy word wrap at ``limit_chars``; a single word longer than the limit stands alone on its line."""
    lines: list[list[str]] = []
    for word in words:
        if lines and len(" ".join(lines[-1] + [word])) <= limit_chars:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def balanced(words: list[str], count: int) -> list[str]:
    """Split ``words`` into ``count`` lines minimising the longest line (bottom-heavy ties, as subtitlers do)."""
    n = len(words)
    count = max(1, min(count, n))
    best: tuple[int, int, list[str]] | None = None

    def rec(start: int, left: int, acc: list[str]) -> None:
        nonlocal best
        if left == 1:
            lines = acc + [" ".join(words[start:])]
            key = (max(len(x) for x in lines), -len(lines[-1]))
            if best is None or key < best[:2]:
                best = (key[0], key[1], lines)
            return
        for cut in range(start + 1, n - left + 2):
            rec(cut, left - 1, acc + [" ".join(words[start:cut])])

    if n > 24:  # long text: greedy is good enough and the search would be slow
        return [" ".join(line) for line in _lines_at(words, max(1, len(" ".join(words)) // count + 1))]
    rec(0, count, [])
    assert best is not None
    return best[2]


@dataclass(frozen=True)
class Block:
    """A cue laid out: its lines and the font size in pixels that fits them."""

    cue: Cue
    lines: tuple[str, ...]
    size_px: int


def fit(cue: Cue, *, width_px: int, height_px: int, size: float, min_size: float, max_chars: int,
        max_lines: int) -> list[Block]:
    """Lay ``cue`` out inside ``width_px``: wrap, then shrink down to ``min_size``, then split it in time."""
    words = cue.text.split()
    if not words:
        return []
    size_px = max(8, round(size * height_px))
    floor_px = max(8, round(min(min_size, size) * height_px))
    while True:
        lines = _wrap(words, width_px, size_px, max_chars, max_lines)
        if lines is not None:
            return [Block(cue, tuple(lines), size_px)]
        if size_px <= floor_px:
            break
        size_px = max(floor_px, int(size_px * 0.9))
    if len(words) == 1:  # one word too wide even at the smallest size: shrink it further rather than clip it
        return [Block(cue, (words[0],), max(6, int(width_px / max(text_width(words[0], 1.0), 1e-6))))]
    return [block for part in _split(cue) for block in
            fit(part, width_px=width_px, height_px=height_px, size=size, min_size=min_size,
                max_chars=max_chars, max_lines=max_lines)]


def _wrap(words: list[str], width_px: int, size_px: int, max_chars: int, max_lines: int) -> list[str] | None:
    for count in range(1, max_lines + 1):
        if count > len(words):
            break
        lines = balanced(words, count)
        if all(len(line) <= max_chars or " " not in line for line in lines) and \
                all(text_width(line, size_px) <= width_px for line in lines):
            return lines
    return None


def _split(cue: Cue) -> list[Cue]:
    """Two halves of a cue in time: at a word boundary, timed by the words when known, else by characters."""
    words = cue.text.split()
    half = len(words) // 2
    first_words: tuple[Word, ...] = ()
    second_words: tuple[Word, ...] = ()
    if cue.words and len(cue.words) == len(words):
        mid = cue.words[half].start
        first_words, second_words = cue.words[:half], cue.words[half:]
    else:
        share = Fraction(len(" ".join(words[:half])), len(cue.text))
        mid = cue.start + (cue.end - cue.start) * share
    mid = min(max(mid, cue.start), cue.end)
    return [Cue(cue.start, mid, " ".join(words[:half]), first_words, cue.where),
            Cue(mid, cue.end, " ".join(words[half:]), second_words, cue.where)]
