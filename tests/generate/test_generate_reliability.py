"""Failure modes seen in production, each against a loopback fake: storms, lost answers,
moderation, expired URLs, corrupt downloads, budget and credit exhaustion, unknown states."""

from __future__ import annotations

import json

import pytest
from fakes.server import Fault
from gen_helpers import Sleeps, make_runner, run_cli, write_batch

from broll.generate import manifest as M


def states(rows):
    return [r.state for r in rows]


def test_429_and_5xx_storm_on_create_and_poll_honours_retry_after(fake_env, tmp_path):
    fake = fake_env("runway")
    fake.inject("create", Fault(429, {"error": "Too many requests"}, {"Retry-After": "2"}),
                Fault(502, {"error": "Bad gateway"}), Fault(429, {"error": "slow down"}, {"retry-after-ms": "1234"}))
    fake.inject("poll", Fault(500, {"error": "oops"}), Fault(503, {"error": "busy"}, {"Retry-After": "3"}),
                Fault(429, {"error": "rate"}, {"Retry-After": "1"}))
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "storm"}], defaults={"duration": 2})
    sleeps = Sleeps()
    runner, jobs = make_runner(spec, sleeps=sleeps)
    rows = runner.run(jobs)
    assert states(rows) == ["done"]
    assert fake.count("create") == 4            # 3 refused (nothing created) + 1 accepted
    assert len(fake.tasks) == 1                  # ...and exactly one task exists
    assert 2.0 in sleeps and 1.234 in sleeps and 3.0 in sleeps and 1.0 in sleeps


def test_storm_longer_than_the_submit_budget_fails_cleanly_without_tasks(fake_env, tmp_path):
    fake = fake_env("runway")
    fake.inject("create", *[Fault(503, {"error": "down"}) for _ in range(10)])
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "down"}], defaults={"duration": 2}, budget=1.0)
    runner, jobs = make_runner(spec, submit_retries=3)
    rows = runner.run(jobs)
    assert states(rows) == ["failed"] and rows[0].fail_kind == "transient"
    assert fake.count("create") == 4 and not fake.tasks
    assert runner.budget.reserved == 0 and runner.budget.spent == 0     # reservation released


def test_read_timeout_after_create_runway_is_not_resent(fake_env, tmp_path, capsys):
    """Runway has no idempotency key and no list endpoint: an ambiguous create is surfaced."""
    fake = fake_env("runway", slow_creates=1, slow_seconds=1.0)
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "slow"}], defaults={"duration": 2},
                       poll={"interval": 0.01, "request_timeout": 0.3})
    code, out, err = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    assert code == 4
    assert json.loads(out)["clips"][0]["state"] == "ambiguous"
    assert fake.count("create") == 1 and len(fake.tasks) == 1
    # a re-run reconciles nothing and still does not resend
    code, out, err = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    assert fake.count("create") == 1
    assert "dashboard" in json.loads(out)["clips"][0]["message"]
    # the person checked and asks for a resend: exactly one more create
    code, out, _ = run_cli(["generate", str(spec), "--no-qc", "--json", "--resubmit-ambiguous"], capsys)
    assert code == 0 and fake.count("create") == 2


@pytest.mark.parametrize("provider", ["kling", "replicate", "luma"])
def test_read_timeout_after_create_is_reconciled_without_duplicate(provider, fake_env, tmp_path):
    fake = fake_env(provider, slow_creates=1, slow_seconds=1.0)
    # Luma's legacy Dream Machine (ray-2) can be searched; the Agents API is not relied on for that
    extra = {"style_reference": "https://example.com/ref.png", "model": "ray-2"} if provider == "luma" else {}
    spec = write_batch(tmp_path, provider, [{"id": "a", "prompt": "lost answer"}, {"id": "b", "prompt": "fine"}],
                       defaults={"duration": 5}, poll={"interval": 0.01, "request_timeout": 0.4}, **extra)
    runner, jobs = make_runner(spec, concurrency=1)
    rows = runner.run(jobs)
    assert states(rows) == ["done", "done"]
    assert len(fake.tasks) == 2 and fake.count("create") == 2      # no duplicate task
    assert fake.count("list") >= 1                                  # found again through the provider
    assert len({r.task_id for r in rows}) == 2


