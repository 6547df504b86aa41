from __future__ import annotations

import json

from click.testing import CliRunner

from broll.cli import main
from broll.hashing import file_sha256
from broll.project import connect
from broll.review.decisions import record_decision
from broll.review.sendback import send_back
from review_helpers import fake_generation


def _gen_rows(root):
    conn = connect(root)
    rows = {r["clip_key"]: dict(r) for r in conn.execute("SELECT * FROM gen_clips")}
    conn.close()
    return rows


def test_rejected_generated_clip_goes_back_for_a_new_take(project):
    a, b = project / "clips" / "a.mp4", project / "clips" / "b.mp4"
    fake_generation(project, file_sha256(a), str(a), "a beach", key="ka", shot="beach", attempt=1)
    fake_generation(project, file_sha256(b), str(b), "a city", key="kb", shot="city", attempt=1)
    record_decision(project, a, "rejected", "six fingers")
    record_decision(project, b, "approved")
    record_decision(project, project / "clips" / "n.mp4", "rejected")      # not generated: left alone
    clips = [a, b, project / "clips" / "n.mp4"]

    planned = send_back(project, clips, dry_run=True)
    assert [(s.clip, s.shot, s.attempt) for s in planned] == [("clips/a.mp4", "beach", 2)]
    assert a.is_file() and _gen_rows(project)["ka"]["state"] == "done"

    sent = send_back(project, clips)
    assert sent == planned
    assert not a.exists() and (project / "clips" / ".rejected" / "a-a1.mp4").is_file()
    rows = _gen_rows(project)
    assert rows["ka"]["state"] == "pending" and rows["ka"]["attempt"] == 2
    assert rows["ka"]["file"] is None and rows["ka"]["sha256"] is None and rows["ka"]["task_id"] is None
    assert "six fingers" in rows["ka"]["message"]
    assert rows["kb"]["state"] == "done"
    assert (project / "clips" / "n.mp4").is_file()
    assert send_back(project, clips) == []            # nothing rejected is left on disk


def test_send_back_cli(project):
    a = project / "clips" / "a.mp4"
    fake_generation(project, file_sha256(a), str(a), "a beach", key="ka", shot="beach", attempt=0)
    record_decision(project, a, "rejected", "warped horizon")
    runner = CliRunner()
    res = runner.invoke(main, ["review", str(project), "--send-back", "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["dry_run"] and data["sent_back"][0]["clip"] == "clips/a.mp4" and a.is_file()
    res = runner.invoke(main, ["review", str(project), "--send-back"])
    assert res.exit_code == 0 and "sent back clips/a.mp4 (shot beach, take 1 next" in res.output
    assert "broll generate" in res.output and not a.exists()
    res = runner.invoke(main, ["review", str(project), "--send-back"])
    assert "nothing to send back" in res.output


def test_send_back_without_a_generation_manifest_says_so(project):
    import pytest

    from broll.errors import InputError

    record_decision(project, "clips/a.mp4", "rejected")
    with pytest.raises(InputError, match="no generation manifest"):
        send_back(project, [project / "clips" / "a.mp4"])
    assert (project / "clips" / "a.mp4").is_file()
