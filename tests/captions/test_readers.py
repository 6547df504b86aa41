"""Caption sources: SRT, WebVTT, whisper-style word JSON; bad files are one located error."""

from fractions import Fraction

import pytest

from broll.captions.readers import parse_stamp, read_captions, read_srt, read_vtt, read_words_json
from broll.errors import EditListError

SRT = """\ufeff1
00:00:01,000 --> 00:00:02,500
Hello <i>there</i>

2
00:00:02,500 --> 00:00:04,000
General
Kenobi

3
00:00:05,000 --> 00:00:05,000
zero length
"""


def test_stamps_are_exact():
    assert parse_stamp("00:00:01,001") == Fraction(1001, 1000)
    assert parse_stamp("01:02.5") == Fraction(625, 10)
    assert parse_stamp("1:00:00.000") == 3600
    with pytest.raises(ValueError):
        parse_stamp("1.5")


def test_srt_reads_cues_and_strips_tags():
    with pytest.raises(EditListError) as err:
        read_srt(SRT, "a.srt")
    assert "a.srt:11" in str(err.value) and "not after its start" in str(err.value)
    cues = read_srt(SRT.split("\n3\n")[0], "a.srt")
    assert [(c.start, c.end, c.text) for c in cues] == [
        (1, Fraction(5, 2), "Hello there"), (Fraction(5, 2), 4, "General Kenobi")]


def test_vtt_skips_notes_and_settings():
    text = ("WEBVTT - a title\n\nNOTE a comment\nspanning lines\n\nintro\n00:01.000 --> 00:02.000 align:start\n"
            "<c.yellow>Hi</c> &amp; bye\n")
    cues = read_vtt(text, "b.vtt")
    assert [(c.start, c.end, c.text) for c in cues] == [(1, 2, "Hi & bye")]
    with pytest.raises(EditListError, match="b.vtt:1: not a WebVTT"):
        read_vtt("1\n00:00:01,000 --> 00:00:02,000\nx\n", "b.vtt")


def test_whisper_words():
    text = ('{"segments": [{"start": 0.0, "end": 1.2, "text": " Big sale", "words": ['
            '{"start": 0.0, "end": 0.5, "word": " Big"}, {"start": 0.5, "end": 1.3, "word": " sale"}]},'
            '{"start": 2, "end": 3, "text": "no words"}]}')
    cues = read_words_json(text, "w.json")
    assert cues[0].text == "Big sale" and [w.text for w in cues[0].words] == ["Big", "sale"]
    assert cues[0].words[1].end == Fraction(6, 5)  # clamped into its segment
    assert cues[1].words == () and cues[1].text == "no words"


@pytest.mark.parametrize("body, where", [
    ("{", "w.json:1:2"),
    ('{"segments": {}}', "segments"),
    ('{"segments": [{"start": "x", "end": 1, "text": "a"}]}', "segments[0].start"),
    ('{"segments": [{"start": 0, "end": 1, "words": [{"start": 0, "end": 1}]}]}', "missing 'word'"),
    ('{"segments": [{"start": 1e400, "end": 1, "text": "a"}]}', "out of range"),
])
def test_bad_json_is_located(body, where):
    with pytest.raises(EditListError) as err:
        read_words_json(body, "w.json")
    assert where in str(err.value)


def test_read_captions_by_extension(tmp_path):
    (tmp_path / "a.srt").write_text(SRT.split("\n3\n")[0], encoding="utf-8")
    assert len(read_captions(tmp_path / "a.srt")) == 2
    with pytest.raises(EditListError, match="unknown caption format"):
        read_captions(tmp_path / "a.txt")
    with pytest.raises(EditListError, match="not found"):
        read_captions(tmp_path / "missing.srt")
    (tmp_path / "bad.srt").write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\n\xff\xfe\n")
    with pytest.raises(EditListError, match="bad.srt:3: not UTF-8"):
        read_captions(tmp_path / "bad.srt")
