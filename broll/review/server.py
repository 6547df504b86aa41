"""The review page's HTTP server: loopback only by default, clips by id, writes need the page's token.

Security, in the order a request meets it:
- the ``Host`` header must name this server (defeats DNS rebinding from a web page);
- media is reached by opaque clip id from a table built at scan time: no path from the URL
  ever touches the file system, so traversal has nothing to traverse;
- a write (POST) must come from this page: ``Origin`` (when sent) equal to the server's own,
  ``Sec-Fetch-Site`` (when sent) ``same-origin``, a JSON body, and the per-session token the
  page carries in a ``<meta>`` tag, compared in constant time.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broll import __version__
from broll.errors import BrollError
from broll.hashing import file_sha256
from broll.media.probe import probe
from broll.review import context, thumbs
from broll.review.decisions import ReviewState, current_user, record_decision, review_states
from broll.review.ranges import ByteRange, RangeNotSatisfiable, parse_range
from broll.review.sources import Clip, ReviewSource, resolve_source

STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
TOKEN_HEADER = "X-Broll-Token"
MAX_BODY = 64 * 1024
CHUNK = 256 * 1024
# Longest answer to one range request. A <video> asks for "bytes=0-" and then stops reading
# once its buffer is full, leaving the connection blocked in the middle of a body; Chromium
# keeps at most six per host, so a few such stalls starve the next clip. Short 206 answers
# free the connection at once and the element simply asks for the next range.
MAX_RANGE = 2 * 1024 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _static(name: str) -> bytes:
    return resources.files("broll.review").joinpath("static", name).read_bytes()


class ReviewApp:
    """State shared by request threads: the project's clips, the session token, cached probes."""

    def __init__(self, target: str | Path | None, *, token: str | None = None):
        self.target = target
        self.token = token or secrets.token_urlsafe(32)
        self.user = current_user()
        self._lock = threading.Lock()
        self._probes: dict[str, dict] = {}
        self.source: ReviewSource = resolve_source(target)
        self.strips = thumbs.StripWorker(self.source.root)
        for clip in self.source.clips:          # make every filmstrip ahead of the reviewer, in list order
            if clip.path.is_file():
                self.strips.want(clip.path, file_sha256(clip.path))
        self.allowed_hosts: set[str] | None = set()    # None: any Host (a deliberate non-loopback bind)

    @property
    def root(self) -> Path:
        return self.source.root

    def rescan(self) -> ReviewSource:
        with self._lock:
            self.source = resolve_source(self.target)
            return self.source

    def clip(self, clip_id: str) -> Clip | None:
        return self.source.by_id().get(clip_id)

    def _facts(self, clip: Clip, sha: str) -> dict:
        if sha not in self._probes:
            try:
                info = probe(clip.path)
                self._probes[sha] = {"fps": float(info.fps) or None, "duration": float(info.duration),
                                     "frames": info.frame_count, "width": info.width, "height": info.height,
                                     "codec": info.codec, "error": None}
            except BrollError as exc:
                self._probes[sha] = {"fps": None, "duration": None, "frames": None, "width": None,
                                     "height": None, "codec": None, "error": exc.message}
        return self._probes[sha]

    def clip_payload(self, clip: Clip, state: ReviewState) -> dict[str, Any]:
        sha, dec = state.current_sha, state.decision
        item: dict[str, Any] = {"id": clip.id, "path": clip.key, "name": clip.path.name, "sha256": sha,
                                "state": state.state,
                                "decision": dec.to_dict() if dec else None,
                                "media": f"/media/{clip.id}?v={(sha or '')[:12]}"}
        if sha is None:
            return item
        item.update(self._facts(clip, sha))
        ctx = context.clip_context(self.root, clip.path, sha)
        if ctx["grade"] and ctx["grade"].get("lut") and Path(ctx["grade"]["lut"]).is_file():
            v = sha[:12]
            ctx["grade"]["before_url"] = f"/grade/{clip.id}/before.jpg?v={v}"
            ctx["grade"]["after_url"] = f"/grade/{clip.id}/after.jpg?v={v}"
        if ctx.get("repair"):
            for k, r in enumerate(ctx["repair"]["repairs"]):
                if ctx["repair"]["source_exists"]:
                    r["before_url"] = f"/repair/{clip.id}/{k}/before.jpg?v={sha[:12]}"
                r["after_url"] = f"/repair/{clip.id}/{k}/after.jpg?v={sha[:12]}"
        item.update(ctx)
        return item

    def clips_payload(self) -> dict[str, Any]:
        src = self.rescan()
        # the same rule as the build's gate: decisions follow the clip's content (review.decisions)
        states = review_states(self.root, [c.path for c in src.clips])
        return {"project": str(src.root), "kind": src.kind, "spec": str(src.spec) if src.spec else None,
                "user": self.user, "version": __version__, "missing": src.missing,
                "clips": [self.clip_payload(c, st) for c, st in zip(src.clips, states)]}


