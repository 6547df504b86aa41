"""Luma: the Agents API (``agents.lumalabs.ai/v1``, model ``ray-3.2``) and the legacy Dream Machine v1.

Agents API: ``POST /generations`` with ``type: video`` and a ``video`` object (duration,
resolution, ``start_frame`` as a URL or inline data); ``state`` queued / processing /
completed / failed, the result in ``output[{type: video, url}]`` and failures named by
``failure_code``. No seed is exposed. No list lookup is relied on, so a lost create is
surfaced for a person.

Dream Machine v1 (``ray-2``, ``ray-flash-2``) is legacy: keyframes must be public URLs,
results expire after about an hour, "failed to moderate image" is a known false positive
(one identical retry), and ambiguous creates are matched through ``GET /generations``.
Its base URL is ``BROLL_LUMA_LEGACY_BASE_URL``.
"""

from __future__ import annotations

import base64
from typing import Any

from broll.errors import ProviderError
from broll.generate.provider import (Caps, ClipSpec, FailKind, Poll, RequestPlan, State, base_url, image_bytes,
                                     is_url, nearest)
from broll.generate.providers.base import HttpProvider
from broll.generate.providers.listmatch import pick

STATES = {"queued": State.QUEUED, "dreaming": State.RUNNING, "processing": State.RUNNING,
          "completed": State.SUCCEEDED, "failed": State.FAILED}
LEGACY_BASE = "https://api.lumalabs.ai/dream-machine/v1"
NO_SEED = "Luma exposes no seed"
# Agents API failure_code -> how broll treats it
FAILURE_CODES = {"content_moderated": FailKind.CONTENT_INPUT, "generation_failed": FailKind.TRANSIENT,
                 "budget_exhausted": FailKind.NO_CREDIT, "rate_limited": FailKind.RATE_LIMIT,
                 "image_too_large": FailKind.INVALID, "unsupported_format": FailKind.INVALID,
                 "corrupt_input": FailKind.INVALID, "invalid_request": FailKind.INVALID,
                 "output_not_found": FailKind.TRANSIENT}
AGENTS_PREFIX = "agents:"      # task ids of the Agents API carry this prefix


class Luma(HttpProvider):
    name = "luma"
    key_vars = ("LUMAAI_API_KEY",)
    key_aliases = {"LUMAAI_API_KEY": "LUMA_AGENTS_API_KEY"}
    default_base = "https://agents.lumalabs.ai/v1"
    default_model = "ray-3.2"
    MODELS = {
        "ray-3.2": Caps(seed=False, seed_note=NO_SEED, durations=(5, 10),
                        aspects=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9"),
                        resolutions=("360p", "540p", "720p", "1080p"), ref_modes=("data", "url"), negative=False),
        "ray-2": Caps(seed=False, seed_note=NO_SEED, durations=(5, 9),
                      aspects=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"),
                      resolutions=("540p", "720p", "1080p"), ref_modes=("url",), reconcile="list", negative=False,
                      status="legacy"),
        "ray-flash-2": Caps(seed=False, seed_note=NO_SEED, durations=(5, 9),
                            aspects=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"),
                            resolutions=("540p", "720p", "1080p"), ref_modes=("url",), reconcile="list",
                            negative=False, status="legacy"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legacy_base = base_url("luma_legacy", LEGACY_BASE)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('LUMAAI_API_KEY') or ''}"}

    @staticmethod
    def is_agents(model: str) -> bool:
        return not model.startswith(("ray-2", "ray-flash-2", "ray-1"))

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        seconds = nearest(spec.duration_s, self.capabilities(spec.model).durations)
        if self.is_agents(spec.model):
            video: dict[str, Any] = {"duration": f"{seconds}s", "resolution": spec.resolution}
            if spec.ref_image:
                video["start_frame"] = _frame(spec.ref_image)
            body = {"model": spec.model, "type": "video", "prompt": spec.prompt, "aspect_ratio": spec.aspect,
                    "video": video}
            return RequestPlan("POST", f"{self.base}/generations", self.auth_headers(), body)
        body = {"prompt": spec.prompt, "model": spec.model, "aspect_ratio": spec.aspect,
                "resolution": spec.resolution, "duration": f"{seconds}s"}
        if spec.ref_image:
            if not is_url(spec.ref_image):
                raise ProviderError(f"luma: style_reference {spec.ref_image} is a local file; Dream Machine accepts "
                                    "only image URLs", "use model ray-3.2, or host the image and give its https URL")
            body["keyframes"] = {"frame0": {"type": "image", "url": spec.ref_image}}
        return RequestPlan("POST", f"{self.legacy_base}/generations/video", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        task = str(self.send(self.plan_submit(spec, client_key))["id"])
        return AGENTS_PREFIX + task if self.is_agents(spec.model) else task

    def _url(self, task_id: str) -> str:
        if task_id.startswith(AGENTS_PREFIX):
            return f"{self.base}/generations/{task_id.removeprefix(AGENTS_PREFIX)}"
        return f"{self.legacy_base}/generations/{task_id}"

    def poll(self, task_id: str) -> Poll:
        raw = self.get(self._url(task_id))
        status = str(raw.get("state", ""))
        state = STATES.get(status, State.UNKNOWN)
        if task_id.startswith(AGENTS_PREFIX):
            urls = [o["url"] for o in raw.get("output") or [] if o.get("type") == "video" and o.get("url")]
        else:
            video = (raw.get("assets") or {}).get("video")
            urls = [video] if video else []
        poll = Poll(state=state, outputs=urls, raw_status=status, raw=raw)
        if state is not State.FAILED:
            return poll
        code = raw.get("failure_code")
        reason = str(raw.get("failure_reason") or code or "")
        poll.message, poll.fail_code = reason, (code or reason[:80] or None)
        if code:
            poll.fail_kind = FAILURE_CODES.get(code, FailKind.UNKNOWN)
            return poll
        low = reason.lower()
        if "moderat" in low:
            # Dream Machine's moderation is known to misfire on benign input: one identical retry.
            poll.fail_kind = FailKind.CONTENT_OUTPUT
        elif low.startswith("400"):
            poll.fail_kind = FailKind.INVALID
        else:
            poll.fail_kind = FailKind.TRANSIENT
        return poll

    def find_by_client_key(self, client_key, since, *, prompt: str = "", taken: set[str] = frozenset()):
        raw = self.get(f"{self.legacy_base}/generations?limit=100&offset=0")
        items = raw.get("generations") or []
        return pick(items, prompt, since, set(taken), prompt_of=lambda g: (g.get("request") or {}).get("prompt"),
                    id_of=lambda g: g.get("id"), created_of=lambda g: g.get("created_at"))

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("DELETE", self._url(task_id), self.auth_headers()))


def _frame(ref: str) -> dict:
    if is_url(ref):
        return {"url": ref}
    data, mime = image_bytes(ref)
    return {"data": base64.b64encode(data).decode(), "media_type": mime}
