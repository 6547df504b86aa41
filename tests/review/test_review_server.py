"""The HTTP surface over a real loopback server: ranges, traversal, Host/Origin/token checks, context."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import time

import numpy as np
import pytest

from broll.hashing import file_sha256
from broll.project import connect
from broll.review.server import ReviewServer
from review_helpers import fake_generation, fake_grade, fake_qc, write_cube


@pytest.fixture
def server(project):
    with ReviewServer(project, port=0) as srv:
        yield srv


def request(srv, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def clips(srv):
    resp, data = request(srv, "GET", "/api/clips")
    assert resp.status == 200
    return {c["path"]: c for c in json.loads(data)["clips"]}


def token_of(srv):
    _, page = request(srv, "GET", "/")
    return re.search(rb'name="broll-token" content="([^"]+)"', page).group(1).decode()


def post_decision(srv, payload, token=None, origin="same", ctype="application/json", extra=None):
    headers = {"Content-Type": ctype}
    if token is not None:
        headers["X-Broll-Token"] = token
    if origin == "same":
        headers["Origin"] = f"http://127.0.0.1:{srv.port}"
    elif origin:
        headers["Origin"] = origin
    headers.update(extra or {})
    resp, data = request(srv, "POST", "/api/decision", json.dumps(payload), headers)
    return resp.status, json.loads(data or b"{}")


def test_page_carries_a_session_token_and_strict_headers(server):
    resp, page = request(server, "GET", "/")
    assert resp.status == 200 and b"broll review" in page
    assert token_of(server) == server.app.token and len(server.app.token) >= 32
    assert "default-src 'none'" in resp.getheader("Content-Security-Policy")
    assert resp.getheader("X-Frame-Options") == "DENY"
    for name in ("app.js", "style.css"):
        assert request(server, "GET", f"/static/{name}")[0].status == 200


def test_lists_clips_by_id_without_outputs(server, project):
    listed = clips(server)
    assert sorted(listed) == ["clips/a.mp4", "clips/b.mp4", "clips/n.mp4"]
    n = listed["clips/n.mp4"]
    assert n["state"] == "unreviewed" and n["frames"] == 60 and n["fps"] == 30.0
    assert n["sha256"] == file_sha256(project / "clips" / "n.mp4")
    assert n["qc"] is None and n["grade"] is None and n["generation"] is None


def test_range_requests_return_exact_bytes(server, project):
    c = clips(server)["clips/a.mp4"]
    raw = (project / "clips" / "a.mp4").read_bytes()
    resp, body = request(server, "GET", c["media"], headers={"Range": "bytes=100-1099"})
    assert resp.status == 206 and body == raw[100:1100]
    assert resp.getheader("Content-Range") == f"bytes 100-1099/{len(raw)}"
    assert resp.getheader("Accept-Ranges") == "bytes"
    resp, body = request(server, "GET", c["media"], headers={"Range": "bytes=-10"})
    assert resp.status == 206 and body == raw[-10:]
    resp, body = request(server, "GET", c["media"])
    assert resp.status == 200 and body == raw and resp.getheader("Content-Type") == "video/mp4"
    resp, _ = request(server, "GET", c["media"], headers={"Range": f"bytes={len(raw)}-"})
    assert resp.status == 416 and resp.getheader("Content-Range") == f"bytes */{len(raw)}"
    resp, body = request(server, "HEAD", c["media"])
    assert resp.status == 200 and body == b"" and resp.getheader("Content-Length") == str(len(raw))


@pytest.mark.parametrize("path", [
    "/media/../../etc/passwd", "/media/..%2F..%2Fetc%2Fpasswd", "/media/%2Fetc%2Fpasswd", "/media/clips/a.mp4",
    "/media/0000000000000000", "/static/../server.py", "/static/..%2Fserver.py", "/static/index.html/../../x",
    "/out/reel.mp4", "/clips/a.mp4", "/.broll/project.db", "/strip/..%2F..%2Fetc%2Fpasswd.jpg",
])
def test_only_project_media_by_id_can_be_reached(server, path):
    resp, body = request(server, "GET", path)
    assert resp.status == 404
    assert b"root:" not in body and b"SQLite" not in body


def test_foreign_host_header_is_refused(server):
    resp, _ = request(server, "GET", "/api/clips", headers={"Host": f"attacker.example:{server.port}"})
    assert resp.status == 421
    resp, _ = request(server, "GET", "/api/clips", headers={"Host": f"localhost:{server.port}"})
    assert resp.status == 200


def test_writes_need_same_origin_json_and_the_token(server, project):
    cid = clips(server)["clips/a.mp4"]["id"]
    token = server.app.token
    ok = {"id": cid, "decision": "approved"}
    assert post_decision(server, ok)[0] == 403                                   # no token
    assert post_decision(server, ok, token="x" * 43)[0] == 403                   # wrong token
    status, body = post_decision(server, ok, token=token, origin="http://attacker.example")
    assert status == 403 and "cross-origin" in body["error"]
    status, body = post_decision(server, ok, token=token, origin=None, extra={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert post_decision(server, ok, token=token, ctype="text/plain")[0] == 403  # a "simple" cross-site form post
    conn = connect(project)
    assert conn.execute("SELECT COUNT(*) FROM review_decisions").fetchone()[0] == 0
    conn.close()
    status, body = post_decision(server, {**ok, "note": "good light"}, token=token)
    assert status == 200 and body["state"] == "approved"
    conn = connect(project)
    row = conn.execute("SELECT clip_path, decision, note FROM review_decisions").fetchone()
    conn.close()
    assert tuple(row) == ("clips/a.mp4", "approved", "good light")
    assert clips(server)["clips/a.mp4"]["state"] == "approved"


def test_bad_decisions_are_refused_with_reasons(server, project):
    token = server.app.token
    listed = clips(server)
    cid = listed["clips/b.mp4"]["id"]
    assert post_decision(server, {"id": "nope", "decision": "approved"}, token=token)[0] == 404
    status, body = post_decision(server, {"id": cid, "decision": "maybe"}, token=token)
    assert status == 400 and "unknown review decision" in body["error"]
    # the page loaded one version; the file changed before the click: refuse, do not approve unseen bytes
    shutil.copy(project / "clips" / "a.mp4", project / "clips" / "b.mp4")
    status, body = post_decision(server, {"id": cid, "decision": "approved", "sha256": listed["clips/b.mp4"]["sha256"]},
                                 token=token)
    assert status == 409 and "changed on disk" in body["error"]


def test_filmstrips_are_made_in_the_background_once_and_cached(server, project):
    cid = clips(server)["clips/n.mp4"]["id"]
    deadline = time.monotonic() + 60
    while True:       # 202 while the background worker makes it
        resp, data = request(server, "GET", f"/api/strip/{cid}")
        if resp.status != 202 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    info = json.loads(data)
    assert resp.status == 200 and len(info["times"]) == 8 and info["times"] == sorted(info["times"])
    resp, jpeg = request(server, "GET", info["url"])
    assert resp.status == 200 and jpeg[:2] == b"\xff\xd8"
    sha = file_sha256(project / "clips" / "n.mp4")
    cached = list((project / ".broll" / "review").glob(f"strip-{sha[:24]}-*.jpg"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    request(server, "GET", info["url"])
    assert cached[0].stat().st_mtime_ns == mtime


def test_other_stages_context_is_shown(server, project):
    a = project / "clips" / "a.mp4"
    sha = file_sha256(a)
    fake_qc(project, sha, "review", [{"kind": "flicker", "start_frame": 12, "end_frame": 15, "start": 0.4,
                                      "end": 0.533, "severity": "review", "value": 3.2, "threshold": 2.0,
                                      "message": "luma flicker"}])
    fake_generation(project, sha, str(a), "a drone shot over pine forest at dawn")
    lut = write_cube(project / "swap.cube")
    fake_grade(project, sha, lut)
    c = clips(server)["clips/a.mp4"]
    assert c["qc"]["verdict"] == "review" and c["qc"]["findings"][0]["start_frame"] == 12
    assert c["generation"]["prompt"].startswith("a drone shot") and c["generation"]["provider"] == "offline"
    assert c["grade"]["de_before"] == 12.5 and c["grade"]["de_after"] == 3.1
    resp_b, before = request(server, "GET", c["grade"]["before_url"])
    resp_a, after = request(server, "GET", c["grade"]["after_url"])
    assert resp_b.status == resp_a.status == 200
    import cv2
    b = cv2.imdecode(np.frombuffer(before, np.uint8), cv2.IMREAD_COLOR).astype(int)
    a_ = cv2.imdecode(np.frombuffer(after, np.uint8), cv2.IMREAD_COLOR).astype(int)
    # the test LUT swaps red and blue: after == before with channels swapped (JPEG tolerance)
    assert np.abs(a_[:, :, ::-1] - b).mean() < 4
    assert np.abs(a_ - b).mean() > 10
    # clips with no rows stay "nothing known"
    assert clips(server)["clips/b.mp4"]["qc"] is None


def test_a_damaged_clip_is_listed_with_its_problem(project):
    (project / "clips" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with ReviewServer(project, port=0) as srv:
        broken = clips(srv)["clips/broken.mp4"]
        assert broken["state"] == "unreviewed" and broken["error"] and "broken.mp4" in broken["error"]
        deadline = time.monotonic() + 60
        while True:
            resp, data = request(srv, "GET", f"/api/strip/{broken['id']}")
            if resp.status != 202 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert resp.status == 422 and json.loads(data)["error"]
        # the rest of the project is unaffected, and the bad clip can still be rejected
        status, body = post_decision(srv, {"id": broken["id"], "decision": "rejected", "note": "corrupt"},
                                     token=srv.app.token)
        assert status == 200 and body["state"] == "rejected"


def test_a_repaired_copy_shows_its_repairs_before_and_after(project):
    import cv2

    from broll.media.writer import write_clip
    from broll.repair import repair_clip
    from broll.testing import injection as inj

    frames = inj.base("pan:astronaut", 45)
    frames[20] = np.full_like(frames[20], 255)                 # one white flash frame
    src = write_clip(project / "takes" / "flash.mp4", frames, fps=30)
    res = repair_clip(src, project / "fixed")
    assert res.repairs and res.output
    with ReviewServer(project, port=0) as srv:
        listed = clips(srv)
        assert not any(".broll-fix" in p for p in listed)     # the record is not a clip
        assert listed["takes/flash.mp4"]["repair"] is None     # the original is not a repaired copy
        rep = listed["fixed/flash.mp4"]["repair"]
        assert rep["verdict_before"] == res.verdict_before and rep["verdict"] == res.verdict
        r = rep["repairs"][0]
        assert r["frame"] == 20 and r["kind"] in ("black", "glitch")
        imgs = {}
        for which in ("before", "after"):
            resp, data = request(srv, "GET", r[f"{which}_url"])
            assert resp.status == 200 and resp.getheader("Content-Type") == "image/jpeg"
            imgs[which] = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).astype(float)
        assert imgs["before"].mean() > 245                   # the flash frame of the original
        assert imgs["after"].mean() < 200                    # rebuilt from its neighbours
        assert request(srv, "GET", "/repair/nope/0/after.jpg")[0].status == 404
    # a copy edited after the repair is no longer presented as repaired
    shutil.copy(project / "clips" / "a.mp4", project / "fixed" / "flash.mp4")
    with ReviewServer(project, port=0) as srv:
        assert clips(srv)["fixed/flash.mp4"]["repair"] is None
