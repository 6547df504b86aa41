"""Each adapter against its loopback fake: one faithful error body per documented failure, the
request shapes each provider documents, its task states and failure reports, and refusal of
retired models before anything is sent."""

from __future__ import annotations

import base64

import httpx
import pytest
from fakes.providers import DOCUMENTED_ERRORS
from gen_helpers import make_runner, run_cli, write_batch

from broll.generate.provider import ClipSpec, FailKind, HTTPFailure
from broll.generate.providers import build

K = FailKind
# provider -> failure -> (kind, retryable, retry-after hint in seconds)
EXPECTED = {
    "runway": {"validation": (K.INVALID, False, None), "unauthorized": (K.AUTH, False, None),
               "no_credits": (K.NO_CREDIT, False, None), "daily_cap": (K.QUOTA_DAILY, False, None),
               "rate_limited": (K.RATE_LIMIT, True, 3.0), "server_error": (K.TRANSIENT, True, None)},
    "kling": {"auth_failed": (K.AUTH, False, None), "token_expired": (K.AUTH, False, None),
              "arrears": (K.NO_CREDIT, False, None), "pack_depleted": (K.NO_CREDIT, False, None),
              "bad_request": (K.INVALID, False, None), "bad_parameter": (K.INVALID, False, None),
              "content_policy": (K.CONTENT_INPUT, False, None), "rate_limit": (K.RATE_LIMIT, True, None),
              "parallel_limit": (K.RATE_LIMIT, True, 5.0), "server_error": (K.TRANSIENT, True, None),
              "unavailable": (K.TRANSIENT, True, None), "server_timeout": (K.TRANSIENT, True, None)},
    "luma": {"unauthorized": (K.AUTH, False, None), "invalid_request": (K.INVALID, False, None),
             "rate_limited": (K.RATE_LIMIT, True, 10.0)},
    "veo": {"invalid_argument": (K.INVALID, False, None), "permission_denied": (K.AUTH, False, None),
            "model_retired": (K.INVALID, False, None), "rate_limited": (K.RATE_LIMIT, True, 17.0),
            "daily_quota": (K.QUOTA_DAILY, False, None), "internal": (K.TRANSIENT, True, None)},
    "omni": {"invalid_argument": (K.INVALID, False, None), "permission_denied": (K.AUTH, False, None),
             "rate_limited": (K.RATE_LIMIT, True, 17.0), "unavailable": (K.TRANSIENT, True, None)},
    "minimax": {"unknown": (K.TRANSIENT, True, None), "timeout": (K.TRANSIENT, True, None),
                "rate_limit": (K.RATE_LIMIT, True, 5.0), "auth": (K.AUTH, False, None),
                "balance": (K.NO_CREDIT, False, None), "input_sensitive": (K.CONTENT_INPUT, False, None),
                "invalid_params": (K.INVALID, False, None)},
    "seedance": {"invalid_parameter": (K.INVALID, False, None), "input_sensitive": (K.CONTENT_INPUT, False, None),
                 "unauthorized": (K.AUTH, False, None), "overdue": (K.NO_CREDIT, False, None),
                 "rate_limited": (K.RATE_LIMIT, True, None), "quota": (K.QUOTA_DAILY, False, None),
                 "internal": (K.TRANSIENT, True, None)},
    "wan": {"invalid_parameter": (K.INVALID, False, None), "data_inspection": (K.CONTENT_INPUT, False, None),
            "arrearage": (K.NO_CREDIT, False, None), "invalid_key": (K.AUTH, False, None),
            "throttled": (K.RATE_LIMIT, True, None), "daily_quota": (K.QUOTA_DAILY, False, None),
            "internal": (K.TRANSIENT, True, None)},
    "fal": {"unauthorized": (K.AUTH, False, None), "validation": (K.INVALID, False, None),
            "rate_limited": (K.RATE_LIMIT, True, 2.0)},
    "replicate": {"unauthenticated": (K.AUTH, False, None), "payment_required": (K.NO_CREDIT, False, None),
                  "invalid_input": (K.INVALID, False, None), "throttled": (K.RATE_LIMIT, True, 30.0)},
}
MODELS = {"runway": "gen4.5", "kling": "kling-v3", "luma": "ray-3.2", "veo": "veo-3.1-generate-001",
          "omni": "gemini-omni-1.1-flash", "minimax": "MiniMax-Hailuo-2.3", "seedance": "doubao-seedance-2-0-260128",
          "wan": "wan2.7-t2v", "fal": "pika/v2.2", "replicate": "minimax/video-01"}
DURATION = {"veo": 4, "minimax": 6}
CASES = [(p, name) for p, table in DOCUMENTED_ERRORS.items() for name in table]


