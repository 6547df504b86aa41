"""`broll generate status` and `generate report` read an edit list's generate: section too."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner
from pipeline_helpers import write_edit

from broll.cli import main


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_status_and_report_of_an_edit_list_with_an_inline_section(provider_fake, tmp_path):
    provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}, {"id": "sky", "prompt": "the sky"},
                                 {"id": "spare", "prompt": "never used"}],
                      timeline=[{"shot": "sea", "out": 1.0}, {"shot": "sky", "out": 1.0}])
    before = _cli("generate", "status", str(edit), "--json")
    assert before.exit_code == 0, before.output
    clips = json.loads(before.output)["clips"]
    # the shots the timeline uses, as `broll build` generates them; 'spare' is never generated
    assert [(c["shot"], c["state"]) for c in clips] == [("sea", "not started"), ("sky", "not started")]
    built = _cli("build", str(edit), "--until", "generate")
    assert built.exit_code == 0, built.output
    after = json.loads(_cli("generate", "status", str(edit), "--json").output)
    assert [c["state"] for c in after["clips"]] == ["done", "done"] and after["spent"] > 0
    table = _cli("generate", "status", str(edit))
    assert table.exit_code == 0 and "edit.yaml" in table.output and "sea" in table.output
    report = _cli("generate", "report", str(edit), "--json")
    assert report.exit_code == 0, report.output
    rows = json.loads(report.output)["rows"]
    assert len(rows) == 1 and rows[0]["clips"] == 2


def test_status_of_an_edit_list_naming_a_batch_file(provider_fake, tmp_path):
    provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}])
    doc = yaml.safe_load(edit.read_text())
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump(doc["generate"], sort_keys=False))
    doc["generate"] = "batch.yaml"
    edit.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = json.loads(_cli("generate", "status", str(edit), "--json").output)
    assert out["batch"].endswith("batch.yaml") and [c["shot"] for c in out["clips"]] == ["sea"]


def test_status_of_an_edit_list_without_a_section_says_so(tmp_path):
    edit = tmp_path / "edit.yaml"
    edit.write_text("version: 1\noutput: out/reel.mp4\ntimeline:\n  - title: hello\n    duration: 1\n")
    from broll.errors import InputError
    res = CliRunner().invoke(main, ["generate", "status", str(edit)])
    assert isinstance(res.exception, InputError) and "no generate: section" in res.exception.message
