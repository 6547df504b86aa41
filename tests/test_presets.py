import pytest

from broll.errors import EditListError, UnknownNameError
from broll.templates.presets import builtin_presets, get_preset, load_user_presets


def test_builtin_sizes():
    p = builtin_presets()
    assert (p["9x16-1080p"].width, p["9x16-1080p"].height) == (1080, 1920)
    assert p["reels"].safe_zone.bottom > 0.2
    assert p["youtube-4k"].width == 3840


def test_unknown_preset_suggests():
    with pytest.raises(UnknownNameError, match="did you mean 'reels'"):
        get_preset("reel")


def test_user_presets_extend_builtin(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("story:\n  base: reels\n  max_duration: 15\n  video: {crf: 23}\n")
    mine = load_user_presets(f)["story"]
    assert mine.width == 1080 and mine.max_duration == 15 and mine.video.crf == 23 and mine.video.maxrate == "10M"
    f.write_text("odd:\n  base: reels\n  width: 1081\n")
    with pytest.raises(EditListError, match="even"):
        load_user_presets(f)