def test_every_documented_failure_has_an_expectation():
    assert {p: set(t) for p, t in DOCUMENTED_ERRORS.items()} == {p: set(t) for p, t in EXPECTED.items()}


@pytest.mark.parametrize("provider,failure", CASES)
def test_documented_error_bodies_are_classified(provider, failure, fake_env, tmp_path):
    fake = fake_env(provider)
    fake.inject("create", DOCUMENTED_ERRORS[provider][failure])
    adapter = build(provider, httpx.Client(timeout=5), workdir=tmp_path)
    spec = ClipSpec(prompt="a lighthouse at dusk", model=MODELS[provider], duration_s=DURATION.get(provider, 5))
    with pytest.raises(HTTPFailure) as caught:
        adapter.submit(spec, "ck-1")
    kind, retryable, hint = EXPECTED[provider][failure]
    assert (caught.value.kind, caught.value.retryable, caught.value.retry_after) == (kind, retryable, hint)
    assert provider in str(caught.value) and "Traceback" not in str(caught.value)
    assert fake.count("create") == 1 and not fake.tasks


# -- task failures each provider reports while polling ----------------------------------------------

@pytest.mark.parametrize("provider,model,outcome,kind,code,creates", [
    ("omni", "gemini-omni-1.1-flash", "fail", K.CONTENT_INPUT, "FAILED_PRECONDITION", 1),
    ("omni", "gemini-omni-1.1-flash", "empty", K.UNKNOWN, "NO_OUTPUT", 1),
    ("minimax", "MiniMax-Hailuo-2.3", "fail", K.CONTENT_OUTPUT, "1027", 2),   # output flagged: one identical retry
    ("seedance", "doubao-seedance-2-0-260128", "fail", K.CONTENT_OUTPUT, "OutputVideoSensitiveContentDetected", 2),
    ("wan", "wan2.7-t2v", "fail", K.CONTENT_INPUT, "DataInspectionFailed", 1),
    ("luma", "ray-3.2", "content_moderated", K.CONTENT_INPUT, "content_moderated", 1),
    ("luma", "ray-3.2", "generation_failed", K.TRANSIENT, "generation_failed", 2),
])
def test_task_failures_are_reported_with_their_kind(provider, model, outcome, kind, code, creates, fake_env,
                                                    tmp_path):
    fake = fake_env(provider, fail_prompts={"doomed": outcome})
    spec = write_batch(tmp_path, provider, [{"id": "a", "prompt": "a doomed shot"}], model=model,
                       defaults={"duration": DURATION.get(provider, 5)})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert rows[0].state == "failed" and rows[0].fail_kind == kind.value and rows[0].fail_code == code
    assert fake.count("create") == creates
    assert [t["fail_kind"] for t in runner.manifest.tasks(jobs[0].key)] == [kind.value] * creates


# -- request shapes ---------------------------------------------------------------------------------

def _run(spec):
    runner, jobs = make_runner(spec)
    return runner.run(jobs)


def _create(fake):
    return next(r for r in fake.log if r.kind == "create")


def test_kling_v3_sends_image_list_as_raw_base64_and_no_seed(fake_env, media, tmp_path):
    fake = fake_env("kling")
    refs = [str(media.image(f"subject{i}.png", size=(320, 320))) for i in range(3)]
    spec = write_batch(tmp_path, "kling", [{"id": "a", "prompt": "three friends"}], model="kling-v3", seed=9,
                       references=refs, defaults={"duration": 8})
    rows, = _run(spec)
    body = _create(fake).json
    assert _create(fake).path == "/v1/videos/multi-image2video" and rows.state == "done"
    assert len(body["image_list"]) == 3 and "seed" not in body and body["duration"] == "8"
    assert base64.b64decode(body["image_list"][0]["image"])[:4] == b"\x89PNG"      # raw, no data: prefix
    assert rows.task_id.startswith("multi-image2video/")


def test_veo_reference_images_are_inline_assets(fake_env, media, tmp_path):
    fake = fake_env("veo")
    refs = [str(media.image(f"product{i}.png", size=(256, 256))) for i in range(2)]
    spec = write_batch(tmp_path, "veo", [{"id": "a", "prompt": "the watch"}], model="veo-3.1-fast-generate-001",
                       references=refs, defaults={"duration": 8})
    rows = _run(spec)
    instance = _create(fake).json["instances"][0]
    assert [r["referenceType"] for r in instance["referenceImages"]] == ["ASSET", "ASSET"]
    assert instance["referenceImages"][0]["image"]["mimeType"] == "image/png" and rows[0].state == "done"