def test_moderation_failure_is_not_resent(fake_env, tmp_path):
    fake = fake_env("kling", fail_prompts={"forbidden": "moderation"})
    spec = write_batch(tmp_path, "kling", [{"id": "bad", "prompt": "something forbidden"},
                                           {"id": "ok", "prompt": "a calm lake"}], budget=5.0)
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["failed", "done"]
    assert rows[0].fail_kind == "content_input" and "risk control" in rows[0].message
    assert fake.count("create") == 2
    assert rows[0].cost == "0"              # Kling does not charge failed tasks: reservation released
    # re-running does not resend the rejected input unchanged
    runner, jobs = make_runner(spec)
    runner.run(jobs)
    assert fake.count("create") == 2


def test_provider_try_again_output_failure_gets_exactly_one_retry(fake_env, tmp_path):
    fake = fake_env("runway", fail_prompts={"flaky": "bad_output"}, fail_once={"bad_output"})
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "flaky render"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["done"] and fake.count("create") == 2
    # and when it fails every time: still only one retry
    fake2 = fake_env("runway", fail_prompts={"always": "bad_output"})
    spec = write_batch(tmp_path, "runway", [{"id": "b", "prompt": "always broken"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["failed"] and fake2.count("create") == 2


def test_veo_rai_filter_is_a_failure_not_success_and_not_charged(fake_env, tmp_path):
    fake = fake_env("veo", fail_prompts={"music": "rai"})
    spec = write_batch(tmp_path, "veo", [{"id": "a", "prompt": "music video"}], defaults={"duration": 4},
                       budget=10)
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["failed"] and rows[0].fail_code == "RAI_FILTERED"
    assert fake.count("create") == 2             # one identical retry for output filtering
    assert runner.budget.spent == 0


def test_expired_url_is_refreshed_from_the_task_never_regenerated(fake_env, tmp_path):
    fake = fake_env("runway", expire_first_url=True)
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["done"]
    assert fake.count("create") == 1 and fake.count("download") == 2
    assert list((tmp_path / "clips").iterdir()) == [tmp_path / "clips" / "a.mp4"]     # no .part left behind


def test_corrupt_download_is_fetched_again_and_never_kept(fake_env, tmp_path):
    fake = fake_env("fal", corrupt_downloads=1)
    spec = write_batch(tmp_path, "fal", [{"id": "a", "prompt": "x"}])
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["done"] and fake.count("create") == 1 and fake.count("download") == 2
    from broll.media.verify import decode_check
    assert decode_check(rows[0].file).frames == 50


def test_persistently_corrupt_download_keeps_the_task_for_a_rerun(fake_env, tmp_path):
    fake = fake_env("runway", corrupt_downloads=3)
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec, download_retries=2)
    rows = runner.run(jobs)
    assert states(rows) == ["in_flight"] and not (tmp_path / "clips" / "a.mp4").exists()
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["done"] and fake.count("create") == 1


def test_budget_exhaustion_mid_batch_stops_before_overspending(fake_env, tmp_path, capsys):
    fake = fake_env("runway")
    shots = [{"id": f"s{i}", "prompt": f"shot {i}"} for i in range(4)]
    # gen4.5 2 s = $0.24 per clip; $0.50 allows two
    spec = write_batch(tmp_path, "runway", shots, defaults={"duration": 2}, budget=0.50, concurrency=1)
    code, out, err = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    result = json.loads(out)
    assert code == 5
    assert [c["state"] for c in result["clips"]] == ["done", "done", "skipped", "skipped"]
    assert fake.count("create") == 2 and result["spent"] == pytest.approx(0.48)
    assert "exceed the budget" in result["clips"][2]["message"]
    # raising the budget resumes; money already spent counts against the new cap
    spec = write_batch(tmp_path, "runway", shots, defaults={"duration": 2}, budget=0.74, concurrency=1)
    code, out, err = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    assert [c["state"] for c in json.loads(out)["clips"]] == ["done", "done", "done", "skipped"]
    assert fake.count("create") == 3


def test_no_credit_stops_the_batch(fake_env, tmp_path):
    fake = fake_env("kling")
    fake.inject("create", Fault(429, {"code": 1102, "message": "resource pack depleted", "request_id": "r"}))
    shots = [{"id": f"s{i}", "prompt": f"shot {i}"} for i in range(3)]
    spec = write_batch(tmp_path, "kling", shots, concurrency=1)
    runner, jobs = make_runner(spec, concurrency=1)
    rows = runner.run(jobs)
    assert states(rows) == ["skipped"] * 3
    assert fake.count("create") == 1 and "no_credit" in runner.budget.stopped


def test_unknown_state_keeps_polling_and_is_logged(fake_env, tmp_path):
    fake = fake_env("runway", unknown_state=True)
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    events = []
    runner, jobs = make_runner(spec)
    runner.on_event = lambda job, what, **info: events.append((what, info))
    rows = runner.run(jobs)
    assert states(rows) == ["done"]
    assert ("unknown-state", {"status": "PAUSED_FOR_MAINTENANCE"}) in events
    assert fake.count("poll") == 5 and fake.count("create") == 1      # polled through it, not aborted


def test_poll_deadline_cancels_the_task(fake_env, tmp_path):
    fake = fake_env("runway")
    fake.steps_for = lambda outcome: ["PENDING"]          # stuck in the queue forever
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec, queued_timeout=0.2, running_timeout=0.2)
    runner._sleep = lambda s: __import__("time").sleep(0.02)
    rows = runner.run(jobs)
    assert states(rows) == ["failed"] and rows[0].fail_code == "DEADLINE"
    assert fake.count("cancel") == 1


def test_fal_literal_failed_status_ends_polling(fake_env, tmp_path):
    fake = fake_env("fal", literal_failed=True, fail_prompts={"nsfw": "policy"})
    spec = write_batch(tmp_path, "fal", [{"id": "a", "prompt": "nsfw thing"}])
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["failed"] and rows[0].fail_kind == "content_input"
    assert fake.count("create") == 1


def test_manifest_row_is_written_before_the_request(fake_env, tmp_path):
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec)
    seen = []
    original = runner.provider.submit

    def spy(clip, client_key):
        row = runner.manifest.get(jobs[0].key)
        seen.append((row.state, row.client_key, row.task_id))
        return original(clip, client_key)

    runner.provider.submit = spy
    runner.run(jobs)
    assert seen == [(M.SUBMITTING, f"{jobs[0].key[:16]}-1", None)]


