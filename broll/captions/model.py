"""The caption model: cues of words on the reel's clock, in exact seconds."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Optional

WordsMode = Literal["highlight", "reveal", "none"]
Position = Literal["bottom", "center", "top"]


@dataclass(frozen=True)
class Word:
    """One spoken word; ``start``/``end`` in seconds on the same clock as its cue."""

    text: str
    start: Fraction
    end: Fraction


@dataclass(frozen=True)
class Cue:
    """A caption shown from ``start`` (inclusive) to ``end`` (exclusive), seconds on the reel's clock.

    ``words`` is empty when the source has no word timings; ``where`` names the source line for errors.
    """

    start: Fraction
    end: Fraction
    text: str
    words: tuple[Word, ...] = ()
    where: str = ""

    def shifted(self, offset: Fraction) -> "Cue":
        """The same cue moved by ``offset`` seconds (a cue attached to an item starts with the item)."""
        return Cue(self.start + offset, self.end + offset, self.text,
                   tuple(Word(w.text, w.start + offset, w.end + offset) for w in self.words), self.where)


@dataclass(frozen=True)
class CaptionStyle:
    """How captions look. Sizes are fractions of the picture height so one style serves every preset."""

    font: str = "sans-serif:bold"      # a font file path, or a fontconfig family
    size: float = 0.055                # font size / picture height
    min_size: float = 0.03             # never shrink below this to fit; wrap first
    color: str = "#FFFFFF"
    highlight_color: str = "#FFD400"   # the spoken word with words: highlight
    outline_color: str = "#000000"
    outline: float = 0.06              # outline width / font size
    shadow: float = 0.0                # shadow offset / font size
    box: Optional[str] = None          # background box colour (e.g. "#000000@0.6"), None = no box
    position: Position = "bottom"
    max_chars: int = 32                # per line
    max_lines: int = 2
    words: WordsMode = "none"
