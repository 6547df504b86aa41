"""A loopback HTTP server base for provider fakes: random port on 127.0.0.1, a request log,
scripted faults (status storms, Retry-After, slow answers after the work is done), real
MP4 results served from expiring URLs."""

from __future__ import annotations

import atexit
import itertools
import json
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from broll.media import synth

# one folder per test process, removed when it exits (a module-level folder left ~300 behind in /tmp)
_VIDEO_DIR = Path(tempfile.mkdtemp(prefix="broll-fake-videos-"))
atexit.register(shutil.rmtree, _VIDEO_DIR, ignore_errors=True)
_VIDEO_LOCK = threading.Lock()


def video_bytes(duration: float, kind: str = "testsrc", prompt: str = "") -> bytes:
    """A real small MP4 of ``duration`` seconds (cached per duration and kind).

    ``testsrc``: a tiny lavfi test pattern (fast); ``placeholder``: a smooth Ken Burns clip
    that broll's QC passes; ``flash``: the same with a white flash every other frame, which
    QC sends back for regeneration (photosensitivity); ``procedural``: a placeholder whose
    picture and tint follow the prompt, so clips of one batch differ in colour; ``blackframes``: a
    pan over a photo with two black frames inside the shot (broll.testing.injection), which QC
    sends back and ``broll fix`` repairs.
    """
    import zlib
    seed = zlib.crc32(prompt.encode()) % 10_000 if kind == "procedural" else 1
    path = _VIDEO_DIR / (f"{kind}-{duration:g}s.mp4" if kind != "procedural" else f"{kind}-{seed}-{duration:g}s.mp4")
    with _VIDEO_LOCK:
        if not path.exists():
            if kind == "testsrc":
                synth.make_clip(path, size=(160, 90), fps=10, duration=duration, audio=None)
            elif kind == "blackframes":
                import numpy as np

                from broll.testing import injection as inj
                frames = inj.base("pan:astronaut", int(round(duration * 30)), size=(640, 360))
                frames, _ = inj.inject_black(frames, np.random.default_rng(3), "moderate")
                inj.encode(path, frames, fps=30)
            else:
                from broll.media.placeholder import render_placeholder
                ref = _VIDEO_DIR / "mandelbrot.png"
                if not ref.exists():
                    synth.make_image(ref, source="mandelbrot", size=(640, 360))
                render_placeholder(path, caption="fake", prompt=prompt or "fake provider", seed=seed,
                                   duration=duration, size=(640, 360),
                                   reference=None if kind == "procedural" else ref)
                if kind == "flash":
                    flashing = path.with_name(f"flash-tmp-{duration:g}.mp4")
                    synth.run_ffmpeg(["-y", "-i", str(path), "-vf",
                                      "drawbox=enable='lt(mod(n,4),2)':c=white:t=fill", "-c:v", "libx264",
                                      "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(flashing)])
                    flashing.replace(path)
    return path.read_bytes()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client killed mid-request (the crash tests do that on purpose) is not an error."""
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@dataclass
class Fault:
    status: int
    body: Any = None
    headers: dict = field(default_factory=dict)


@dataclass
class Task:
    id: str
    body: dict
    duration: float
    outcome: str                    # "ok" or a failure name the provider fake understands
    steps: list[str]
    external_id: str | None = None
    video_kind: str = "testsrc"
    prompt: str = ""
    polls: int = 0
    created_at: float = field(default_factory=time.time)
    url_serial: int = 0

    @property
    def status(self) -> str:
        return self.steps[max(0, min(self.polls - 1, len(self.steps) - 1))]


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    json: Any
    kind: str = ""                  # create | poll | download | list | cancel | other


class FakeProvider:
    """Subclasses implement ``handle(req) -> (status, body, headers)``."""

    name = "fake"
    poll_steps = 2                  # polls before a task finishes

    def __init__(self):
        self.log: list[Request] = []
        self.tasks: dict[str, Task] = {}
        self.faults: dict[str, deque[Fault]] = {k: deque() for k in ("create", "poll", "download", "list")}
        self.slow_creates = 0           # next N creates: do the work, then answer too late
        self.slow_create_number = 0     # or exactly the Nth create (1-based), decided when it arrives
        self.slow_seconds = 1.5
        self.on_slow_create = None
        self.on_request = None          # called with every handled request before it is answered      # called (with the request) once the task exists, before the late answer
        self.expire_first_url = False   # the first result URL of each task answers 403
        self.corrupt_downloads = 0      # next N downloads serve garbled bytes
        self.fail_prompts: dict[str, str] = {}   # prompt substring -> failure outcome
        self.fail_once: set[str] = set()          # outcomes that succeed when retried
        self.video_kind = "testsrc"               # what finished tasks deliver (see video_bytes)
        self.flash_first = 0                      # the first N tasks deliver a flashing clip
        self.defect_first = 0                     # the next N deliver a repairable clip ("blackframes")
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._urls: dict[str, tuple[str, bool]] = {}   # token -> (task id, valid)
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- helpers for tests ------------------------------------------------------------------------
    def extra_env(self) -> dict:
        """Environment besides ``BROLL_<NAME>_BASE_URL`` that points broll at this fake."""
        return {}

    def count(self, kind: str) -> int:
        return sum(1 for r in self.log if r.kind == kind)

    def inject(self, kind: str, *faults: Fault) -> None:
        self.faults[kind].extend(faults)

    # -- helpers for subclasses -------------------------------------------------------------------
    def new_task(self, body: dict, duration: float, prompt: str, external_id: str | None = None) -> Task:
        outcome = "ok"
        for needle, fail in self.fail_prompts.items():
            if needle in prompt:
                outcome = fail
        if outcome in self.fail_once and any(t.outcome == outcome for t in self.tasks.values()):
            outcome = "ok"
        n = len(self.tasks)
        kind = ("flash" if n < self.flash_first else
                "blackframes" if n < self.flash_first + self.defect_first else self.video_kind)
        task = Task(id=self.make_id(), body=body, duration=duration, outcome=outcome,
                    steps=self.steps_for(outcome), external_id=external_id, video_kind=kind, prompt=prompt)
        self.tasks[task.id] = task
        return task

    def make_id(self) -> str:
        return f"{next(self._ids):04d}-{uuid.uuid4().hex[:8]}"

    def steps_for(self, outcome: str) -> list[str]:
        raise NotImplementedError

    def result_url(self, task: Task) -> str:
        """A fresh signed URL; with ``expire_first_url`` the first one is already dead."""
        task.url_serial += 1
        token = uuid.uuid4().hex
        valid = not (self.expire_first_url and task.url_serial == 1)
        self._urls[token] = (task.id, valid)
        return f"{self.base_url}/files/{token}.mp4?_jwt=sig"

    def serve_file(self, token: str):
        entry = self._urls.get(token)
        if entry is None or not entry[1]:
            return 403, {"error": "URL expired"}, {}
        fault = self.take("download")
        if fault:
            return fault.status, fault.body, fault.headers
        task = self.tasks[entry[0]]
        data = video_bytes(task.duration, task.video_kind, task.prompt)
        if self.corrupt_downloads > 0:
            self.corrupt_downloads -= 1
            data = data[:64] + bytes(len(data) - 64)    # same length, garbled after the header
        return 200, data, {"Content-Type": "video/mp4"}

    def take(self, kind: str) -> Fault | None:
        with self.lock:
            return self.faults[kind].popleft() if self.faults[kind] else None

    def handle(self, req: Request) -> tuple[int, Any, dict]:
        raise NotImplementedError

    # -- HTTP plumbing ----------------------------------------------------------------------------
    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _do(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                req = Request(self.command, url.path, parse_qs(url.query), {k.lower(): v for k, v in self.headers.items()},
                              body)
                with fake.lock:
                    fake.log.append(req)
                status, payload, headers = fake.handle(req)      # names req.kind
                with fake.lock:     # this create's place among the creates (the log is in arrival order)
                    creates = [r for r in fake.log if r.kind == "create"]
                    number = next((i + 1 for i, r in enumerate(creates) if r is req), 0)
                if fake.on_request:
                    fake.on_request(req)
                slow_by_number = number > 0 and number == fake.slow_create_number
                if req.kind == "create" and (fake.slow_creates > 0 or slow_by_number) and status < 300:
                    with fake.lock:
                        if not slow_by_number:
                            fake.slow_creates -= 1
                    if fake.on_slow_create:
                        fake.on_slow_create(req)
                    time.sleep(fake.slow_seconds)      # the task exists; the answer comes too late
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    if not isinstance(payload, bytes):
                        self.send_header("Content-Type", "application/json")
                    for k, v in headers.items():
                        self.send_header(k, str(v))
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _do

        return Handler
