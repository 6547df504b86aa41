"""`broll generate report`: figures exact against a fixture manifest; an A/B batch against the
fakes whose per-provider costs add up to the batch's spend; the HTML page is self-contained."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from gen_helpers import run_cli, write_batch

from broll.hashing import file_sha256

LABS = {"b1": [52.0, 3.0, -4.0], "b2": [61.0, -2.0, 8.0], "b3": [47.0, 10.0, 1.0], "a1": [55.0, 0.0, 0.0]}


def _fixture_project(root):
    """Two models, six clips, eight takes, with review decisions and grade measures."""
    from broll.generate import manifest as M
    from broll.grading import cache as grade_cache
    from broll.review.decisions import record_decision
    manifest = M.Manifest(root)
    files = {}
    for name in ("a1", "a2", "b1", "b2", "b3"):
        path = root / "clips" / f"{name}.mp4"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(f"clip {name}".encode())
        files[name] = (str(path), file_sha256(path))
    # clip: (provider, model, state, qc, attempt, duration)
    clips = {"a1": ("runway", "gen4.5", "done", "pass", 1, 5.0), "a2": ("runway", "gen4.5", "done", "pass", 0, 5.0),
             "a3": ("runway", "gen4.5", "failed", None, 0, None),
             "b1": ("kling", "kling-v3", "review", "review", 0, 5.0), "b2": ("kling", "kling-v3", "done", "pass", 0, 10.0),
             "b3": ("kling", "kling-v3", "done", "pass", 0, 5.0)}
    for name, (provider, model, state, qc, attempt, duration) in clips.items():
        file, sha = files.get(name, (None, None))
        manifest.conn.execute(
            "INSERT INTO gen_clips (clip_key, batch, shot_id, variant, provider, model, prompt, state, attempt, "
            "cost_est, cost, file, sha256, qc_verdict, duration, updated_at) VALUES (?, 'ab.yaml', ?, 1, ?, ?, 'p', "
            "?, ?, '0', '0', ?, ?, ?, ?, 0)", (name, name, provider, model, state, attempt, file, sha, qc, duration))
    # take: (clip, task id, cost, qc verdict, fail kind, created, downloaded)
    takes = [("a1", "t1", "0.60", "regenerate", None, 100.0, 160.0), ("a1", "t2", "0.60", "pass", None, 200.0, 230.0),
             ("a2", "t3", "0.60", "pass", None, 300.0, 390.0), ("a3", "t4", "0", None, "content_input", 400.0, None),
             ("b1", "t5", "0.42", "review", None, 0.0, 100.0), ("b2", "t6", "0.84", "pass", None, 0.0, 50.0),
             ("b3", None, "0", None, "transient", 0.0, None), ("b3", "t8", "0.42", "pass", None, 10.0, 80.0)]
    for i, (clip, task, cost, verdict, kind, created, downloaded) in enumerate(takes):
        manifest.conn.execute(
            "INSERT INTO gen_tasks (client_key, clip_key, attempt, task_id, state, cost, created_at, updated_at, "
            "downloaded_at, qc_verdict, fail_kind) VALUES (?, ?, 0, ?, 'x', ?, ?, 0, ?, ?, ?)",
            (f"ck{i}", clip, task, cost, created, downloaded, verdict, kind))
    manifest.close()
    record_decision(root, files["a2"][0], "rejected", reviewer="t")
    record_decision(root, files["b1"][0], "approved", reviewer="t")
    record_decision(root, files["b3"][0], "rejected", reviewer="t")
    record_decision(root, files["b3"][0], "approved", reviewer="t")       # the latest decision counts
    for name in ("a1", "b1", "b2", "b3"):
        grade_cache.store(root, f"k{name}", files[name][1], "ref", "mkl", 0.8, {"mean_lab_before": LABS[name]})


def test_report_figures_are_exact_against_a_fixture_manifest(tmp_path, capsys):
    _fixture_project(tmp_path)
    code, out, err = run_cli(["generate", "report", str(tmp_path), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    kling, runway = report["rows"]
    assert runway.pop("failures") == {"content_input": 1, "qc_regenerate": 1}
    assert kling.pop("failures") == {"transient": 1}
    assert (runway["provider"], runway["model"], kling["model"]) == ("runway", "gen4.5", "kling-v3")
    assert runway == pytest.approx({
        "provider": "runway", "model": "gen4.5", "clips": 3, "takes": 4, "cost": 1.80, "cost_per_clip": 0.60,
        "accepted": 1, "accepted_seconds": 5.0, "cost_per_accepted_clip": 1.80, "cost_per_accepted_second": 0.36,
        "accepted_seconds_per_dollar": 5 / 1.8, "qc_pass_rate": 2 / 3, "qc_judged": 3,
        "review_approval_rate": 0.0, "reviewed": 1, "regenerations_per_accepted_clip": 1.0,
        "latency_median_s": 60.0, "latency_p90_s": 84.0,            # [30, 60, 90], linear between ranks
        "palette_spread_before_grading": None}, abs=1e-12)
    from broll.grading.metrics import set_spread
    spread = set_spread([np.array(LABS[n]) for n in ("b1", "b2", "b3")])
    assert kling == pytest.approx({
        "provider": "kling", "model": "kling-v3", "clips": 3, "takes": 3, "cost": 1.68, "cost_per_clip": 0.56,
        "accepted": 3, "accepted_seconds": 20.0, "cost_per_accepted_clip": 0.56, "cost_per_accepted_second": 0.084,
        "accepted_seconds_per_dollar": 20 / 1.68, "qc_pass_rate": 2 / 3, "qc_judged": 3,
        "review_approval_rate": 1.0, "reviewed": 2, "regenerations_per_accepted_clip": 0.0,
        "latency_median_s": 70.0, "latency_p90_s": 94.0,            # [50, 70, 100]
        "palette_spread_before_grading": spread}, abs=1e-12)
    total = report["total"]
    assert total["clips"] == 6 and total["cost"] == pytest.approx(3.48) and total["accepted"] == 4
    assert total["accepted_seconds"] == 25.0 and report["spent"] == pytest.approx(3.48)
    assert report["most_accepted_seconds_per_dollar"] == "kling/kling-v3"
    # the palette spread of the set uses the accepted clips only (a2 was rejected, a3 never made)
    assert total["palette_spread_before_grading"] == pytest.approx(
        set_spread([np.array(LABS[n]) for n in ("a1", "b1", "b2", "b3")]), abs=1e-12)


def test_html_page_is_self_contained_with_a_chart_per_column(tmp_path, capsys):
    _fixture_project(tmp_path)
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    code, out, err = run_cli(["generate", "report", str(tmp_path), "--html", str(page)], capsys)
    assert code == 0, err
    html = page.read_text()
    from broll.generate.report_html import COLUMNS
    assert html.count("<svg") == len(COLUMNS) and "<table>" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html) and "<script" not in html
    assert "Most accepted seconds per dollar: <b>kling/kling-v3</b>" in html
    assert [p.name for p in page.parent.iterdir()] == ["report.html"]         # written atomically, no leftovers
    assert "kling/kling-v3" in out and "most accepted seconds per dollar: kling/kling-v3" in out


def test_report_on_a_folder_without_a_manifest_is_one_clear_line(tmp_path, capsys):
    code, _, err = run_cli(["generate", "report", str(tmp_path)], capsys)
    assert code == 2 and "no generation manifest here" in err and "Traceback" not in err


def test_ab_batch_against_two_fakes_costs_add_up(fake_env, style_ref, tmp_path, capsys):
    """2 providers x 6 shots: the same shots to both; per-provider costs sum to the batch's spend."""
    runway, kling = fake_env("runway"), fake_env("kling")
    shots = [{"id": f"shot{i}", "prompt": f"scene {i}"} for i in range(6)]
    spec = write_batch(tmp_path, "runway", shots, style_reference=str(style_ref), seed=11, budget=10,
                       defaults={"duration": 5})
    import yaml
    doc = yaml.safe_load(spec.read_text())
    doc.pop("provider")
    doc["providers"] = ["runway/gen4_turbo", "kling/kling-v3"]
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out, err = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    assert code == 0, err
    run = json.loads(out)
    assert run["targets"] == ["runway/gen4_turbo", "kling/kling-v3"]
    assert [(c["provider"], c["state"]) for c in run["clips"]] == [("runway", "done")] * 6 + [("kling", "done")] * 6
    assert runway.count("create") == 6 and kling.count("create") == 6
    # the same prompts went to both models
    assert sorted(r.json["promptText"] for r in runway.log if r.kind == "create") == \
        sorted(r.json["prompt"] for r in kling.log if r.kind == "create")
    assert any("seed 11 is not honoured by kling/kling-v3" in w for w in run["warnings"])
    code, out, err = run_cli(["generate", "report", str(spec), "--json"], capsys)
    report = json.loads(out)
    costs = {f"{r['provider']}/{r['model']}": r["cost"] for r in report["rows"]}
    assert costs == pytest.approx({"runway/gen4_turbo": 6 * 5 * 0.05, "kling/kling-v3": 6 * 5 * 0.084})
    assert sum(costs.values()) == pytest.approx(run["spent"]) == pytest.approx(report["spent"])
    assert report["total"]["cost"] == pytest.approx(run["spent"])
    assert all(r["accepted"] == 6 and r["latency_median_s"] > 0 for r in report["rows"])
    assert (tmp_path / "clips" / "runway-gen4_turbo" / "shot0.mp4").is_file()
    assert (tmp_path / "clips" / "kling-kling-v3" / "shot0.mp4").is_file()
    # a re-run pays for nothing more, and status knows both arms
    code, out, _ = run_cli(["generate", str(spec), "--no-qc", "--json"], capsys)
    assert runway.count("create") + kling.count("create") == 12 and json.loads(out)["spent"] == run["spent"]
    code, out, _ = run_cli(["generate", "status", str(spec), "--json"], capsys)
    assert len(json.loads(out)["clips"]) == 12
