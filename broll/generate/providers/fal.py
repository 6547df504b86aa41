"""fal queue API (queue.fal.run), default app Pika v2.2.

Submit returns a ``request_id`` and the queue position; status and result live under
the app id with the model sub-path dropped (``fal-ai/pika/requests/{id}``). A failed
request may read ``COMPLETED`` with ``error`` set, or a literal ``FAILED``: both are
failures, never "still processing". No create dedupe: the id is persisted at once.
"""

from __future__ import annotations

from typing import Any

from broll.generate.provider import (Caps, ClipSpec, FailKind, HTTPFailure, Poll, RequestPlan, State, data_uri,
                                     nearest)
from broll.generate.providers.base import HttpProvider

STATES = {"IN_QUEUE": State.QUEUED, "IN_PROGRESS": State.RUNNING, "COMPLETED": State.SUCCEEDED,
          "FAILED": State.FAILED}


def _kind(error_type: str | None, text: str) -> FailKind:
    low = f"{error_type or ''} {text}".lower()
    if "content" in low or "policy" in low or "nsfw" in low:
        return FailKind.CONTENT_INPUT
    if "valid" in low or "unprocessable" in low:
        return FailKind.INVALID
    if "timeout" in low or "internal" in low or "server" in low or "try again" in low:
        return FailKind.TRANSIENT
    return FailKind.UNKNOWN


_PIKA = dict(seed=True, durations=(5, 10), aspects=("16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"),
             resolutions=("720p", "1080p"), ref_modes=("data", "url"))


class Fal(HttpProvider):
    name = "fal"
    key_vars = ("FAL_KEY",)
    default_base = "https://queue.fal.run"
    default_model = "pika/v2.2"
    MODELS = {"pika/v2.2": Caps(**_PIKA)}

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.keys.get('FAL_KEY') or ''}"}

    @staticmethod
    def app_of(model: str) -> str:
        model = model.removeprefix("fal-ai/")
        return "fal-ai/" + model.split("/")[0]

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        model = spec.model.removeprefix("fal-ai/")
        mode = "image-to-video" if spec.ref_image else "text-to-video"
        body: dict[str, Any] = {"prompt": spec.prompt, "aspect_ratio": spec.aspect, "resolution": spec.resolution,
                                "duration": nearest(spec.duration_s, self.capabilities(spec.model).durations)}
        if spec.seed is not None:
            body["seed"] = spec.seed
        if spec.negative:
            body["negative_prompt"] = spec.negative
        if spec.ref_image:
            body["image_url"] = data_uri(spec.ref_image)
        return RequestPlan("POST", f"{self.base}/fal-ai/{model}/{mode}", self.auth_headers(), body)

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        raw = self.send(self.plan_submit(spec, client_key))
        return f"{self.app_of(spec.model)}:{raw['request_id']}"

    def _urls(self, task_id: str) -> str:
        app, request_id = task_id.rsplit(":", 1)
        return f"{self.base}/{app}/requests/{request_id}"

    def poll(self, task_id: str) -> Poll:
        root = self._urls(task_id)
        raw = self.get(root + "/status")
        status = str(raw.get("status", ""))
        state = STATES.get(status, State.UNKNOWN)
        poll = Poll(state=state, queue_pos=raw.get("queue_position"), raw_status=status, raw=raw)
        if state is State.SUCCEEDED and raw.get("error"):
            state = poll.state = State.FAILED
        if state is State.FAILED:
            poll.message = str(raw.get("error") or "failed")
            poll.fail_code = raw.get("error_type")
            poll.fail_kind = _kind(raw.get("error_type"), poll.message)
            return poll
        if state is State.SUCCEEDED:
            try:
                result = self.get(root)
            except HTTPFailure as exc:
                if exc.status >= 500:
                    raise
                poll.state, poll.fail_kind, poll.fail_code, poll.message = (State.FAILED, _kind(exc.code, exc.detail),
                                                                            exc.code, exc.detail)
                return poll
            url = ((result or {}).get("video") or {}).get("url")
            poll.outputs = [url] if url else []
            poll.raw = {"status": raw, "result": result}
        return poll

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("PUT", self._urls(task_id) + "/cancel", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        return kind, code, retryable, None

    def failure(self, response):
        exc = super().failure(response)
        exc.code = response.headers.get("x-fal-error-type") or exc.code
        return exc
