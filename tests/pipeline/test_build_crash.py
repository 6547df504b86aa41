"""One command from prompts to a reel against a misbehaving provider, and `kill -9` at every stage.

Real `broll build` processes (subprocesses) against a loopback Kling fake in this process: the
fake's request log is the ground truth for "created once", "paid once" and "sent nothing".
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pipeline_helpers import fake_environ, write_edit
from fakes.providers import _kling
from fakes.server import Fault, video_bytes

from broll.media.verify import decode_check

SHOTS = [{"id": f"shot{i}", "prompt": f"scene number {i}"} for i in range(6)]
CMD = [sys.executable, "-m", "broll", "build", "edit.yaml", "--preview", "--json"]


def _env(fake) -> dict:
    return {**os.environ, **fake_environ(fake)}


def _cut_off() -> Fault:
    """A download that stops early: a 200 whose body is the first third of the clip."""
    data = video_bytes(3.0, "placeholder")
    return Fault(200, data[: len(data) // 3], {"Content-Type": "video/mp4"})


def _misbehave(fake) -> None:
    fake.inject("create", _kling(429, 1302, "API request is too fast, exceeding the platform's rate limit",
                                 {"Retry-After": "0"}),
                _kling(429, 1303, "parallel task over resource pack limit"))
    fake.inject("poll", Fault(500, {"code": 5000, "message": "internal error"}),
                Fault(503, {"code": 5001, "message": "service unavailable"}),
                Fault(502, b"<html>bad gateway</html>"))
    fake.inject("download", _cut_off(), _cut_off())


def _check_reel(tmp_path: Path, doc: dict) -> None:
    out = doc["outputs"][0]
    assert Path(out["path"]).name == "reel.preview.mp4" and out["probed_frames"] == out["frames"]
    assert decode_check(out["path"]).frames == out["frames"]
    assert len(doc["shots"]["chosen"]) == 6 and all(c["qc"] == "pass" for c in doc["shots"]["chosen"].values())


def _created_once_except_one_regeneration(fake) -> None:
    counts: dict[str, int] = {}
    for task in fake.tasks.values():          # creates the provider accepted (a 429 creates nothing)
        counts[task.prompt] = counts.get(task.prompt, 0) + 1
    assert sorted(counts) == sorted(s["prompt"] for s in SHOTS)
    assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2], counts     # the flashing take was regenerated once
    externals = [t.external_id for t in fake.tasks.values()]
    assert len(fake.tasks) == 7 and len(set(externals)) == 7


@pytest.mark.slow
def test_six_shots_one_command_through_429s_5xx_cut_off_downloads_and_a_qc_reject(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder", flash_first=1)
    _misbehave(fake)
    write_edit(tmp_path, SHOTS, generate_extra={"budget": 5.0})
    run = subprocess.run(CMD, env=_env(fake), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    _check_reel(tmp_path, doc)
    _created_once_except_one_regeneration(fake)
    assert fake.count("download") >= 7 + 2            # the cut-off downloads were fetched again
    shots = doc["shots"]
    assert shots["regenerated"] == 1 and shots["spent_total"] == pytest.approx(7 * 3 * 0.084)
    assert shots["budget_left"] == pytest.approx(5.0 - 7 * 3 * 0.084)
    # the same command again sends nothing at all
    seen = len(fake.log)
    again = subprocess.run(CMD, env=_env(fake), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert len(fake.log) == seen and json.loads(again.stdout)["shots"]["spent_run"] == 0


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            assert proc.returncode == -signal.SIGKILL
            return
        time.sleep(0.01)
    raise AssertionError(f"the moment to kill never came (exit {proc.poll()}): "
                         f"{proc.stderr.read().decode() if proc.poll() is not None else ''}")


def _rows(tmp_path: Path) -> list[tuple]:
    try:
        conn = sqlite3.connect(f"file:{tmp_path / '.broll' / 'project.db'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT shot_id, state, sha256 FROM gen_clips").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []


@pytest.mark.slow
def test_kill_9_during_generation_qc_and_render_then_the_same_command_builds_the_same_reel(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder", flash_first=1)
    write_edit(tmp_path, SHOTS, generate_extra={"budget": 5.0})
    env = _env(fake)

    def start() -> subprocess.Popen:
        return subprocess.Popen(CMD, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    # 1. during generation: the third create has reached the provider
    first = start()
    _kill_when(first, lambda: fake.count("create") >= 3)
    # 2. during QC: a take is downloaded and verified (hash recorded) but its verdict is not in yet
    second = start()
    _kill_when(second, lambda: any(state == "downloading" and sha for _, state, sha in _rows(tmp_path)))
    # 3. during render: every take is done and the reel's temporary file is being written
    third = start()
    out = tmp_path / "out"
    _kill_when(third, lambda: out.is_dir() and any(p.name.startswith(".reel.preview.") for p in out.iterdir()))
    takes_before_render = sorted(_rows(tmp_path))
    assert [state for _, state, _ in takes_before_render] == ["done"] * 6
    requests_before = len(fake.log)
    # 4. the same command finishes it, sending nothing to the provider
    final = subprocess.run(CMD, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert len(fake.log) == requests_before
    doc = json.loads(final.stdout)
    _check_reel(tmp_path, doc)
    assert sorted(_rows(tmp_path)) == takes_before_render               # the same takes: the same reel
    _created_once_except_one_regeneration(fake)
