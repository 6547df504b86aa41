"""Repair instead of regenerate inside the build (issue 17's pipeline bullets, through issue 16's chain):
the generation gate repairs a take QC refuses before paying for a new one and records both verdicts;
`qc: {on_fail: repair}` repairs plain clips; review shows a repaired clip's before and after."""

from __future__ import annotations

import http.client
import json
import textwrap

import cv2
import numpy as np
import pytest
from pipeline_helpers import write_edit

from broll.assemble.build import build
from broll.generate import manifest as M
from broll.review.server import ReviewServer


def _get(srv, path):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def _clips(srv) -> dict:
    status, data = _get(srv, "/api/clips")
    assert status == 200
    return {c["path"]: c for c in json.loads(data)["clips"]}


def _before_after(srv, repair) -> dict:
    r = repair["repairs"][0]
    out = {}
    for which in ("before", "after"):
        status, data = _get(srv, r[f"{which}_url"])
        assert status == 200
        out[which] = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).astype(float).mean()
    return out


@pytest.mark.slow
def test_the_generation_gate_repairs_a_refused_take_instead_of_paying_again(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder", defect_first=1)    # the first take has black frames
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}, {"id": "sky", "prompt": "the sky"}],
                      generate_extra={"attempts": 2, "concurrency": 1})
    result = build(edit, preview=True)
    assert fake.count("create") == 2                       # repaired: no regeneration paid for
    assert result.shots.repaired == 1 and result.shots.regenerated == 0
    assert result.outputs[0].probe.frame_count == result.outputs[0].frames
    take = tmp_path / "clips" / "sea.mp4"
    manifest = M.Manifest(tmp_path)
    try:
        row = manifest.get(result.shots.chosen["sea"].take.key)
        tasks = manifest.tasks(row.clip_key)
    finally:
        manifest.close()
    # the manifest records both verdicts: QC's refusal and the repaired take's
    assert row.state in M.FINISHED and row.qc_verdict in ("pass", "review") and row.attempt == 0
    assert "repaired black" in row.message and "QC said regenerate" in row.message
    assert "QC regenerate" in tasks[0]["reason"] and "repaired take:" in tasks[0]["reason"]
    from broll.hashing import file_sha256
    assert row.sha256 == file_sha256(take)
    original = tmp_path / "clips" / ".rejected" / "sea-a0.mp4"
    assert original.is_file()                              # the delivered take is kept
    # review shows the take's repair: before from the kept original, after from the take
    with ReviewServer(edit, port=0) as srv:
        listed = _clips(srv)
        rep = listed["clips/sea.mp4"]["repair"]
        assert rep["verdict_before"] == "regenerate" and rep["source"] == str(original.resolve())
        frames = _before_after(srv, rep)
        assert frames["before"] < 20 < frames["after"]     # a black frame, then the rebuilt picture
        assert listed["clips/sky.mp4"]["repair"] is None
    # a rebuild sends nothing and repairs nothing again
    again = build(edit, preview=True)
    assert fake.count("create") == 2 and again.shots.repaired == 0


@pytest.mark.slow
def test_takes_generated_without_the_gate_are_repaired_when_checked(provider_fake, tmp_path):
    fake = provider_fake("kling", video_kind="placeholder", defect_first=1)
    edit = write_edit(tmp_path, [{"id": "sea", "prompt": "the sea"}], generate_extra={"attempts": 2})
    build(edit, until="generate")
    assert fake.count("create") == 1
    result = build(edit, until="check")
    assert fake.count("create") == 1                      # repaired, not sent back
    take = result.shots.chosen["sea"].take
    assert take.qc in ("pass", "review") and (tmp_path / "clips" / ".rejected" / "sea-a0.mp4").is_file()


EDIT = """
    version: 1
    output: out/reel.mp4
    preset: 16x9-1080p
    loudness: null
    qc: {on_fail: repair}
    timeline:
      - clip: clips/black.mp4
"""


@pytest.mark.slow
def test_review_shows_what_on_fail_repair_made_of_a_clip(tmp_path):
    from broll.testing import injection as inj
    frames, truth = inj.inject_black(inj.base("pan:astronaut", 90, size=(640, 360)), np.random.default_rng(3))
    inj.encode(tmp_path / "clips" / "black.mp4", frames, fps=30)
    edit = tmp_path / "edit.yaml"
    edit.write_text(textwrap.dedent(EDIT).lstrip("\n"))
    result = build(edit, preview=True)
    assert result.stages.qc["clips/black.mp4"] in ("pass", "review")
    with ReviewServer(edit, port=0) as srv:
        rep = _clips(srv)["clips/black.mp4"]["repair"]
        assert rep["copy"].endswith("black.mp4") and "/.broll/repaired/" in rep["copy"]
        assert rep["verdict_before"] == "regenerate" and rep["repairs"][0]["kind"] == "black"
        assert truth.start <= rep["repairs"][0]["frame"] <= truth.end
        frames = _before_after(srv, rep)
        assert frames["before"] < 20 < frames["after"]