class ReviewHandler(BaseHTTPRequestHandler):
    server_version = "broll-review"
    protocol_version = "HTTP/1.1"
    app: ReviewApp           # set on the subclass made per server
    quiet = True

    # ---- plumbing -------------------------------------------------------------------------
    def log_message(self, fmt: str, *args) -> None:  # the terminal is for the URL, not access logs
        if not self.quiet:
            super().log_message(fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _host_ok(self) -> bool:
        if self.app.allowed_hosts is None:       # bound beyond loopback on purpose (--host)
            return bool(self.headers.get("Host"))
        return (self.headers.get("Host") or "").lower() in self.app.allowed_hosts

    # ---- routes ---------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            if not self._host_ok():
                return self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host")
            path = urlsplit(self.path).path
            parts = [p for p in path.split("/") if p]
            if path == "/":
                return self._index()
            if len(parts) == 2 and parts[0] == "static" and parts[1] in STATIC_FILES:
                return self._send(200, _static(parts[1]), STATIC_FILES[parts[1]])
            if parts == ["api", "clips"]:
                return self._json(200, self.app.clips_payload())
            if len(parts) == 2 and parts[0] == "media":
                return self._media(parts[1])
            if len(parts) == 3 and parts[0] == "api" and parts[1] == "strip":
                return self._strip_info(parts[2])
            if len(parts) == 2 and parts[0] == "strip" and parts[1].endswith(".jpg"):
                return self._strip_image(parts[1][:-4])
            if len(parts) == 3 and parts[0] == "grade" and parts[2] in ("before.jpg", "after.jpg"):
                return self._grade(parts[1], parts[2][:-4])
            if len(parts) == 4 and parts[0] == "repair" and parts[2].isdigit() and \
                    parts[3] in ("before.jpg", "after.jpg"):
                return self._repair(parts[1], int(parts[2]), parts[3][:-4])
            if path == "/favicon.ico":
                return self._send(204, b"", "image/x-icon")
            return self._error(404, "not found")
        except (BrokenPipeError, ConnectionResetError):
            pass   # the browser dropped a range request it no longer needs: normal while scrubbing
        except BrollError as exc:
            self._error(422, exc.message)

    def do_POST(self) -> None:
        try:
            if not self._host_ok():
                return self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host")
            refused = self._write_refusal()
            if refused:
                return self._error(HTTPStatus.FORBIDDEN, refused)
            if urlsplit(self.path).path != "/api/decision":
                return self._error(404, "not found")
            return self._decision()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _write_refusal(self) -> str | None:
        """Why this write is refused, or None: same origin, JSON, and the page's token."""
        origin = self.headers.get("Origin")
        own = f"http://{(self.headers.get('Host') or '').lower()}"
        if origin is not None and origin.lower() != own:
            return f"cross-origin write refused (Origin {origin})"
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return f"cross-site write refused (Sec-Fetch-Site {site})"
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return "writes must be application/json"
        token = self.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(token.encode(), self.app.token.encode()):
            return "missing or wrong session token: reload the review page"
        return None

    def _index(self) -> None:
        html = _static("index.html").decode("utf-8").replace("{{TOKEN}}", self.app.token)
        self._send(200, html.encode("utf-8"), "text/html; charset=utf-8",
                   {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})

    def _clip_or_404(self, clip_id: str) -> Clip | None:
        clip = self.app.clip(clip_id)
        if clip is None or not clip.path.is_file():
            self._error(404, "no such clip")
            return None
        return clip

    def _media(self, clip_id: str) -> None:
        clip = self._clip_or_404(clip_id)
        if clip is None:
            return
        size = clip.path.stat().st_size
        ctype = mimetypes.guess_type(clip.path.name)[0] or "application/octet-stream"
        try:
            rng = parse_range(self.headers.get("Range"), size)
        except RangeNotSatisfiable:
            return self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", ctype,
                              {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
        if rng and rng.length > MAX_RANGE:
            rng = ByteRange(rng.start, rng.start + MAX_RANGE - 1)
        start, length = (rng.start, rng.length) if rng else (0, size)
        self.send_response(HTTPStatus.PARTIAL_CONTENT if rng else HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if rng:
            self.send_header("Content-Range", rng.content_range(size))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command == "HEAD":
            return
        with open(clip.path, "rb") as fh:
            fh.seek(start)
            remaining = length
            while remaining > 0:
                chunk = fh.read(min(CHUNK, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)

    def _strip_info(self, clip_id: str) -> None:
        clip = self._clip_or_404(clip_id)
        if clip is None:
            return
        sha = file_sha256(clip.path)
        if sha in self.app.strips.failed:
            return self._error(422, self.app.strips.failed[sha])
        made = thumbs.cached_filmstrip(self.app.root, sha)
        if made is None:
            self.app.strips.want(clip.path, sha, urgent=True)
            return self._json(HTTPStatus.ACCEPTED, {"pending": True})
        self._json(200, {"url": f"/strip/{clip.id}.jpg?v={sha[:12]}", "times": made[1]})

    def _strip_image(self, clip_id: str) -> None:
        clip = self._clip_or_404(clip_id)
        if clip is None:
            return
        made = thumbs.cached_filmstrip(self.app.root, file_sha256(clip.path))
        if made is None:
            return self._error(404, "filmstrip not made yet: ask /api/strip first")
        self._send(200, made[0].read_bytes(), "image/jpeg")

    def _grade(self, clip_id: str, which: str) -> None:
        clip = self._clip_or_404(clip_id)
        if clip is None:
            return
        sha = file_sha256(clip.path)
        grade = context.clip_context(self.app.root, clip.path, sha)["grade"]
        if not grade or not grade.get("lut") or not Path(grade["lut"]).is_file():
            return self._error(404, "no grade for this clip")
        img = thumbs.grade_preview(self.app.root, clip.path, sha, grade["lut"], which)
        self._send(200, img.read_bytes(), "image/jpeg")

    def _repair(self, clip_id: str, k: int, which: str) -> None:
        """Frame ``k``'s repair, from the source (before) or the repaired copy (after)."""
        from broll.repair.record import read_record

        clip = self._clip_or_404(clip_id)
        if clip is None:
            return
        sha = file_sha256(clip.path)
        doc = read_record(clip.path, sha)
        if doc is None:       # the original of a copy the build repaired (qc: on_fail: repair)
            from broll.repair.record import read_build_repair
            doc = read_build_repair(self.app.root, clip.path, sha)
            if doc is not None and k < len(doc["repairs"]):
                r = doc["repairs"][k]
                frame = (int(r.get("start", 0)) + int(r.get("end", 0))) // 2
                shown, shown_sha = (Path(doc["output"]), doc["output_sha256"]) if which == "after" else (clip.path, sha)
                return self._send(200, thumbs.frame_preview(self.app.root, shown, shown_sha, frame).read_bytes(),
                                  "image/jpeg")
        if doc is None or k >= len(doc["repairs"]):
            return self._error(404, "no such repair for this clip")
        r = doc["repairs"][k]
        frame = (int(r.get("start", 0)) + int(r.get("end", 0))) // 2
        if which == "after":
            img = thumbs.frame_preview(self.app.root, clip.path, sha, frame)
        else:
            source = Path(str(doc.get("source")))
            if not source.is_file() or file_sha256(source) != doc.get("source_sha256"):
                return self._error(404, "the original clip is gone or has changed since the repair")
            img = thumbs.frame_preview(self.app.root, source, doc["source_sha256"], frame)
        self._send(200, img.read_bytes(), "image/jpeg")

    def _decision(self) -> None:
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            return self._error(413, "body too large")
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self._error(400, "body is not JSON")
        if not isinstance(body, dict):
            return self._error(400, "body must be a JSON object")
        clip = self.app.clip(str(body.get("id", "")))
        if clip is None:
            return self._error(404, "no such clip")
        note = body.get("note") or ""
        if not isinstance(note, str):
            return self._error(400, "note must be text")
        try:
            dec = record_decision(self.app.root, clip.path, str(body.get("decision", "")), note,
                                  expected_sha=body.get("sha256") or None, reviewer=self.app.user)
        except BrollError as exc:
            status = HTTPStatus.CONFLICT if type(exc).__name__ == "ClipChanged" else HTTPStatus.BAD_REQUEST
            return self._error(status, exc.message)
        self._json(200, {"id": clip.id, "state": dec.decision, "decision": dec.to_dict()})


class _QuietThreadingServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A browser hanging up mid-request (it does, constantly, while scrubbing) is not an error."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class ReviewServer:
    """A running review server; ``url`` is what to open. Use as a context manager in tests."""

    def __init__(self, target: str | Path | None, *, host: str = "127.0.0.1", port: int = 8765,
                 token: str | None = None, quiet: bool = True):
        self.app = ReviewApp(target, token=token)
        handler = type("BoundReviewHandler", (ReviewHandler,), {"app": self.app, "quiet": quiet})
        try:
            self.httpd = _QuietThreadingServer((host, port), handler)
        except OSError as exc:
            from broll.errors import InputError
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})",
                             "another review may be running; pick a port with --port, or --port 0 for any free one") from None
        self.host, self.port = host, self.httpd.server_address[1]
        if host in ("127.0.0.1", "localhost"):
            self.app.allowed_hosts = {f"{n}:{self.port}" for n in ("127.0.0.1", "localhost")}
        elif host == "::1":
            self.app.allowed_hosts = {f"[::1]:{self.port}"}
        else:
            self.app.allowed_hosts = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "ReviewServer":
        self._thread = threading.Thread(target=self.serve_forever, name="broll-review", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.app.strips.stop()

    def __enter__(self) -> "ReviewServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
