"""Replicate predictions (api.replicate.com/v1).

``model`` is ``owner/name`` (official-model endpoint) or ``owner/name:version``. Output
URLs are deleted after about an hour, so downloads happen immediately. 429 bodies say
"resets in ~Ns"; that hint is honoured. Ambiguous creates are matched through the
``GET /predictions`` list; sensitive-content failures (E005) are not resent unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, data_uri
from broll.generate.providers.base import HttpProvider
from broll.generate.providers.listmatch import pick

STATES = {"starting": State.QUEUED, "processing": State.RUNNING, "succeeded": State.SUCCEEDED,
          "failed": State.FAILED, "canceled": State.CANCELLED}


class Replicate(HttpProvider):
    name = "replicate"
    key_vars = ("REPLICATE_API_TOKEN",)
    default_base = "https://api.replicate.com/v1"
    default_model = "minimax/video-01"
    open_models = True       # any owner/name[:version]; the model's own schema decides
    MODELS = {"minimax/video-01": Caps(seed=True, durations=tuple(range(1, 21)),
                                       aspects=("16:9", "9:16", "1:1", "4:3", "3:4"),
                                       resolutions=("480p", "540p", "720p", "1080p"),
                                       ref_modes=("data", "url"), reconcile="list", duration_known=False)}

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('REPLICATE_API_TOKEN') or ''}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        inputs: dict[str, Any] = {"prompt": spec.prompt, "duration": spec.duration_s, "aspect_ratio": spec.aspect}
        if spec.seed is not None:
            inputs["seed"] = spec.seed
        if spec.negative:
            inputs["negative_prompt"] = spec.negative
        if spec.ref_image:
            inputs["image"] = data_uri(spec.ref_image)
        if ":" in spec.model:
            _, version = spec.model.split(":", 1)
            return RequestPlan("POST", f"{self.base}/predictions", self.auth_headers(),
                               {"version": version, "input": inputs})
        return RequestPlan("POST", f"{self.base}/models/{spec.model}/predictions", self.auth_headers(),
                           {"input": inputs})

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/predictions/{task_id}")
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        out = raw.get("output")
        outputs = [out] if isinstance(out, str) else [o for o in (out or []) if isinstance(o, str)]
        poll = Poll(state=state, outputs=outputs, raw_status=status, raw=raw)
        if state is State.FAILED:
            err = str(raw.get("error") or "")
            poll.message = err
            code = re.search(r"\((E\d{3,4})\)", err)
            poll.fail_code = code.group(1) if code else (err[:80] or None)
            low = err.lower()
            if "sensitive" in low or "E005" in err:
                poll.fail_kind = FailKind.CONTENT_INPUT
            elif "boot" in low or "try again" in low or "timed out" in low:
                poll.fail_kind = FailKind.TRANSIENT
            else:
                poll.fail_kind = FailKind.UNKNOWN
        return poll

    def find_by_client_key(self, client_key, since, *, prompt: str = "", taken: set[str] = frozenset()):
        raw = self.get(f"{self.base}/predictions")
        items = raw.get("results") or []
        return pick(items, prompt, since, set(taken), prompt_of=lambda p: (p.get("input") or {}).get("prompt"),
                    id_of=lambda p: p.get("id"), created_of=lambda p: p.get("created_at"))

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("POST", f"{self.base}/predictions/{task_id}/cancel", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
        hint = None
        found = re.search(r"resets in ~?(\d+(?:\.\d+)?)\s*s", detail)
        if found:
            hint = float(found.group(1))
        if status == 402:
            return FailKind.NO_CREDIT, code, False, None
        return kind, code, retryable, hint