def test_seedance_roles_and_seed(fake_env, media, tmp_path):
    fake = fake_env("seedance")
    refs = [str(media.image(f"r{i}.png", size=(320, 320))) for i in range(2)]
    spec = write_batch(tmp_path, "seedance", [{"id": "a", "prompt": "a product spin"}], seed=123, references=refs,
                       defaults={"duration": 6, "aspect": "9:16"})
    rows = _run(spec)
    body = _create(fake).json
    assert [c.get("role") for c in body["content"]] == [None, "reference_image", "reference_image"]
    assert body["seed"] == 123 and body["ratio"] == "9:16" and body["duration"] == 6 and rows[0].state == "done"


def test_wan_sends_the_async_header_and_i2v_image(fake_env, style_ref, tmp_path):
    fake = fake_env("wan")
    spec = write_batch(tmp_path, "wan", [{"id": "a", "prompt": "waves"}], model="wan2.7-i2v", seed=5,
                       style_reference=str(style_ref), defaults={"duration": 5, "resolution": "1080p"})
    rows = _run(spec)
    create = _create(fake)
    assert create.headers["x-dashscope-async"] == "enable" and rows[0].state == "done"
    assert create.json["input"]["img_url"].startswith("data:image/png;base64,")
    assert create.json["parameters"] == {"duration": 5, "prompt_extend": False, "resolution": "1080P", "seed": 5}


def test_minimax_first_frame_and_file_retrieval(fake_env, style_ref, tmp_path):
    fake = fake_env("minimax")
    spec = write_batch(tmp_path, "minimax", [{"id": "a", "prompt": "rain on glass"}], style_reference=str(style_ref),
                       defaults={"duration": 6, "resolution": "1080p"})
    rows = _run(spec)
    body = _create(fake).json
    assert body["resolution"] == "1080P" and body["duration"] == 6
    assert body["first_frame_image"].startswith("data:image/png;base64,")
    assert rows[0].state == "done" and fake.count("file") == 1      # task -> file_id -> download_url


def test_luma_agents_start_frame_inline_and_omni_uri_delivery(fake_env, style_ref, tmp_path):
    fake = fake_env("luma")
    spec = write_batch(tmp_path, "luma", [{"id": "a", "prompt": "fog"}], style_reference=str(style_ref),
                       defaults={"duration": 10})
    rows = _run(spec)
    body = _create(fake).json
    assert body["model"] == "ray-3.2" and body["type"] == "video" and body["video"]["duration"] == "10s"
    assert body["video"]["start_frame"]["media_type"] == "image/png" and rows[0].state == "done"
    omni = fake_env("omni", uri_delivery=True)
    (tmp_path / "o").mkdir()
    spec = write_batch(tmp_path / "o", "omni", [{"id": "b", "prompt": "fog"}], defaults={"duration": 6})
    rows = _run(spec)
    assert rows[0].state == "done" and omni.count("download") == 1
    body = _create(omni).json
    assert body["background"] is True and body["response_modalities"] == ["video"]


def test_omni_inline_video_is_verified_like_any_download(fake_env, tmp_path):
    fake_env("omni")
    spec = write_batch(tmp_path, "omni", [{"id": "a", "prompt": "fog"}], defaults={"duration": 3})
    rows = _run(spec)
    from broll.media.verify import decode_check
    assert rows[0].state == "done" and abs(decode_check(rows[0].file).duration - 3) < 0.5
    assert rows[0].sha256 and len(rows[0].request) < 20_000        # the base64 video is not stored in the row


# -- retired and impossible requests are refused before anything is sent ------------------------------

def test_retired_veo_preview_id_names_its_replacement_and_sends_nothing(fake_env, tmp_path, capsys):
    fake = fake_env("veo")
    spec = write_batch(tmp_path, "veo", [{"id": "a", "prompt": "x"}], model="veo-3.1-generate-preview",
                       defaults={"duration": 8})
    code, out, err = run_cli(["generate", str(spec)], capsys)
    assert code == 2 and fake.log == []
    line = err.splitlines()[0]
    assert "model: veo model 'veo-3.1-generate-preview' is retired (shut down 2026-10-22" in line
    assert f"{spec}:" in line and "use model: veo-3.1-generate-001" in err
    assert "Traceback" not in err


def test_sora_is_refused_with_the_shutdown_date(tmp_path, capsys):
    spec = write_batch(tmp_path, "sora", [{"id": "a", "prompt": "x"}])
    code, _, err = run_cli(["generate", str(spec), "--dry-run"], capsys)
    assert code == 2 and "provider 'sora' is retired: OpenAI shut the Sora API down on 2026-09-24" in err
