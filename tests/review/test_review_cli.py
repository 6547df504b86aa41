"""`broll review` as a user runs it: --list as a table and JSON, errors, and the server from a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from click.testing import CliRunner

from broll.cli import main
from broll.review.decisions import record_decision


def test_list_table_and_json(project):
    record_decision(project, "clips/a.mp4", "approved", "ok", reviewer="ana")
    record_decision(project, "clips/b.mp4", "rejected", "melting hands", reviewer="ana")
    runner = CliRunner()
    res = runner.invoke(main, ["review", str(project), "--list"])
    assert res.exit_code == 0, res.output
    assert "clips/b.mp4" in res.output and "melting hands" in res.output and "1 unreviewed" in res.output
    res = runner.invoke(main, ["review", str(project), "--list", "--json"])
    data = json.loads(res.output)
    states = {c["clip"]: c["state"] for c in data["clips"]}
    assert states == {"clips/a.mp4": "approved", "clips/b.mp4": "rejected", "clips/n.mp4": "unreviewed"}
    assert data["clips"][1]["decision"]["reviewer"] == "ana" and data["history"] == 2


def test_list_keeps_decisions_for_clips_no_longer_listed(project):
    record_decision(project, "clips/a.mp4", "approved")
    (project / "clips" / "a.mp4").unlink()
    data = json.loads(CliRunner().invoke(main, ["review", str(project), "--list", "--json"]).output)
    assert [d["clip_path"] for d in data["not_listed"]] == ["clips/a.mp4"]


def test_errors_are_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "broll", "review", str(tmp_path / "nope"), "--list"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: ") and "no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "broll", "review", str(tmp_path), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--json goes with --list" in proc.stderr


def test_serves_the_project_and_prints_the_url(project):
    proc = subprocess.Popen([sys.executable, "-m", "broll", "review", str(project), "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "BROWSER": "false"})
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with urllib.request.urlopen(url + "api/clips", timeout=30) as resp:
            data = json.load(resp)
        assert [c["path"] for c in data["clips"]] == ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
