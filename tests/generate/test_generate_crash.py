"""`kill -9` of a real `broll generate` process mid-batch, then a resume: no clip lost, no
extra task created (asserted on the fake server's request log)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from fakes.providers import KEYS
from gen_helpers import write_batch

from broll.media.verify import decode_check


def _env(fake) -> dict:
    env = dict(os.environ)
    env.update(KEYS)
    env[f"BROLL_{fake.name.upper()}_BASE_URL"] = fake.base_url
    env.update(fake.extra_env())
    env["BROLL_BACKOFF_BASE"] = "0.01"
    return env


@pytest.mark.slow
def test_kill_9_mid_batch_then_resume_loses_nothing_and_pays_once(fake_env, tmp_path):
    fake = fake_env("kling")
    shots = [{"id": f"shot{i}", "prompt": f"scene number {i}"} for i in range(6)]
    spec = write_batch(tmp_path, "kling", shots, budget=10.0, concurrency=2,
                       poll={"interval": 0.05, "request_timeout": 10})
    # The 4th create is processed by the server, but its answer is held back: the kill lands
    # in the worst window, after the provider started a paid task and before broll knew its id.
    in_window = threading.Event()
    # chosen by the create's place in the log when it arrives (setting slow_creates after seeing 3
    # creates raced: the 3rd could still be between its log entry and the slow check, and got slow)
    fake.slow_create_number, fake.slow_seconds = 4, 3.0

    def arm(req):
        in_window.set()

    fake.on_slow_create = arm
    cmd = [sys.executable, "-m", "broll", "generate", str(spec), "--no-qc", "--json"]
    proc = subprocess.Popen(cmd, env=_env(fake), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert in_window.wait(60), f"the batch never reached a 4th create: {[r.kind for r in fake.log]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    creates_before = fake.count("create")
    print(f"after kill: creates={creates_before} tasks={len(fake.tasks)} downloads={fake.count('download')}")
    tasks_before = len(fake.tasks)
    assert 4 <= creates_before <= 5 and tasks_before == creates_before

    fake.on_slow_create = None
    resumed = subprocess.run(cmd, env=_env(fake), capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    print(f"after resume: creates={fake.count('create')} tasks={len(fake.tasks)} lists={fake.count('list')} downloads={fake.count('download')}")
    clips = json.loads(resumed.stdout)["clips"]
    assert [c["state"] for c in clips] == ["done"] * 6
    # no clip lost: every file is there and decodes at the requested length
    for c in clips:
        assert decode_check(c["file"], expected_duration=5.0).frames > 0
    # no extra task: one create per clip in total, one task per external id
    externals = [r.json["external_task_id"] for r in fake.log if r.kind == "create"]
    assert len(externals) == len(set(externals)) == 6
    assert len(fake.tasks) == 6
    assert {c["task_id"].split("/")[1] for c in clips} == set(fake.tasks)
    assert fake.count("list") >= 1             # the in-window create was found again, not resent
    # paid once per clip: 6 x kling-v3 5 s at $0.084/s
    assert json.loads(resumed.stdout)["spent"] == pytest.approx(6 * 0.42)


@pytest.mark.slow
def test_kill_9_while_polling_resumes_the_task_without_resubmitting(fake_env, tmp_path):
    """Runway cannot be searched, so resuming relies entirely on the task id having been
    written the moment the create answered: the third task is polled, never recreated."""
    fake = fake_env("runway")
    shots = [{"id": f"shot{i}", "prompt": f"scene number {i}"} for i in range(4)]
    spec = write_batch(tmp_path, "runway", shots, concurrency=1, defaults={"duration": 2},
                       poll={"interval": 0.05, "request_timeout": 10})
    killed = threading.Event()
    cmd = [sys.executable, "-m", "broll", "generate", str(spec), "--no-qc", "--json"]
    proc = subprocess.Popen(cmd, env=_env(fake), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)

    def kill_on_second_poll_of_third_task(req):
        if req.kind == "poll" and len(fake.tasks) == 3 and list(fake.tasks.values())[2].polls == 2 \
                and not killed.is_set():
            os.kill(proc.pid, signal.SIGKILL)
            killed.set()

    fake.on_request = kill_on_second_poll_of_third_task
    proc.wait(60)
    assert killed.is_set() and proc.returncode == -signal.SIGKILL
    assert fake.count("create") == 3
    fake.on_request = None
    resumed = subprocess.run(cmd, env=_env(fake), capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    clips = json.loads(resumed.stdout)["clips"]
    assert [c["state"] for c in clips] == ["done"] * 4
    assert fake.count("create") == 4 and len(fake.tasks) == 4
    third = list(fake.tasks.values())[2]
    assert clips[2]["task_id"] == third.id and third.polls > 2       # picked up where it was
