"""MiniMax Hailuo (api.minimax.io): create, query, then fetch the file by id.

Three calls, as MiniMax documents them: ``POST /v1/video_generation`` returns a
``task_id``; ``GET /v1/query/video_generation?task_id=`` reports Preparing / Queueing /
Processing / Success / Fail and, on success, a ``file_id``; ``GET /v1/files/retrieve``
turns that into a download URL. Errors usually arrive with HTTP 200 and a non-zero
``base_resp.status_code`` (1002 rate limit, 1004 auth, 1008 balance, 1026 input / 1027
output flagged, 2013 bad parameters), so every answer is checked for it. No seed field.
First and last frame; a subject reference (one character) on S2V-01 only.
"""

from __future__ import annotations

from typing import Any

import httpx

from broll.generate.provider import (Caps, ClipSpec, FailKind, HTTPFailure, Poll, RequestPlan, State, data_uri,
                                     nearest, parse_retry_after)
from broll.generate.providers.base import HttpProvider

STATES = {"Preparing": State.QUEUED, "Queueing": State.QUEUED, "Processing": State.RUNNING,
          "Success": State.SUCCEEDED, "Fail": State.FAILED}
CODES = {1000: FailKind.TRANSIENT, 1001: FailKind.TRANSIENT, 1002: FailKind.RATE_LIMIT, 1004: FailKind.AUTH,
         1008: FailKind.NO_CREDIT, 1024: FailKind.TRANSIENT, 1026: FailKind.CONTENT_INPUT,
         1027: FailKind.CONTENT_OUTPUT, 1033: FailKind.TRANSIENT, 2013: FailKind.INVALID}
RESOLUTIONS = {"512p": "512P", "768p": "768P", "1080p": "1080P"}
_HAILUO = dict(seed=False, seed_note="MiniMax's video request has no seed field", durations=(6, 10),
               aspects=("16:9",), resolutions=("768p", "1080p"), ref_modes=("data", "url"), max_ref_bytes=20 << 20,
               max_seconds_at=(("1080p", 6),))


class MiniMax(HttpProvider):
    name = "minimax"
    key_vars = ("MINIMAX_API_KEY",)
    default_base = "https://api.minimax.io"
    default_model = "MiniMax-Hailuo-2.3"
    MODELS = {
        "MiniMax-Hailuo-2.3": Caps(**_HAILUO),
        "MiniMax-Hailuo-2.3-Fast": Caps(needs_image=True, **_HAILUO),
        "MiniMax-Hailuo-02": Caps(**{**_HAILUO, "resolutions": ("512p", "768p", "1080p")}),
        "S2V-01": Caps(**{**_HAILUO, "durations": (6,), "resolutions": ("720p",), "first_frame": False,
                          "max_refs": 1, "ref_kind": "subject_reference: one character's face"}),
    }

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('MINIMAX_API_KEY') or ''}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        caps = self.capabilities(spec.model)
        body: dict[str, Any] = {"model": spec.model, "prompt": spec.prompt,
                                "duration": nearest(spec.duration_s, caps.durations)}
        if spec.model != "S2V-01":
            body["resolution"] = RESOLUTIONS.get(spec.resolution, "768P")
        if spec.ref_image:
            body["first_frame_image"] = data_uri(spec.ref_image)
        if spec.references:
            body["subject_reference"] = [{"type": "character", "image": [data_uri(r) for r in spec.references]}]
        return RequestPlan("POST", f"{self.base}/v1/video_generation", self.auth_headers(), body)

    def send(self, plan: RequestPlan) -> Any:
        """MiniMax reports most errors inside a 200: raise them like HTTP errors."""
        response = self.client.request(plan.method, plan.url, headers=plan.headers, json=plan.json)
        if response.status_code >= 400:
            raise self.failure(response)
        body = response.json() if response.content else {}
        base = body.get("base_resp") or {}
        status = base.get("status_code", 0)
        if status:
            kind = CODES.get(status, FailKind.UNKNOWN)
            raise HTTPFailure(self.name, response.status_code, kind, str(status), str(base.get("status_msg", "")),
                              parse_retry_after(response.headers) or (5.0 if status == 1002 else None),
                              retryable=kind in (FailKind.RATE_LIMIT, FailKind.TRANSIENT))
        return body

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["task_id"])

    def poll(self, task_id: str) -> Poll:
        try:
            raw = self.get(f"{self.base}/v1/query/video_generation?task_id={task_id}")
        except HTTPFailure as exc:
            if exc.kind in (FailKind.CONTENT_INPUT, FailKind.CONTENT_OUTPUT):
                # the task itself was flagged: a terminal failure, not a poll error
                return Poll(state=State.FAILED, fail_kind=exc.kind, fail_code=exc.code, message=exc.detail,
                            raw_status="Fail")
            raise
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        poll = Poll(state=state, raw_status=status, raw=raw)
        if state is State.SUCCEEDED:
            file_id = raw.get("file_id")
            if not file_id:
                poll.state, poll.fail_kind, poll.fail_code = State.FAILED, FailKind.UNKNOWN, "NO_FILE"
                poll.message = "task succeeded without a file_id"
                return poll
            found = self.get(f"{self.base}/v1/files/retrieve?file_id={file_id}")
            url = (found.get("file") or {}).get("download_url")
            poll.outputs = [url] if url else []
        elif state is State.FAILED:
            base = raw.get("base_resp") or {}
            poll.fail_code = str(base.get("status_code") or "Fail")
            poll.message = str(base.get("status_msg") or "generation failed")
            poll.fail_kind = CODES.get(base.get("status_code"), FailKind.UNKNOWN)
        return poll

    def failure(self, response: httpx.Response) -> HTTPFailure:
        exc = super().failure(response)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        status = (body.get("base_resp") or {}).get("status_code") if isinstance(body, dict) else None
        if status in CODES:
            exc.kind, exc.code = CODES[status], str(status)
        return exc
