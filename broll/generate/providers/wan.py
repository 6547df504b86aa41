"""Alibaba Wan 2.6 / 2.7 on DashScope (Model Studio, ``dashscope-intl.aliyuncs.com/api/v1``).

``POST /services/aigc/video-generation/video-synthesis`` must carry
``X-DashScope-Async: enable`` (HTTP calls are asynchronous only); it answers
``{"output": {"task_id", "task_status": "PENDING"}, "request_id"}``. The task is read at
``GET /tasks/{task_id}``: PENDING, RUNNING, SUCCEEDED (``output.video_url``), FAILED
(``output.code`` / ``output.message``), CANCELED, UNKNOWN. HTTP errors are
``{"code", "message", "request_id"}``. A seed is a documented parameter. t2v, i2v (needs a
first frame) and r2v (reference images) are separate model ids.
"""

from __future__ import annotations

from typing import Any

from broll.generate.provider import Caps, ClipSpec, FailKind, Poll, RequestPlan, State, data_uri, nearest
from broll.generate.providers.base import HttpProvider

STATES = {"PENDING": State.QUEUED, "RUNNING": State.RUNNING, "SUCCEEDED": State.SUCCEEDED, "FAILED": State.FAILED,
          "CANCELED": State.CANCELLED, "UNKNOWN": State.UNKNOWN}
SIZES = {("16:9", "720p"): "1280*720", ("9:16", "720p"): "720*1280", ("1:1", "720p"): "960*960",
         ("4:3", "720p"): "1088*832", ("3:4", "720p"): "832*1088", ("16:9", "1080p"): "1920*1080",
         ("9:16", "1080p"): "1080*1920", ("1:1", "1080p"): "1440*1440", ("4:3", "1080p"): "1632*1248",
         ("3:4", "1080p"): "1248*1632"}
_WAN = dict(seed=True, aspects=("16:9", "9:16", "1:1", "4:3", "3:4"), resolutions=("720p", "1080p"),
            ref_modes=("data", "url"))


def kind_of(code: str) -> tuple[FailKind, bool]:
    if code.startswith("DataInspection") or "IPInfringement" in code:
        return FailKind.CONTENT_INPUT, False
    if code.startswith("Throttling"):
        return (FailKind.QUOTA_DAILY, False) if "AllocationQuota" in code else (FailKind.RATE_LIMIT, True)
    if code.startswith("Arrearage"):
        return FailKind.NO_CREDIT, False
    if code in ("InvalidApiKey", "AccessDenied", "Unauthorized"):
        return FailKind.AUTH, False
    if code.startswith(("InvalidParameter", "BadRequest", "ModelNotFound")):
        return FailKind.INVALID, False
    if code.startswith(("InternalError", "SystemError", "ServiceUnavailable")):
        return FailKind.TRANSIENT, True
    return FailKind.UNKNOWN, False


class Wan(HttpProvider):
    name = "wan"
    key_vars = ("DASHSCOPE_API_KEY",)
    default_base = "https://dashscope-intl.aliyuncs.com/api/v1"
    default_model = "wan2.7-t2v"
    MODELS = {
        "wan2.7-t2v": Caps(durations=tuple(range(2, 16)), first_frame=False, **_WAN),
        "wan2.7-i2v": Caps(durations=tuple(range(2, 16)), needs_image=True, **_WAN),
        "wan2.7-r2v": Caps(durations=tuple(range(2, 11)), first_frame=False, max_refs=5,
                           ref_kind="reference_image media: characters kept across scenes", **_WAN),
        "wan2.6-t2v": Caps(durations=(5, 10, 15), first_frame=False, **_WAN),
        "wan2.6-i2v": Caps(durations=(5, 10, 15), needs_image=True, **_WAN),
    }

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get('DASHSCOPE_API_KEY') or ''}"}

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        seconds = nearest(spec.duration_s, self.capabilities(spec.model).durations)
        inputs: dict[str, Any] = {"prompt": spec.prompt}
        params: dict[str, Any] = {"duration": seconds, "prompt_extend": False}
        if spec.negative:
            inputs["negative_prompt"] = spec.negative
        if spec.model.endswith("-i2v"):
            inputs["img_url"] = data_uri(spec.ref_image) if spec.ref_image else None
            params["resolution"] = spec.resolution.upper()
        else:
            params["size"] = SIZES.get((spec.aspect, spec.resolution), "1280*720")
        if spec.references:
            inputs["media"] = [{"type": "reference_image", "url": data_uri(r)} for r in spec.references]
        if spec.seed is not None:
            params["seed"] = spec.seed
        headers = {**self.auth_headers(), "X-DashScope-Async": "enable"}
        return RequestPlan("POST", f"{self.base}/services/aigc/video-generation/video-synthesis", headers,
                           {"model": spec.model, "input": inputs, "parameters": params})

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["output"]["task_id"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/tasks/{task_id}")
        out = raw.get("output") or {}
        status = str(out.get("task_status", ""))
        state = STATES.get(status, State.UNKNOWN)
        url = out.get("video_url")
        poll = Poll(state=state, outputs=[url] if url else [], raw_status=status, raw=raw)
        if state is State.FAILED:
            poll.fail_code, poll.message = out.get("code") or "FAILED", out.get("message")
            poll.fail_kind = kind_of(str(poll.fail_code))[0]
        return poll

    def cancel(self, task_id: str) -> None:
        self.send(RequestPlan("POST", f"{self.base}/tasks/{task_id}/cancel", self.auth_headers()))

    def classify(self, status, body, kind, code, retryable):
        found_code = body.get("code") if isinstance(body, dict) else None
        if not found_code:
            return kind, code, retryable, None
        found, again = kind_of(str(found_code))
        if found is FailKind.UNKNOWN:
            return kind, str(found_code), retryable, None
        return found, str(found_code), again, None
