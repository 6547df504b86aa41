"""Caption sources -> cues: SubRip (.srt), WebVTT (.vtt), whisper-style word JSON, inline cues.

Every problem is an :class:`~broll.errors.EditListError` located at the file and line (or JSON path), so a bad
caption file is one line on the terminal, never a traceback. Times are exact fractions of a second.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Sequence

from broll.captions.model import Cue, Word
from broll.errors import EditListError

# 00:00:01,500 (SRT) / 00:00:01.500 or 00:01.500 (WebVTT); hours optional, any number of hour digits
_STAMP = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]?\d)[.,](\d{1,3})$")
_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(.*)$")
_TAGS = re.compile(r"<[^>]*>")      # WebVTT/SRT inline tags (<i>, <b>, <c.x>, <00:00:01.000>)
_SRT_BRACES = re.compile(r"\{\\[^}]*\}")  # ASS-style overrides some SRT writers leave


def parse_stamp(text: str) -> Fraction:
    """``01:02:03,456`` / ``02:03.456`` -> exact seconds; ValueError when malformed."""
    m = _STAMP.match(text.strip())
    if not m:
        raise ValueError(f"bad timestamp {text!r} (expected HH:MM:SS,mmm or MM:SS.mmm)")
    hours, minutes, seconds, millis = m.groups()
    return (Fraction(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
            + Fraction(int(millis.ljust(3, "0")), 1000))


def _clean(text: str) -> str:
    text = _SRT_BRACES.sub("", _TAGS.sub("", text))
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
    return " ".join(text.split())


def _check_order(cue: Cue, file: str, line: int) -> Cue:
    if cue.end <= cue.start:
        raise EditListError(f"cue ends at {float(cue.end):.3f} s, not after its start {float(cue.start):.3f} s",
                            file=file, line=line, hint="fix the cue's times")
    return cue


def _timed_blocks(lines: Sequence[str], file: str, *, vtt: bool) -> list[Cue]:
    """Blocks separated by blank lines; the first line holding ``-->`` carries the times."""
    cues: list[Cue] = []
    i, n = 0, len(lines)
    while i < n:
        while i < n and not lines[i].strip():
            i += 1
        block: list[tuple[int, str]] = []
        while i < n and lines[i].strip():
            block.append((i + 1, lines[i]))
            i += 1
        if not block:
            break
        head = block[0][1].strip()
        if vtt and (head.startswith("NOTE") or head.startswith("STYLE") or head.startswith("REGION")):
            continue
        timing = next(((no, text) for no, text in block[:2] if "-->" in text), None)
        if timing is None:
            raise EditListError(f"a cue without a 'start --> end' line: {head[:40]!r}", file=file,
                                line=block[0][0], hint="each cue needs a line like 00:00:01,000 --> 00:00:02,500")
        no, text = timing
        m = _ARROW.match(text)
        if not m:
            raise EditListError(f"bad timing line {text.strip()!r}", file=file, line=no,
                                hint="expected 00:00:01,000 --> 00:00:02,500")
        try:
            start, end = parse_stamp(m.group(1)), parse_stamp(m.group(2))
        except ValueError as exc:
            raise EditListError(str(exc), file=file, line=no) from None
        body = [t for k, t in block if k > no]
        caption = _clean(" ".join(body))
        if not caption:
            continue  # an empty cue shows nothing; SRT writers emit them for gaps
        cues.append(_check_order(Cue(start, end, caption, where=f"{file}:{no}"), file, no))
    return cues


def read_srt(text: str, file: str = "<srt>") -> list[Cue]:
    """SubRip: numbered blocks, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, text lines."""
    return _timed_blocks(text.lstrip("\ufeff").splitlines(), file, vtt=False)


def read_vtt(text: str, file: str = "<vtt>") -> list[Cue]:
    """WebVTT: a ``WEBVTT`` header, optional NOTE/STYLE blocks, cues with optional identifiers and settings."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise EditListError("not a WebVTT file: the first line must be 'WEBVTT'", file=file, line=1,
                            hint="use .srt for SubRip files")
    return _timed_blocks(lines[1:], file, vtt=True)


