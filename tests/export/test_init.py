"""`broll init`: every starter writes a commented edit list, folders, and (with --demo) its media."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner

from broll.cli import main
from broll.media.probe import probe
from broll.templates.starters import FOLDERS, demo_files, starters

ISSUE_2_TOP_KEYS = {"version", "output", "preset", "loudness", "defaults", "music", "timeline",
                    "fps"}          # issue 20: the starters follow the footage's rate (fps: auto)
ISSUE_2_ITEM_KEYS = {"clip", "in", "out", "speed", "audio", "fit", "transition", "text",
                     "image", "duration", "motion", "title", "background"}
ISSUE_18_TOP_KEYS = {"vars", "captions", "overlays", "voiceover"}   # only the captioned-reel starter uses them
ISSUE_18_ITEM_KEYS = {"caption"}


def test_at_least_three_starters():
    assert {"product-teaser", "social-15s", "montage-60s"} <= set(starters())


@pytest.mark.parametrize("name", sorted(starters()))
def test_every_key_has_a_comment_and_uses_the_issue_2_format(name):
    text = starters()[name].text
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*(- )?[a-z_]+:", line):
            assert "#" in line, f"{name}.yaml:{number}: key without a comment: {line.strip()}"
    data = yaml.safe_load(text)
    extra_top, extra_item = (ISSUE_18_TOP_KEYS, ISSUE_18_ITEM_KEYS) if name == "captioned-reel" else (set(), set())
    assert ISSUE_2_TOP_KEYS - {"defaults"} <= set(data) <= ISSUE_2_TOP_KEYS | extra_top and data["version"] == 1
    for item in data["timeline"]:
        assert set(item) <= ISSUE_2_ITEM_KEYS | extra_item, item
        assert sum(k in item for k in ("clip", "image", "title")) == 1


def test_init_refuses_to_overwrite_and_suggests(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    result = runner.invoke(main, ["init", str(tmp_path / "p")])
    assert result.exit_code != 0 and "already exists" in str(result.exception)
    result = runner.invoke(main, ["init", "-t", "social", str(tmp_path / "q")])
    assert "did you mean 'social-15s'" in str(result.exception.hint)
    without = json.loads(runner.invoke(main, ["init", "--json", str(tmp_path / "r")]).output)
    assert "clips/detail.mp4" in without["missing_media"]


@pytest.mark.parametrize("name,seconds", [("social-15s", 15), ("product-teaser", None),
                                          pytest.param("montage-60s", 60, marks=pytest.mark.slow)])
def test_init_demo_projects_build_as_they_are(name, seconds, tmp_path):
    folder = tmp_path / name
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--template", name, "--demo", "--json", str(folder)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["missing_media"] == []
    assert all((folder / d).is_dir() for d in FOLDERS)
    text = (folder / "edit.yaml").read_text()
    assert text == starters()[name].text
    for f in demo_files(text):                      # each file as long as the edit list needs
        info = probe(folder / f.relpath)
        assert float(info.duration) >= f.seconds - 0.05 if f.kind == "clip" else info.is_still or f.kind == "music"
    result = runner.invoke(main, ["build", str(folder / "edit.yaml"), "--preview", "--json", "-q"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)["outputs"][0]
    info = probe(out["path"])
    assert info.has_audio and abs(float(info.duration) - out["duration"]) < 0.1
    if seconds is not None:
        # the template's promise, to the frame, at the preset's 30 fps (the 15 fps preview rounds transitions)
        from broll.assemble.resolve import validate_edit_list
        _, jobs = validate_edit_list(folder / "edit.yaml")
        assert jobs[0].timeline.duration == seconds


def test_captioned_reel_demo_builds_three_variants(tmp_path):
    """The #18 starter: captions, a logo, a lower-third and a voice-over; three variants from its CSV."""
    folder = tmp_path / "captioned"
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--template", "captioned-reel", "--demo", "--json", str(folder)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["missing_media"] == [] and report["variants"] == str(folder / "variants.csv")
    assert probe(folder / "stills" / "logo.png").pix_fmt == "rgba"
    result = runner.invoke(main, ["build", str(folder / "edit.yaml"), "--variants", str(folder / "variants.csv"),
                                  "--preview", "--json", "-q"])
    assert result.exit_code == 0, result.output
    variants = json.loads(result.output)["variants"]
    assert [v["variables"]["slug"] for v in variants] == ["spring", "summer", "autumn"]
    for v in variants:
        info = probe(v["outputs"][0]["path"])
        assert info.has_audio and info.width == 360 and info.height == 640
