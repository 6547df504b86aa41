"""`broll captions transcribe`: the optional extra's absence is one clear line; its output is what captions read.

No model is ever loaded: a stand-in ``faster_whisper`` module returns fixed word timings.
"""

from __future__ import annotations

import subprocess
import sys
import types
from fractions import Fraction
from types import SimpleNamespace

import pytest

from broll.captions.readers import read_captions
from broll.media import synth


def test_without_the_extra_it_says_how_to_install(tmp_path):
    synth.make_tone(tmp_path / "voice.m4a", duration=1.0)
    code = ("import sys; sys.modules['faster_whisper'] = None; from broll.cli import run; "
            f"sys.argv = ['broll', 'captions', 'transcribe', {str(tmp_path / 'voice.m4a')!r}, '-o', "
            f"{str(tmp_path / 'w.json')!r}]; run()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert "pip install 'broll[transcribe]'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "w.json").exists()


def test_transcript_is_a_caption_file_broll_reads(tmp_path, monkeypatch):
    words = [SimpleNamespace(start=0.12, end=0.5, word=" Spring"), SimpleNamespace(start=0.55, end=0.9, word=" sale")]
    calls = {}

    class FakeModel:
        def __init__(self, name, **kwargs):
            calls["model"] = name

        def transcribe(self, path, word_timestamps, language):
            calls["word_timestamps"] = word_timestamps
            seg = SimpleNamespace(start=0.1, end=0.95, text=" Spring sale", words=words)
            return iter([seg]), SimpleNamespace(language="en")

    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=FakeModel))
    from broll.captions.transcribe import transcribe

    synth.make_tone(tmp_path / "voice.m4a", duration=1.0)
    doc = transcribe(tmp_path / "voice.m4a", tmp_path / "words.json", model="tiny")
    assert calls == {"model": "tiny", "word_timestamps": True} and doc["language"] == "en"
    cues = read_captions(tmp_path / "words.json")
    assert [c.text for c in cues] == ["Spring sale"]
    assert [(w.text, w.start) for w in cues[0].words] == [("Spring", Fraction(3, 25)), ("sale", Fraction(11, 20))]


def test_a_file_without_sound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=object))
    from broll.captions.transcribe import transcribe
    from broll.errors import InputError

    synth.make_clip(tmp_path / "silent.mp4", audio=None)
    with pytest.raises(InputError, match="no audio track"):
        transcribe(tmp_path / "silent.mp4", tmp_path / "w.json")
