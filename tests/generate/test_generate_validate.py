"""The batch validator: what a model cannot do is refused before anything is sent, located in
the YAML with the reason; what it will not honour (a seed) is reported, never silently dropped."""

from __future__ import annotations

import json

import pytest
import yaml
from gen_helpers import run_cli

from broll.errors import EditListError
from broll.generate.spec import load_spec


def spec_file(tmp_path, text: str):
    path = tmp_path / "batch.yaml"
    path.write_text(text)
    return path


def errors_of(path) -> list[str]:
    with pytest.raises(EditListError) as caught:
        load_spec(path)
    return caught.value.lines() if hasattr(caught.value, "lines") else [str(caught.value)]


def test_duration_a_model_does_not_make_is_located_on_the_shot(tmp_path):
    path = spec_file(tmp_path, "provider: kling\nmodel: kling-v2-1\nshots:\n  - id: a\n    prompt: x\n"
                               "    duration: 7\n")
    line = errors_of(path)[0]
    assert line.startswith(f"{path}:6:5: shots[0].duration: kling/kling-v2-1 makes 5 or 10 s clips, not 7 s")


def test_unknown_model_suggests_the_close_one(tmp_path):
    path = spec_file(tmp_path, "provider: kling\nmodel: kling-v3.0\nshots: [{id: a, prompt: x}]\n")
    with pytest.raises(EditListError) as caught:
        load_spec(path)
    assert caught.value.line == 2 and "unknown kling model 'kling-v3.0'" in str(caught.value)
    assert "did you mean 'kling-v3'" in caught.value.hint


@pytest.mark.parametrize("body,needle", [
    ("provider: runway\nmodel: gen4_turbo\nshots: [{id: a, prompt: x}]\n",
     "runway/gen4_turbo is image-to-video only and shot 'a' has no style_reference"),
    ("provider: minimax\ndefaults: {duration: 10, resolution: 1080p}\nshots: [{id: a, prompt: x}]\n",
     "minimax/MiniMax-Hailuo-2.3 makes at most 6 s at 1080p, not 10 s"),
    ("provider: veo\ndefaults: {duration: 8, aspect: '1:1'}\nshots: [{id: a, prompt: x}]\n",
     "veo/veo-3.1-generate-001 does not make 1:1 clips"),
    ("provider: luma\nmodel: ray-2\nstyle_reference: ref.png\nshots: [{id: a, prompt: x}]\n",
     "luma/ray-2 accepts only image URLs, not a local file (ref.png)"),
    ("provider: veo\ndefaults: {duration: 8}\nshots: [{id: a, prompt: x, references: [https://x.test/a.png]}]\n",
     "veo/veo-3.1-generate-001 needs image bytes, not a URL"),
    ("provider: runway\nreferences: [ref.png]\nshots: [{id: a, prompt: x}]\n",
     "runway/gen4.5 takes no reference images, not 1"),
    ("provider: wan\nmodel: wan2.7-t2v\nstyle_reference: ref.png\nshots: [{id: a, prompt: x}]\n",
     "wan/wan2.7-t2v takes no first frame (style_reference)"),
    ("provider: seedance\nstyle_reference: ref.png\nreferences: [ref.png]\nshots: [{id: a, prompt: x}]\n",
     "cannot combine reference images with a first frame"),
    ("provider: kling\nreferences: [ref.png, ref.png, ref.png, ref.png, ref.png]\nshots: [{id: a, prompt: x}]\n",
     "kling/kling-v3 takes 4 reference images, not 5"),
    ("provider: omni\ndefaults: {resolution: 1080p}\nshots: [{id: a, prompt: x}]\n",
     "omni/gemini-omni-1.1-flash does not render 1080p"),
])
def test_what_a_model_cannot_do_is_refused_with_the_reason(body, needle, tmp_path, media):
    (tmp_path / "ref.png").write_bytes(media.image("r.png", size=(64, 64)).read_bytes())
    lines = errors_of(spec_file(tmp_path, body))
    assert any(needle in line for line in lines), lines
    assert all(line.startswith(str(tmp_path / "batch.yaml") + ":") for line in lines)


def test_every_target_of_an_ab_batch_is_checked(tmp_path):
    path = spec_file(tmp_path, "providers: [runway/gen4.5, veo/veo-3.1-generate-preview, kling]\n"
                               "defaults: {duration: 5}\nshots: [{id: a, prompt: x}]\n")
    lines = errors_of(path)
    assert any(":1:" in ln and "providers[1]" in ln and "is retired" in ln for ln in lines), lines
    assert not any("runway/gen4.5" in ln for ln in lines)         # runway 5 s is fine


def test_provider_and_providers_are_exclusive(tmp_path):
    path = spec_file(tmp_path, "provider: runway\nproviders: [kling]\nshots: [{id: a, prompt: x}]\n")
    assert "drop `provider:` and `model:`" in errors_of(path)[0]


def test_ignored_seed_is_reported_in_the_dry_run_and_the_manifest(fake_env, tmp_path, capsys):
    fake_env("kling")
    path = spec_file(tmp_path, yaml.safe_dump({"provider": "kling", "seed": 4242, "defaults": {"duration": 5},
                                               "poll": {"interval": 0.01}, "shots": [{"id": "a", "prompt": "x"}]}))
    code, out, err = run_cli(["generate", str(path), "--dry-run", "--json"], capsys)
    plan = json.loads(out)
    assert code == 0 and plan["requests"][0]["seed"] is None
    assert plan["warnings"] == ["seed 4242 is not honoured by kling/kling-v3: Kling's documented request fields "
                                "have no seed; it is recorded in the manifest but not sent"]
    code, out, err = run_cli(["generate", str(path), "--no-qc"], capsys)
    assert code == 0 and "warning: seed 4242 is not honoured by kling/kling-v3" in err
    from broll.generate import manifest as M
    row = M.Manifest(tmp_path).rows("batch.yaml")[0]
    assert row.requested_seed == 4242 and row.seed is None


def test_status_and_report_still_read_a_batch_whose_model_retired(tmp_path, capsys):
    path = spec_file(tmp_path, "provider: veo\nmodel: veo-3.1-generate-preview\ndefaults: {duration: 8}\n"
                               "shots: [{id: a, prompt: x}]\n")
    from broll.generate import manifest as M
    M.Manifest(tmp_path).close()
    code, out, err = run_cli(["generate", "status", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["clips"][0]["state"] == "not started"
    code, out, err = run_cli(["generate", "report", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["rows"] == []


def test_a_spec_built_in_code_cannot_send_a_retired_id(tmp_path):
    from broll.generate.batch import plan_jobs
    from broll.generate.provider import RetiredModel
    from broll.generate.providers import build
    from broll.generate.spec import BatchSpec
    spec = BatchSpec.model_validate({"provider": "veo", "model": "veo-3.1-fast-generate-preview",
                                     "defaults": {"duration": 8}, "shots": [{"id": "a", "prompt": "x"}]})
    with pytest.raises(RetiredModel, match="use model: veo-3.1-fast-generate-001|retired"):
        plan_jobs(spec, build("veo", None, workdir=tmp_path, require_keys=False))