def _number(value: Any, where: str, file: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EditListError(f"{where}: expected a number of seconds, got {value!r}", file=file)
    if value != value or value in (float("inf"), float("-inf")) or value < 0 or value > 1e7:
        raise EditListError(f"{where}: time {value!r} is out of range", file=file)
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def read_words_json(text: str, file: str = "<json>") -> list[Cue]:
    """Whisper-style transcripts: ``{"segments": [{"start", "end", "text", "words": [{"start", "end", "word"}]}]}``.

    Accepts a bare list of segments too, and ``text`` in place of ``word`` (transcribers differ). A segment
    without words becomes a plain cue.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EditListError(f"not valid JSON: {exc.msg}", file=file, line=exc.lineno, column=exc.colno) from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list):
        raise EditListError("expected {\"segments\": [...]} (a whisper-style transcript)", file=file,
                            hint="each segment holds start, end, text and optionally words")
    cues = []
    for i, seg in enumerate(segments):
        where = f"segments[{i}]"
        if not isinstance(seg, dict):
            raise EditListError(f"{where}: expected an object with start, end, text", file=file)
        words = []
        for j, w in enumerate(seg.get("words") or []):
            wwhere = f"{where}.words[{j}]"
            if not isinstance(w, dict):
                raise EditListError(f"{wwhere}: expected an object with start, end, word", file=file)
            token = w.get("word", w.get("text"))
            if not isinstance(token, str):
                raise EditListError(f"{wwhere}: missing 'word' text", file=file)
            ws, we = _number(w.get("start"), f"{wwhere}.start", file), _number(w.get("end"), f"{wwhere}.end", file)
            if we < ws:
                raise EditListError(f"{wwhere}: ends before it starts", file=file)
            if token.strip():
                words.append(Word(token.strip(), ws, we))
        if "start" in seg or not words:
            start = _number(seg.get("start"), f"{where}.start", file)
            end = _number(seg.get("end"), f"{where}.end", file)
        else:
            start, end = words[0].start, words[-1].end
        caption = _clean(seg.get("text") or " ".join(w.text for w in words))
        if not caption:
            continue
        if words:  # a word may not leak outside its segment: clamp, transcribers round differently
            words = [Word(w.text, min(max(w.start, start), end), min(max(w.end, start), end)) for w in words]
            caption = " ".join(w.text for w in words)
        if end <= start:
            raise EditListError(f"{where}: ends at {float(end):.3f} s, not after its start", file=file)
        cues.append(Cue(start, end, caption, tuple(words), where=f"{file}:{where}"))
    return cues


def read_inline(entries: Iterable[dict], file: str = "<edit list>") -> list[Cue]:
    """Inline ``cues:`` from an edit list, already validated: dicts with ``start``, ``end``, ``text``."""
    cues = []
    for i, entry in enumerate(entries):
        start, end = Fraction(entry["start"]), Fraction(entry["end"])
        cue = Cue(start, end, _clean(str(entry["text"])), where=f"{file}:captions.cues[{i}]")
        if end <= start:
            raise EditListError(f"captions.cues[{i}]: ends at {float(end):.3f} s, not after its start", file=file)
        cues.append(cue)
    return cues


READERS = {".srt": read_srt, ".vtt": read_vtt, ".json": read_words_json}


def read_captions(path: str | Path) -> list[Cue]:
    """Read a caption file by its extension; a located one-line error for anything unreadable."""
    p = Path(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise EditListError(f"unknown caption format '{p.suffix or p.name}'", file=str(p),
                            hint="use .srt, .vtt or a whisper-style .json transcript")
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise EditListError("caption file not found", file=str(p), hint="check the path (relative to the edit list)") from None
    except OSError as exc:
        raise EditListError(f"cannot read caption file: {exc.strerror}", file=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EditListError("not UTF-8 text", file=str(p), line=line, hint="save the file as UTF-8") from None
    cues = reader(text, str(p))
    return sorted(cues, key=lambda c: (c.start, c.end))
