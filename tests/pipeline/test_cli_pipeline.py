"""The CLI face: `broll init --generate`, `broll build --dry-run / --until`, the takes in review."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from pipeline_helpers import write_edit

from broll.cli import main


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_init_generate_writes_a_starter_that_builds_offline(tmp_path):
    folder = tmp_path / "proj"
    made = _cli("init", "--template", "social-15s", "--generate", str(folder))
    assert made.exit_code == 0, made.output
    doc = yaml.safe_load((folder / "edit.yaml").read_text())
    assert doc["generate"]["provider"] == "offline" and doc["generate"]["defaults"]["aspect"] == "9:16"
    assert [i.get("shot") for i in doc["timeline"] if "shot" in i] == ["hook", "build", "reveal", "payoff"]
    assert not (folder / "clips" / "hook.mp4").exists()
    dry = _cli("build", str(folder / "edit.yaml"), "--dry-run", "--json")
    assert dry.exit_code == 0 and len(json.loads(dry.output)["requests"]) == 4
    built = _cli("build", str(folder / "edit.yaml"), "--preview", "--json")
    assert built.exit_code == 0, built.output
    result = json.loads(built.output)
    assert result["outputs"][0]["probed_frames"] == result["outputs"][0]["frames"]
    assert set(result["shots"]["chosen"]) == {"hook", "build", "reveal", "payoff"}
    assert result["stages"]["graded"] and result["stages"]["graded"][0]["reference"] == "style/look.png"


def test_build_dry_run_and_until_through_the_cli(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea", "variants": 2}], generate_extra={"budget": 3})
    dry = _cli("build", str(edit), "--dry-run")
    assert dry.exit_code == 0 and fake.log == []
    assert "kling/kling-v3 sea v1" in dry.output and "estimated $0.50" in dry.output
    assert "timeline[0] shot sea: to generate" in dry.output and "nothing was sent." in dry.output
    until = _cli("build", str(edit), "--until", "check")
    assert until.exit_code == 0, until.output
    assert "shot sea: take v1" in until.output and "stopped after check" in until.output
    assert "cost: $0.50 this run, $0.50 in total, $2.50 of $3.00 budget left" in until.output
    assert not (tmp_path / "out").exists() and fake.count("create") == 2
    dry = _cli("build", str(edit), "--dry-run", "--json")
    assert json.loads(dry.output)["requests"] == [] and fake.count("create") == 2


def test_review_lists_every_take_of_a_shot(provider_fake, tmp_path):
    from broll.assemble.build import build
    from broll.review.sources import resolve_source
    provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea", "variants": 2},
                                 {"id": "sky", "prompt": "the sky"}])
    build(edit, until="generate")
    src = resolve_source(edit)
    assert [c.path.name for c in src.clips] == ["sea-v1.mp4", "sea-v2.mp4", "sky.mp4"]