def test_kling_resend_after_lost_answer_reuses_external_id_and_never_duplicates(fake_env, tmp_path):
    """The list does not show the task yet (eventual consistency): the resend carries the same
    external_task_id, Kling refuses the duplicate, and the task is then found, not paid twice."""
    fake = fake_env("kling", slow_creates=1, slow_seconds=0.8)
    fake.inject("list", Fault(200, {"code": 0, "message": "SUCCEED", "request_id": "r", "data": []}),
                Fault(200, {"code": 0, "message": "SUCCEED", "request_id": "r", "data": []}))
    spec = write_batch(tmp_path, "kling", [{"id": "a", "prompt": "x"}], poll={"interval": 0.01, "request_timeout": 0.3})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    externals = [r.json["external_task_id"] for r in fake.log if r.kind == "create"]
    assert len(fake.tasks) == 1 and len(set(externals)) == 1 and len(externals) == 2
    assert states(rows) == ["done"]


def test_runway_preflight_caps_concurrency_and_warns_on_low_balance(fake_env, tmp_path):
    fake = fake_env("runway", credit_balance=15, max_concurrent=1)     # $0.15 of credit
    shots = [{"id": f"s{i}", "prompt": f"p{i}"} for i in range(3)]
    spec = write_batch(tmp_path, "runway", shots, defaults={"duration": 2}, concurrency=4)
    notes = []
    runner, jobs = make_runner(spec, concurrency=4)
    runner.on_event = lambda job, what, **info: notes.append(info.get("message")) if job is None else None
    peak = []

    def track(req):       # tasks started but not finished, seen at every request
        peak.append(sum(1 for t in fake.tasks.values() if t.status not in ("SUCCEEDED", "FAILED")))

    fake.on_request = track
    rows = runner.run(jobs)
    assert states(rows) == ["done"] * 3
    assert any("below the $0.72" in n for n in notes)         # 3 x gen4.5 2 s at $0.12/s
    assert any("lowered to the account's limit 1" in n for n in notes)
    assert fake.count("organization") == 1
    assert max(peak) <= 1


def test_replicate_models_choose_their_own_length(fake_env, tmp_path):
    """Replicate inputs are per model; a 6 s clip for a 2 s request is not a corrupt download."""
    fake = fake_env("replicate")
    original = fake.new_task
    fake.new_task = lambda body, duration, prompt, external_id=None: original(body, 6, prompt, external_id)
    spec = write_batch(tmp_path, "replicate", [{"id": "a", "prompt": "x"}], defaults={"duration": 2})
    runner, jobs = make_runner(spec)
    rows = runner.run(jobs)
    assert states(rows) == ["done"] and fake.count("download") == 1
