"""`broll build` with a generate: section against a loopback provider fake (in process).

Request counts come from the fake's own log: "sends nothing" means no request reached it.
"""

from __future__ import annotations

import pytest
import yaml
from pipeline_helpers import creates_per_prompt, write_edit

from broll.assemble.build import build
from broll.errors import BudgetExceeded
from broll.generate import manifest as M

def distinct_takes(fake) -> None:
    """Every task of ``fake`` delivers its own picture (by default takes of one prompt are identical)."""
    plain = fake.new_task

    def varied(body, duration, prompt, external_id=None):
        task = plain(body, duration, prompt, external_id)
        task.video_kind, task.prompt = "procedural", f"{prompt} take {len(fake.tasks)}"
        return task

    fake.new_task = varied


SHOTS = [{"id": "city", "prompt": "a city at dawn"}, {"id": "forest", "prompt": "a forest path"}]


def test_build_generates_checks_assembles_then_a_timeline_edit_sends_nothing(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, SHOTS)
    stages = []
    result = build(edit, preview=True, progress=lambda p: stages.append(p.stage))
    assert result.ok and result.outputs[0].path.name == "reel.preview.mp4"
    assert creates_per_prompt(fake) == {"a city at dawn": 1, "a forest path": 1}
    assert {"generate", "check", "render"} <= set(stages)
    shots = result.shots
    assert set(shots.chosen) == {"city", "forest"} and all(c.take.qc == "pass" for c in shots.chosen.values())
    assert shots.spent_run == shots.spent_total > 0          # kling-v3 3 s at $0.084/s each
    assert float(shots.spent_total) == pytest.approx(2 * 3 * 0.084)
    # only the timeline changes: no request at all reaches the provider, and nothing is charged
    before = len(fake.log)
    doc = yaml.safe_load(edit.read_text())
    doc["timeline"] = [{"shot": "forest", "in": 0.5, "out": 2.0}, {"shot": "city", "transition": "fade"}]
    edit.write_text(yaml.safe_dump(doc, sort_keys=False))
    again = build(edit, preview=True)
    assert len(fake.log) == before
    assert again.shots.spent_run == 0 and again.shots.spent_total == shots.spent_total
    assert again.shots.chosen["city"].take.path == shots.chosen["city"].take.path


def test_dry_run_lists_every_request_and_sends_nothing(provider_fake, tmp_path):
    from broll.pipeline.dryrun import dry_run
    fake = provider_fake("kling")
    edit = write_edit(tmp_path, SHOTS + [{"id": "sea", "prompt": "the sea", "variants": 2}],
                      generate_extra={"budget": 1.0})
    plan = dry_run(edit)
    assert fake.log == []
    assert [(r["shot"], r["variant"]) for r in plan["requests"]] == [("city", 1), ("forest", 1), ("sea", 1), ("sea", 2)]
    assert plan["estimated_cost"] == pytest.approx(4 * 3 * 0.084) and plan["over_budget"] is True
    assert all(r["request"]["headers"].get("Authorization", "***") == "***" for r in plan["requests"])
    assert any(s.startswith("assemble: out/reel.mp4") for s in plan["stages"])


