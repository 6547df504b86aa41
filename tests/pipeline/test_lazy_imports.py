"""Start-up stays light: the first create request goes out before QC, grading and assembly load.

Guards issue 16's overhead target (orchestration < 2% of the provider's time) by what is imported,
not by a timed test: the heavy libraries load in the warm-up thread while the provider works
(broll.pipeline.warmup)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pipeline_helpers import fake_environ, write_edit

HEAVY = ("numpy", "cv2", "scenedetect", "colour", "av", "opentimelineio", "broll.qc", "broll.grading")

# everything a `broll build` with a generate: section imports before its first create
BEFORE_CREATE = ("broll.cli", "broll.cli.build_cmd", "broll.assemble.build", "broll.pipeline.front",
                 "broll.generate.run", "broll.generate.batch", "broll.generate.providers")


def test_the_build_path_up_to_the_first_create_imports_nothing_heavy():
    code = (f"import sys, importlib; [importlib.import_module(m) for m in {BEFORE_CREATE!r}]; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_first_create_goes_out_before_qc_loads(provider_fake, tmp_path):
    """In a real process: what is loaded when the first create request is sent."""
    fake = provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}, {"id": "sky", "prompt": "the sky"}])
    probe = ("import json, sys, httpx\n"
             "seen = []\n"
             "send = httpx.Client.send\n"
             "def spy(self, request, **kw):\n"
             "    if request.method == 'POST' and not seen:\n"
             f"        seen.append([m for m in {HEAVY!r} if m in sys.modules])\n"
             "    return send(self, request, **kw)\n"
             "httpx.Client.send = spy\n"
             "from broll.cli import run\n"
             "try:\n"
             f"    run(['build', {str(edit)!r}, '--until', 'check', '--json'])\n"
             "finally:\n"
             "    sys.stderr.write('LOADED ' + json.dumps(seen) + '\\n')\n")
    env = {**__import__("os").environ, **fake_environ(fake)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stderr.rsplit("LOADED ", 1)[1].splitlines()[0])
    assert loaded == [[]], loaded
    result = json.loads(proc.stdout)
    # QC still ran on every take (loaded in the background, while the provider worked)
    assert {t["qc"] for ts in result["shots"]["takes"].values() for t in ts} <= {"pass", "review"}


@pytest.mark.parametrize("blocked", ["cv2", "broll.qc"])
def test_a_missing_qc_library_stops_the_build_before_anything_is_paid(provider_fake, tmp_path, blocked):
    fake = provider_fake("kling", video_kind="placeholder")
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}])
    code = (f"import sys; sys.modules[{blocked!r}] = None; from broll.cli import run; "
            f"run(['build', {str(edit)!r}])")
    env = {**__import__("os").environ, **fake_environ(fake)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "the QC gate cannot run" in errors[0] and blocked in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and fake.count("create") == 0
