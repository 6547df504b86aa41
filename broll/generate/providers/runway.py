"""Runway API (api.dev.runwayml.com): image/text-to-video, tasks polled by id.

Auth is Bearer plus the mandatory ``X-Runway-Version`` header. THROTTLED means accepted
and queued behind the org's concurrency limit. ``SAFETY.INPUT.*`` must not be resent;
``INTERNAL.BAD_OUTPUT.*`` may be retried once. Output URLs are signed and expire
(24-48 h); a fresh set comes from re-reading the task. No idempotency key and no list
endpoint: the task id is persisted the moment the create answers.
"""

from __future__ import annotations

from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, data_uri, nearest
from broll.generate.providers.base import HttpProvider

VERSION = "2024-11-06"
RATIOS = {"16:9": "1280:720", "9:16": "720:1280", "1:1": "960:960", "4:3": "1104:832", "3:4": "832:1104",
          "21:9": "1584:672"}
STATES = {"PENDING": State.QUEUED, "THROTTLED": State.QUEUED, "RUNNING": State.RUNNING,
          "SUCCEEDED": State.SUCCEEDED, "FAILED": State.FAILED, "CANCELLED": State.CANCELLED}


_GEN4 = dict(durations=tuple(range(2, 11)), aspects=tuple(RATIOS), ref_modes=("data", "url"), max_ref_bytes=5 << 20,
             negative=False)
_VEO = dict(seed=False, seed_note="Runway documents a seed for gen4.5 and gen4_turbo only", durations=(4, 6, 8),
            aspects=("16:9", "9:16"), resolutions=("720p", "1080p"), ref_modes=("data", "url"),
            max_ref_bytes=5 << 20)


class Runway(HttpProvider):
    name = "runway"
    key_vars = ("RUNWAYML_API_SECRET",)
    default_base = "https://api.dev.runwayml.com"
    default_model = "gen4.5"
    MODELS = {
        "gen4.5": Caps(seed=True, **_GEN4),
        "gen4_turbo": Caps(seed=True, needs_image=True, **_GEN4),     # image-to-video only
        "veo3.1": Caps(**_VEO),
        "veo3.1_fast": Caps(**_VEO),
    }
    RETIRED = {"gen3a_turbo": ("gen4_turbo", "removed from Runway's API and SDK on 2026-06-10")}

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('RUNWAYML_API_SECRET') or ''}",
                "X-Runway-Version": VERSION}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        body: dict[str, Any] = {"model": spec.model, "promptText": spec.prompt,
                                "ratio": _ratio(spec),
                                "duration": nearest(spec.duration_s, self.capabilities(spec.model).durations)}
        if spec.seed is not None and self.capabilities(spec.model).seed:
            body["seed"] = spec.seed
        if spec.negative and spec.model.startswith("veo"):
            body["negativePrompt"] = spec.negative
        if spec.ref_image:
            body["promptImage"] = data_uri(spec.ref_image)
            path = "/v1/image_to_video"
        else:
            path = "/v1/text_to_video"
        return RequestPlan("POST", self.base + path, self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/v1/tasks/{task_id}")
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        poll = Poll(state=state, progress=raw.get("progress"), outputs=list(raw.get("output") or []),
                    raw_status=status, raw=raw)
        if state is State.FAILED:
            code = str(raw.get("failureCode") or "")
            poll.fail_code, poll.message = code or None, raw.get("failure")
            if code.startswith("SAFETY.INPUT"):
                poll.fail_kind = FailKind.CONTENT_INPUT
            elif code.startswith("SAFETY.OUTPUT"):
                poll.fail_kind = FailKind.CONTENT_OUTPUT
            elif code.startswith("INTERNAL.BAD_OUTPUT") or code == "INTERNAL":
                poll.fail_kind = FailKind.TRANSIENT
            elif code.startswith("ASSET"):
                poll.fail_kind = FailKind.INVALID
            else:
                poll.fail_kind = FailKind.UNKNOWN
        return poll

    def preflight(self, model: str) -> dict:
        """Credit balance (USD) and this model's concurrency limit from ``GET /v1/organization``."""
        raw = self.get(f"{self.base}/v1/organization")
        facts: dict = {}
        credits = raw.get("creditBalance")
        if isinstance(credits, (int, float)):
            facts["balance_usd"] = credits / 100          # 1 credit = $0.01
        limits = ((raw.get("tier") or {}).get("models") or {}).get(model) or {}
        if isinstance(limits.get("maxConcurrentGenerations"), int):
            facts["max_concurrency"] = limits["maxConcurrentGenerations"]
        return facts

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("DELETE", f"{self.base}/v1/tasks/{task_id}", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        text = str(body).lower()
        code = (body.get("code") if isinstance(body, dict) else None) or code
        if status in (400, 402, 429) and "credit" in text and any(
                w in text for w in ("insufficient", "not enough", "enough credits", "out of", "balance")):
            return FailKind.NO_CREDIT, code, False, None
        if status == 429 and "daily" in text:
            return FailKind.QUOTA_DAILY, code, False, None
        return kind, code, retryable, None


def _ratio(spec: ClipSpec) -> str:
    """Runway names a size, not an aspect; Veo on Runway has a 1080p size."""
    if spec.model.startswith("veo") and spec.resolution == "1080p":
        return {"16:9": "1920:1080", "9:16": "1080:1920"}.get(spec.aspect, "1920:1080")
    return RATIOS.get(spec.aspect, "1280:720")
