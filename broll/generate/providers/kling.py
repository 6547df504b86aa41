"""Kling official API: a JWT (HS256, iss=access key, signed with the secret key) per request.

The only vendor with server-side create dedupe: ``external_task_id`` is unique per
account, so an ambiguous create is found again through the list endpoint and a resend
with the same id cannot create a second task. Failed tasks are not charged. Errors carry
a numeric ``code``: 1101/1102 no credit, 1301 content policy, 1302/1303 rate/concurrency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, nearest, raw_base64
from broll.generate.providers.base import HttpProvider

STATES = {"submitted": State.QUEUED, "processing": State.RUNNING, "succeed": State.SUCCEEDED,
          "failed": State.FAILED}
CODES = {1000: FailKind.AUTH, 1001: FailKind.AUTH, 1002: FailKind.AUTH, 1003: FailKind.AUTH, 1004: FailKind.AUTH,
         1101: FailKind.NO_CREDIT, 1102: FailKind.NO_CREDIT, 1200: FailKind.INVALID, 1201: FailKind.INVALID,
         1301: FailKind.CONTENT_INPUT, 1302: FailKind.RATE_LIMIT, 1303: FailKind.RATE_LIMIT,
         5000: FailKind.TRANSIENT, 5001: FailKind.TRANSIENT, 5002: FailKind.TRANSIENT}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_hs256(access_key: str, secret_key: str, now: float | None = None) -> str:
    """Kling's token: header.payload signed with HMAC-SHA256; valid 30 min, 5 s clock slack."""
    now = int(time.time() if now is None else now)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps({"iss": access_key, "exp": now + 1800, "nbf": now - 5},
                                 separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret_key.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


NO_SEED = "Kling's documented request fields have no seed"
_COMMON = dict(seed=False, seed_note=NO_SEED, aspects=("16:9", "9:16", "1:1"), resolutions=("720p", "1080p"),
               ref_modes=("data", "url"), max_ref_bytes=10 << 20, reconcile="external_id")
MULTI = "multi-image2video image_list: subjects/elements to keep (not a first frame)"


class Kling(HttpProvider):
    name = "kling"
    key_vars = ("KLING_ACCESS_KEY", "KLING_SECRET_KEY")
    default_base = "https://api-singapore.klingai.com"
    default_model = "kling-v3"
    MODELS = {
        "kling-v3": Caps(durations=tuple(range(3, 16)), max_refs=4, ref_kind=MULTI, refs_exclusive=True, **_COMMON),
        "kling-v2-6": Caps(durations=(5, 10), **_COMMON),
        "kling-v2-5-turbo": Caps(durations=(5, 10), **_COMMON),
        "kling-v2-1": Caps(durations=(5, 10), **_COMMON),
        "kling-v1-6": Caps(durations=(5, 10), max_refs=4, ref_kind=MULTI, refs_exclusive=True, **_COMMON),
    }

    def auth_headers(self) -> dict[str, str]:
        token = jwt_hs256(self.keys.get("KLING_ACCESS_KEY") or "", self.keys.get("KLING_SECRET_KEY") or "")
        return {"Authorization": f"Bearer {token}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        family = ("multi-image2video" if spec.references else "image2video" if spec.ref_image else "text2video")
        body: dict[str, Any] = {"model_name": spec.model, "prompt": spec.prompt,
                                "duration": str(nearest(spec.duration_s, self.capabilities(spec.model).durations)),
                                "aspect_ratio": spec.aspect, "mode": "pro" if spec.resolution == "1080p" else "std",
                                "external_task_id": client_key}
        if spec.negative:
            body["negative_prompt"] = spec.negative
        if spec.references:
            body["image_list"] = [{"image": _image(ref)} for ref in spec.references]
        elif spec.ref_image:
            body["image"] = _image(spec.ref_image)
        return RequestPlan("POST", f"{self.base}/v1/videos/{family}", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        plan = self.plan_submit(spec, client_key)
        data = self.send(plan)["data"]
        return f"{plan.url.rsplit('/', 1)[1]}/{data['task_id']}"

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/v1/videos/{task_id}")
        data = raw.get("data") or {}
        status = str(data.get("task_status", ""))
        state = STATES.get(status, State.UNKNOWN)
        videos = (data.get("task_result") or {}).get("videos") or []
        poll = Poll(state=state, outputs=[v["url"] for v in videos if v.get("url")], raw_status=status, raw=raw)
        if state is State.FAILED:
            msg = str(data.get("task_status_msg") or "")
            poll.message, poll.charged = msg, False
            low = msg.lower()
            poll.fail_kind = (FailKind.CONTENT_INPUT if ("risk" in low or "policy" in low or "sensitive" in low)
                              else FailKind.TRANSIENT if ("try again" in low or "internal" in low)
                              else FailKind.UNKNOWN)
            poll.fail_code = msg[:80] or None
        return poll

    def find_by_client_key(self, client_key, since):
        for family in ("text2video", "image2video", "multi-image2video"):
            for page in range(1, 6):
                raw = self.get(f"{self.base}/v1/videos/{family}?pageNum={page}&pageSize=100")
                items = raw.get("data") or []
                for item in items:
                    if (item.get("task_info") or {}).get("external_task_id") == client_key:
                        return f"{family}/{item['task_id']}"
                if len(items) < 100:
                    break
        return None

    def classify(self, status, body, kind, code, retryable):
        num = body.get("code") if isinstance(body, dict) else None
        if isinstance(num, int) and num in CODES:
            kind = CODES[num]
            retryable = kind in (FailKind.RATE_LIMIT, FailKind.TRANSIENT)
            hint = 5.0 if num == 1303 else None
            return kind, str(num), retryable, hint
        return kind, code, retryable, None


def _image(ref: str) -> str:
    """Kling takes a URL or raw base64 (no ``data:`` prefix)."""
    return ref if ref.startswith(("http://", "https://")) else raw_base64(ref)
