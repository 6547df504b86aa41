"""Word-timed transcripts for ``captions: {path: words.json}``: audio or a reel -> whisper-style JSON.

Optional: needs the ``broll[transcribe]`` extra (faster-whisper; its model downloads on first use). Without it the
command says how to install it. The JSON has the shape :func:`broll.captions.readers.read_words_json` reads:
``{"language", "segments": [{"start", "end", "text", "words": [{"start", "end", "word"}]}]}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Optional

from broll.errors import InputError, InstallError

INSTALL_HINT = "pip install 'broll[transcribe]'  (faster-whisper; the model downloads on first use)"
DEFAULT_MODEL = "small"


def _whisper_model_class():
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise InstallError("`broll captions transcribe` needs the optional transcription extra",
                           INSTALL_HINT) from None
    return WhisperModel


def transcript_dict(segments, language: Optional[str]) -> dict:
    """faster-whisper's segments (objects with start/end/text/words) -> the JSON broll reads."""
    out = []
    for seg in segments:
        words = [{"start": round(float(w.start), 3), "end": round(float(w.end), 3), "word": str(w.word).strip()}
                 for w in (getattr(seg, "words", None) or []) if str(w.word).strip()]
        out.append({"start": round(float(seg.start), 3), "end": round(float(seg.end), 3),
                    "text": str(seg.text).strip(), "words": words})
    return {"language": language, "segments": out}


def transcribe(media: str | os.PathLike, output: str | os.PathLike, *, model: str = DEFAULT_MODEL,
               language: Optional[str] = None, device: str = "auto",
               on_segment: Optional[Callable[[float], None]] = None) -> dict:
    """Transcribe the sound of ``media`` (an audio file or a rendered reel) to ``output`` (JSON, atomic)."""
    WhisperModel = _whisper_model_class()
    from broll.atomic import write_text
    from broll.errors import MediaError
    from broll.media.probe import probe

    path = Path(media)
    try:
        info = probe(path)
    except MediaError:
        raise
    if not info.has_audio:
        raise InputError(f"{media}: has no audio track to transcribe", "pass the voice-over or a reel with sound")
    whisper = WhisperModel(model, device=device, compute_type="int8" if device in ("auto", "cpu") else "default")
    segments, meta = whisper.transcribe(str(path), word_timestamps=True, language=language)
    collected = []
    for seg in segments:                        # a generator: transcription happens while iterating
        collected.append(seg)
        if on_segment:
            on_segment(float(seg.end))
    doc = transcript_dict(collected, getattr(meta, "language", language))
    write_text(output, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return doc
