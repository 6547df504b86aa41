"""Gemini Omni Flash video through the Gemini Interactions API (``/v1beta/interactions``).

Omni is not a ``predictLongRunning`` model and refuses ``generateContent``; a video is an
*interaction* created with ``background: true`` and read back until ``status`` is
``completed``. The video arrives in a ``model_output`` step, inline (base64 ``data``) or as
a ``uri`` that needs the API key. Google documents Omni's output as non-deterministic
whatever the seed, so no seed is sent and a spec's seed is reported as ignored. There is
no negative prompt. A ``completed`` interaction without a video (reported by users) is a
failure, never a success. No client key is stored, so a lost create cannot be found again.

Checked 2026-12-06: endpoint, model ids, status values and the output step shape against
Google's docs and a maintainer-verified trace (TanStack/ai#871). The names of the aspect
and duration fields (``generation_config.video_config``) were not confirmed in the stored
docs; they are marked unverified in docs/generate.md.
"""

from __future__ import annotations

import base64
from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, image_bytes, nearest
from broll.generate.providers.base import HttpProvider

STATES = {"in_progress": State.RUNNING, "completed": State.SUCCEEDED, "failed": State.FAILED,
          "cancelled": State.CANCELLED, "incomplete": State.FAILED}
_OMNI = dict(seed=False, seed_note="Google documents Omni's output as non-deterministic whatever the seed",
             aspects=("16:9", "9:16"), resolutions=("720p",), ref_modes=("data",), max_refs=3,
             ref_kind="reference images (subjects, scenes) alongside the prompt", negative=False)


class Omni(HttpProvider):
    name = "omni"
    key_vars = ("GEMINI_API_KEY",)
    default_base = "https://generativelanguage.googleapis.com"
    default_model = "gemini-omni-1.1-flash"
    MODELS = {"gemini-omni-1.1-flash": Caps(durations=tuple(range(3, 11)), **_OMNI),
              "gemini-omni-1.2-flash": Caps(durations=tuple(range(3, 16)), **_OMNI)}
    RETIRED = {"gemini-omni-flash-preview": ("gemini-omni-1.1-flash", "the preview id; 1.1 went GA on 2026-08-27")}

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.keys.get("GEMINI_API_KEY") or ""}

    def download_headers(self, url: str) -> dict[str, str]:
        return self.auth_headers() if url.startswith(self.base) else {}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        parts: list[dict[str, Any]] = [{"type": "text", "text": spec.prompt}]
        for ref in ([spec.ref_image] if spec.ref_image else []) + list(spec.references):
            data, mime = image_bytes(ref)
            parts.append({"type": "image", "mime_type": mime, "data": base64.b64encode(data).decode()})
        seconds = nearest(spec.duration_s, self.capabilities(spec.model).durations)
        body = {"model": spec.model, "input": parts, "response_modalities": ["video"], "background": True,
                "generation_config": {"video_config": {"aspect_ratio": spec.aspect, "duration_seconds": seconds}}}
        return RequestPlan("POST", f"{self.base}/v1beta/interactions", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/v1beta/interactions/{task_id}")
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        poll = Poll(state=state, raw_status=status, raw=_without_video_data(raw))
        if state is State.SUCCEEDED:
            video = _video_part(raw)
            if video is None:
                poll.state, poll.fail_kind, poll.fail_code = State.FAILED, FailKind.UNKNOWN, "NO_OUTPUT"
                poll.message = "interaction completed without a video"
            elif video.get("uri"):
                poll.outputs = [video["uri"]]
            elif video.get("data"):
                poll.outputs = [f"data:{video.get('mime_type', 'video/mp4')};base64,{video['data']}"]
        elif state is State.FAILED:
            err = raw.get("error") or {}
            poll.message = str(err.get("message") or status)
            poll.fail_code = str(err.get("status") or err.get("code") or status)
            low = poll.message.lower()
            poll.fail_kind = (FailKind.CONTENT_INPUT if ("safety" in low or "policy" in low or "blocked" in low)
                              else FailKind.TRANSIENT if err.get("code") in (13, 14, 500, 503) else FailKind.UNKNOWN)
        return poll

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("POST", f"{self.base}/v1beta/interactions/{task_id}:cancel", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        from broll.generate.providers.veo import google_error
        return google_error(body, kind, code, retryable)


def _video_part(raw: dict) -> dict | None:
    for step in raw.get("steps") or []:
        if step.get("type") != "model_output":
            continue
        for part in step.get("content") or []:
            if part.get("type") == "video" and (part.get("data") or part.get("uri")):
                return part
    return None


def _without_video_data(raw: dict) -> dict:
    """Keep the poll record small: the base64 video is not stored twice."""
    if not raw.get("steps"):
        return raw
    steps = []
    for step in raw["steps"]:
        content = [{k: (f"<{len(v)} chars>" if k == "data" else v) for k, v in part.items()}
                   for part in step.get("content") or [] if isinstance(part, dict)]
        steps.append({**step, "content": content} if "content" in step else step)
    return {**raw, "steps": steps}