def test_budget_stops_before_submitting_names_shots_and_keeps_what_is_paid(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder")
    shots = [{"id": f"s{i}", "prompt": f"scene {i}"} for i in range(4)]
    edit = write_edit(tmp_path, shots, generate_extra={"budget": 0.6, "concurrency": 1})   # 2 clips fit
    with pytest.raises(BudgetExceeded) as err:
        build(edit, preview=True)
    assert err.value.exit_code == 5
    assert fake.count("create") == 2
    assert "s2" in err.value.message and "s3" in err.value.message and "Kept (paid for): s0 v1, s1 v1" in err.value.message
    assert not (tmp_path / "out").exists()
    # a higher budget resumes: only the two missing shots are requested
    doc = yaml.safe_load(edit.read_text())
    doc["generate"]["budget"] = 2.0
    edit.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = build(edit, preview=True, until="check")
    assert fake.count("create") == 4 and result.outputs == () and set(result.shots.chosen) == {"s0", "s1", "s2", "s3"}


def test_variants_use_the_approved_take_else_the_first_best_verdict(provider_fake, tmp_path):
    from broll.review.decisions import record_decision
    fake = provider_fake("kling", video_kind="placeholder")
    distinct_takes(fake)                 # review decisions follow content: the two takes must differ
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea", "variants": 2}])
    first = build(edit, until="check")
    takes = first.shots.takes["sea"]
    assert [t.qc for t in takes] == ["pass", "pass"]
    assert first.shots.chosen["sea"].take.variant == 1              # tied: first by id
    record_decision(tmp_path, takes[1].path, "approved")
    second = build(edit, until="check")
    assert second.shots.chosen["sea"].take.variant == 2 and "approved" in second.shots.chosen["sea"].why
    record_decision(tmp_path, takes[1].path, "rejected")
    record_decision(tmp_path, takes[0].path, "rejected")
    from broll.errors import ProviderError
    with pytest.raises(ProviderError, match="every take rejected in review"):
        build(edit, until="check")
    assert fake.count("create") == 2


def test_choice_ranks_verdicts_and_breaks_ties_by_variant(tmp_path):
    from broll.pipeline.takes import Take, choose
    files = []
    for i in range(3):
        files.append(tmp_path / f"t{i}.mp4")
        files[-1].write_bytes(b"x")
    take = lambda i, qc: Take("s", i + 1, f"k{i}", "done", files[i], "sha", qc, 0)  # noqa: E731
    assert choose([take(0, "review"), take(1, "pass"), take(2, "pass")], {}).take.variant == 2
    assert choose([take(0, "regenerate"), take(1, "review")], {}).take.variant == 2
    assert choose([take(0, "pass"), take(1, "pass")], {files[1]: "approved"}).take.variant == 2
    assert choose([take(0, "pass"), take(1, "review")], {files[0]: "rejected"}).take.variant == 2
    assert choose([Take("s", 1, "k", "pending", None, None, None, 0)], {}) is None


def test_qc_refusal_is_regenerated_with_a_new_seed(provider_fake, tmp_path):
    fake = provider_fake("runway", video_kind="placeholder", flash_first=1)
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}], provider="runway",
                      generate_extra={"seed": 7, "model": "gen4.5"})
    result = build(edit, until="check")
    sent = [r.json["seed"] for r in fake.log if r.kind == "create"]
    assert len(sent) == 2 and sent[0] == 7 and sent[1] != 7
    manifest = M.Manifest(tmp_path)
    try:
        seeds = [t["seed"] for t in manifest.tasks(result.shots.chosen["sea"].take.key)]
    finally:
        manifest.close()
    assert len(seeds) == 2 and seeds[0] == 7 and seeds[1] != 7
    assert result.shots.chosen["sea"].take.qc == "pass" and result.shots.regenerated == 1


def test_until_generate_leaves_takes_unchecked_then_the_next_build_checks_them(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, SHOTS)
    first = build(edit, until="generate")
    assert {c.take.qc for c in first.shots.chosen.values()} == {"skipped"}
    second = build(edit, until="check")
    assert {c.take.qc for c in second.shots.chosen.values()} == {"pass"}
    assert fake.count("create") == 2
    manifest = M.Manifest(tmp_path)
    try:
        assert {r.qc_verdict for r in manifest.rows("edit.yaml")} == {"pass"}
    finally:
        manifest.close()


def test_review_required_gates_the_chosen_takes(provider_fake, tmp_path):
    from broll.errors import ReviewRequired
    from broll.review.decisions import record_decision
    provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}], review="required")
    with pytest.raises(ReviewRequired) as err:
        build(edit, until="review")
    assert err.value.exit_code == 6 and "clips/sea.mp4 (unreviewed)" in err.value.message
    chosen = build(edit, until="check").shots.chosen["sea"].take
    record_decision(tmp_path, chosen.path, "approved")
    assert build(edit, until="review").until == "review"
