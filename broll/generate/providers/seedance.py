"""ByteDance Seedance 2.0 on Volcengine Ark (``ark.cn-beijing.volces.com/api/v3``).

``POST /contents/generations/tasks`` with a ``content`` list (a text item, image items
carrying a ``role``: ``first_frame``, ``last_frame`` or ``reference_image``); the task is
read at ``GET /contents/generations/tasks/{id}`` until ``succeeded`` / ``failed`` /
``cancelled`` (queued and running before), the video in ``content.video_url``. Up to 9
reference images, which cannot be combined with a first or last frame (Ark answers 400 and
creates nothing). 4-15 s. ``DELETE`` cancels a queued task. Errors are
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, data_uri, nearest
from broll.generate.providers.base import HttpProvider

STATES = {"queued": State.QUEUED, "running": State.RUNNING, "succeeded": State.SUCCEEDED, "failed": State.FAILED,
          "cancelled": State.CANCELLED, "expired": State.EXPIRED}
_SEEDANCE = dict(seed=True, durations=tuple(range(4, 16)), aspects=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9"),
                 resolutions=("480p", "720p", "1080p"), ref_modes=("data", "url"), max_refs=9,
                 ref_kind="reference_image: subject, product, style or layout donors", refs_exclusive=True,
                 negative=False)


def kind_of(code: str) -> tuple[FailKind, bool]:
    """Ark error codes (``InputTextSensitiveContentDetected``, ``RateLimitExceeded`` ...) -> (kind, retryable)."""
    if "Sensitive" in code or "Risk" in code:
        return (FailKind.CONTENT_OUTPUT if code.startswith("Output") else FailKind.CONTENT_INPUT), False
    if code in ("RateLimitExceeded", "ServerOverloaded", "ModelLoadingError"):
        return FailKind.RATE_LIMIT, True
    if code in ("QuotaExceeded",):
        return FailKind.QUOTA_DAILY, False
    if code in ("AccountOverdueError", "InsufficientBalance"):
        return FailKind.NO_CREDIT, False
    if code in ("AuthenticationError", "AccessDenied"):
        return FailKind.AUTH, False
    if code.startswith(("InvalidParameter", "MissingParameter", "InvalidEndpointOrModel")):
        return FailKind.INVALID, False
    if code in ("InternalServiceError", "InternalError"):
        return FailKind.TRANSIENT, True
    return FailKind.UNKNOWN, False


class Seedance(HttpProvider):
    name = "seedance"
    key_vars = ("ARK_API_KEY",)
    default_base = "https://ark.cn-beijing.volces.com/api/v3"
    default_model = "doubao-seedance-2-0-260128"
    MODELS = {"doubao-seedance-2-0-260128": Caps(**_SEEDANCE)}

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('ARK_API_KEY') or ''}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        content: list[dict[str, Any]] = [{"type": "text", "text": spec.prompt}]
        if spec.ref_image:
            content.append({"type": "image_url", "image_url": {"url": data_uri(spec.ref_image)}, "role": "first_frame"})
        for ref in spec.references:
            content.append({"type": "image_url", "image_url": {"url": data_uri(ref)}, "role": "reference_image"})
        body: dict[str, Any] = {"model": spec.model, "content": content, "ratio": spec.aspect,
                                "resolution": spec.resolution,
                                "duration": nearest(spec.duration_s, self.capabilities(spec.model).durations)}
        if spec.seed is not None:
            body["seed"] = spec.seed
        return RequestPlan("POST", f"{self.base}/contents/generations/tasks", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/contents/generations/tasks/{task_id}")
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        url = (raw.get("content") or {}).get("video_url")
        poll = Poll(state=state, outputs=[url] if url else [], raw_status=status, raw=raw)
        if state is State.FAILED:
            err = raw.get("error") or {}
            poll.fail_code, poll.message = err.get("code") or "failed", err.get("message")
            poll.fail_kind = kind_of(str(poll.fail_code))[0]
            if poll.fail_kind is FailKind.UNKNOWN and "internal" in str(poll.message).lower():
                poll.fail_kind = FailKind.TRANSIENT
        return poll

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("DELETE", f"{self.base}/contents/generations/tasks/{task_id}", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict) or not err.get("code"):
            return kind, code, retryable, None
        found, again = kind_of(str(err["code"]))
        if found is FailKind.UNKNOWN:
            return kind, str(err["code"]), retryable, None
        return found, str(err["code"]), again, None
