"""Luma Dream Machine v1 (api.lumalabs.ai/dream-machine/v1).

Keyframe images must be public URLs (no uploads); ``seed`` is not exposed. Results are
presigned for about an hour, so downloads happen immediately, and a fresh URL comes
from re-reading the generation. Moderation failures arrive as ``state: failed`` with a
text ``failure_reason``; the known false positives ("failed to moderate image",
"Advanced moderation failed") get one identical retry. Ambiguous creates are matched
through ``GET /generations``.
"""

from __future__ import annotations

from typing import Any

from broll.errors import ProviderError
from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, is_url, nearest
from broll.generate.providers.base import HttpProvider
from broll.generate.providers.listmatch import pick

STATES = {"queued": State.QUEUED, "dreaming": State.RUNNING, "processing": State.RUNNING,
          "completed": State.SUCCEEDED, "failed": State.FAILED}


class Luma(HttpProvider):
    name = "luma"
    key_vars = ("LUMAAI_API_KEY",)
    default_base = "https://api.lumalabs.ai/dream-machine/v1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prompts: dict[str, str] = {}

    def capabilities(self, model: str) -> Caps:
        return Caps(seed=False, durations=(5, 9), aspects=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"),
                    ref_modes=("url",), reconcile="list")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('LUMAAI_API_KEY') or ''}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        body: dict[str, Any] = {"prompt": spec.prompt, "model": spec.model, "aspect_ratio": spec.aspect,
                                "resolution": spec.resolution,
                                "duration": f"{nearest(spec.duration_s, self.capabilities(spec.model).durations)}s"}
        if spec.ref_image:
            if not is_url(spec.ref_image):
                raise ProviderError(f"luma: style_reference {spec.ref_image} is a local file; Luma accepts only "
                                    "image URLs", "host the image and set style_reference to its https URL")
            body["keyframes"] = {"frame0": {"type": "image", "url": spec.ref_image}}
        return RequestPlan("POST", f"{self.base}/generations/video", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/generations/{task_id}")
        status = str(raw.get("state", ""))
        state = STATES.get(status, State.UNKNOWN)
        video = (raw.get("assets") or {}).get("video")
        poll = Poll(state=state, outputs=[video] if video else [], raw_status=status, raw=raw)
        if state is State.FAILED:
            reason = str(raw.get("failure_reason") or "")
            poll.message, poll.fail_code = reason, reason[:80] or None
            low = reason.lower()
            if "moderat" in low:
                # Luma's moderation is known to misfire on benign input: one identical retry.
                poll.fail_kind = FailKind.CONTENT_OUTPUT
            elif low.startswith("400"):
                poll.fail_kind = FailKind.INVALID
            else:
                poll.fail_kind = FailKind.TRANSIENT
        return poll

    def find_by_client_key(self, client_key, since, *, prompt: str = "", taken: set[str] = frozenset()):
        raw = self.get(f"{self.base}/generations?limit=100&offset=0")
        items = raw.get("generations") or []
        return pick(items, prompt, since, set(taken), prompt_of=lambda g: (g.get("request") or {}).get("prompt"),
                    id_of=lambda g: g.get("id"), created_of=lambda g: g.get("created_at"))

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("DELETE", f"{self.base}/generations/{task_id}", self.auth_headers()))
