from __future__ import annotations

import shutil

import pytest

from broll.errors import InputError, ReviewRequired
from broll.project import connect
from broll.review.decisions import (APPROVED, CHANGED, MISSING, REJECTED, UNREVIEWED, ClipChanged, Decision,
                                    clip_key, history, latest_decisions, record_decision, review_states, state_for)
from broll.review.gate import review_required, review_required_message, unapproved


def test_decision_row_records_who_when_and_hash(project):
    d = record_decision(project, "clips/a.mp4", APPROVED, "  looks fine ")
    conn = connect(project)
    row = conn.execute("SELECT * FROM review_decisions").fetchone()
    conn.close()
    from broll.hashing import file_sha256
    assert row["clip_path"] == "clips/a.mp4"
    assert row["clip_sha"] == file_sha256(project / "clips" / "a.mp4") == d.clip_sha
    assert row["decision"] == "approved" and row["note"] == "looks fine"
    assert row["reviewer"] and row["decided_at"].endswith("+00:00")


def test_absolute_and_relative_paths_share_one_key(project):
    assert clip_key(project, project / "clips" / "a.mp4") == clip_key(project, "clips/a.mp4") == "clips/a.mp4"
    assert clip_key(project, "/elsewhere/x.mp4") == "/elsewhere/x.mp4"


def test_latest_decision_wins_and_history_keeps_all(project):
    record_decision(project, "clips/a.mp4", APPROVED)
    record_decision(project, "clips/a.mp4", REJECTED, "hand has six fingers")
    assert latest_decisions(project)["clips/a.mp4"].decision == REJECTED
    assert [d.decision for d in history(project)] == [APPROVED, REJECTED]


def test_states_follow_content_not_name(project):
    record_decision(project, "clips/a.mp4", APPROVED)
    record_decision(project, "clips/b.mp4", REJECTED)
    states = {s.clip_path: s.state for s in review_states(project, ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4"])}
    assert states == {"clips/a.mp4": APPROVED, "clips/b.mp4": REJECTED, "clips/n.mp4": UNREVIEWED}
    # a regenerated file under the same name: approval no longer counts, rejection does not stick
    shutil.copy(project / "clips" / "n.mp4", project / "clips" / "a.mp4")
    shutil.copy(project / "clips" / "n.mp4", project / "clips" / "b.mp4")
    states = {s.clip_path: s.state for s in review_states(project, ["clips/a.mp4", "clips/b.mp4"])}
    assert states == {"clips/a.mp4": CHANGED, "clips/b.mp4": UNREVIEWED}


def test_state_rule_is_pure():
    d = Decision("x", "sha1", APPROVED, "", "me", "t")
    assert state_for("x", None, d) == MISSING
    assert state_for("x", "sha1", None) == UNREVIEWED
    assert state_for("x", "sha1", d) == APPROVED
    assert state_for("x", "sha2", d) == CHANGED


def test_refuses_unknown_decision_and_missing_clip(project):
    with pytest.raises(InputError, match="unknown review decision 'maybe'"):
        record_decision(project, "clips/a.mp4", "maybe")
    with pytest.raises(InputError, match="clips/gone.mp4: clip not found"):
        record_decision(project, "clips/gone.mp4", APPROVED)


def test_refuses_decision_on_bytes_nobody_saw(project):
    with pytest.raises(ClipChanged, match="changed on disk"):
        record_decision(project, "clips/a.mp4", APPROVED, expected_sha="0" * 64)
    assert history(project) == []


def test_gate_names_each_blocking_clip_with_its_state(project):
    record_decision(project, "clips/a.mp4", APPROVED)
    record_decision(project, "clips/b.mp4", REJECTED)
    clips = ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4", "clips/n.mp4", "clips/gone.mp4"]
    assert unapproved(project, clips) == [("clips/b.mp4", REJECTED), ("clips/n.mp4", UNREVIEWED),
                                          ("clips/gone.mp4", MISSING)]
    shutil.copy(project / "clips" / "n.mp4", project / "clips" / "a.mp4")      # bytes nobody judged
    assert ("clips/a.mp4", CHANGED) in unapproved(project, clips)
    # decisions follow content: a.mp4 now holding the rejected bytes of b.mp4 is rejected
    shutil.copy(project / "clips" / "b.mp4", project / "clips" / "a.mp4")
    assert ("clips/a.mp4", REJECTED) in unapproved(project, clips)


def test_gate_passes_when_everything_is_approved(project):
    for name in ("a", "b"):
        record_decision(project, project / "clips" / f"{name}.mp4", APPROVED)
    assert unapproved(project, [project / "clips" / "a.mp4", "clips/b.mp4"]) == []


def test_review_required_error_names_clips_and_the_fix():
    blocked = [(f"clips/{i}.mp4", UNREVIEWED) for i in range(10)] + [("clips/x.mp4", REJECTED)]
    msg = review_required_message(blocked)
    assert msg.startswith("review required: 11 clips not approved: clips/0.mp4 (unreviewed)")
    assert msg.endswith("and 3 more")
    err = review_required([("clips/x.mp4", REJECTED)], "edit.yaml")
    assert isinstance(err, ReviewRequired) and err.exit_code == 6
    assert "clips/x.mp4 (rejected)" in err.message and "broll review edit.yaml" in err.hint


def test_require_approved_raises_only_when_something_blocks(project):
    from broll.review import require_approved

    record_decision(project, "clips/a.mp4", APPROVED)
    require_approved(project, ["clips/a.mp4"], "edit.yaml")
    with pytest.raises(ReviewRequired, match=r"clips/b.mp4 \(unreviewed\)") as info:
        require_approved(project, ["clips/a.mp4", "clips/b.mp4"], "edit.yaml")
    assert "clips/a.mp4" not in info.value.message
