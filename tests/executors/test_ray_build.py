"""`broll build --executor ray` renders segments as Ray tasks on a two-node cluster: the reel's
frames are identical to a local build that renders the same segments in a process pool."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from broll.cli import main

pytest.importorskip("ray")
pytestmark = [pytest.mark.xdist_group("ray"), pytest.mark.slow]

PRESETS = """\
tiny:
  base: 16x9-1080p
  width: 320
  height: 180
  video: {x264_preset: ultrafast, crf: 30}
"""


def _edit(folder: Path, clips: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".broll").mkdir(exist_ok=True)          # its own project: its own segment cache
    path = folder / "edit.yaml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        output: reel.mp4
        preset: tiny
        timeline:
          - clip: {clips[0]}
            text: {{value: "one", start: 0.5}}
          - clip: {clips[1]}
            transition: {{type: dissolve, duration: 0.3}}
          - title: "middle"
            duration: 1.5
            transition: cut
          - clip: {clips[2]}
            speed: 1.5
            transition: cut
        """))
    return path


def _digests(path: Path) -> list[str]:
    import av
    with av.open(str(path)) as c:
        return [hashlib.md5(f.to_ndarray().tobytes()).hexdigest() for f in c.decode(video=0)]


def test_build_on_ray_equals_the_local_segment_render(on_cluster, monkeypatch, tmp_path):
    from broll.media.synth import make_numbered_clip

    presets = tmp_path / "presets.yaml"
    presets.write_text(PRESETS)
    monkeypatch.setenv("BROLL_PRESETS", str(presets))
    monkeypatch.setenv("BROLL_SEGMENT_SECONDS", "1.5")
    import broll.executors
    monkeypatch.setattr(broll.executors, "cores", lambda: 2)   # local: 2 workers x 1 x264 thread, as on Ray
    clips = [make_numbered_clip(tmp_path / f"n{i}.mp4", frames=75, audio=True) for i in range(3)]
    runs = {}
    for ex in ("local", "ray"):
        edit = _edit(tmp_path / ex, clips)
        env = {"BROLL_SEGMENT_COLD": "segments"} if ex == "local" else {}
        r = CliRunner().invoke(main, ["build", str(edit), "--json", "--executor", ex], env=env,
                               catch_exceptions=False)
        assert r.exit_code == 0, r.output
        seg = json.loads(r.output)["outputs"][0]["segments"]
        assert seg["mode"] == "segments" and seg["rendered"] == seg["segments"] >= 3, seg
        assert seg["executor"] == ex and seg["x264_threads"] == 1
        runs[ex] = _digests(edit.parent / "reel.mp4")
    assert runs["ray"] == runs["local"] and len(runs["ray"]) > 0
    # a rebuild on Ray with nothing changed encodes nothing
    r = CliRunner().invoke(main, ["build", str(tmp_path / "ray" / "edit.yaml"), "--json", "--executor", "ray"])
    assert json.loads(r.output)["outputs"][0]["segments"]["rendered"] == 0
