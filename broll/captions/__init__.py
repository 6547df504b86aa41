"""Captions on the reel's clock: read cues (SRT, WebVTT, word-timed JSON, inline), lay them out inside a
preset's safe zone, and write the .ass script FFmpeg's libass renders inside the build graph.

Pure model and text formats only: nothing here starts FFmpeg (``broll/media`` does that).

    readers.py   SRT / WebVTT / whisper-style word JSON / inline cues -> Cue tuples, located errors
    model.py     Word, Cue, CaptionStyle (frozen)
    layout.py    line breaking (max characters, at most two lines) and the font size that fits
    ass.py       Cue tuples + style + frame size + rate -> an .ass document, frame-exact
"""

from broll.captions.model import CaptionStyle, Cue, Word

__all__ = ["CaptionStyle", "Cue", "Word"]
