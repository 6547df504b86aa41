"""Loopback fakes reproducing each vendor's contract (docs: /shared/reference/providers.md):
auth header, request JSON, task states, error codes, 429 with Retry-After, expiring URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timezone

from .server import Fault, FakeProvider, Request, Task, video_bytes

KEYS = {"RUNWAYML_API_SECRET": "rw-test-key", "KLING_ACCESS_KEY": "kling-ak", "KLING_SECRET_KEY": "kling-sk",
        "LUMAAI_API_KEY": "luma-key", "GEMINI_API_KEY": "gem-key", "FAL_KEY": "fal-key",
        "REPLICATE_API_TOKEN": "r8-key", "MINIMAX_API_KEY": "mm-key", "ARK_API_KEY": "ark-key",
        "DASHSCOPE_API_KEY": "sk-dash"}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bad(status: int, body, headers=None):
    return status, body, headers or {}


class RunwayFake(FakeProvider):
    name = "runway"
    unknown_state = False
    credit_balance = 100_000          # credits (1 credit = $0.01)
    max_concurrent = 20

    def steps_for(self, outcome):
        steps = ["PENDING", "THROTTLED", "RUNNING"]
        if self.unknown_state:
            steps.insert(2, "PAUSED_FOR_MAINTENANCE")
        return steps + (["SUCCEEDED"] if outcome == "ok" else ["FAILED"])

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['RUNWAYML_API_SECRET']}":
            return bad(401, {"error": "Unauthorized"})
        if req.headers.get("x-runway-version") != "2024-11-06":
            return bad(400, {"error": "X-Runway-Version header is required"})
        if req.method == "GET" and req.path == "/v1/organization":
            req.kind = "organization"
            models = {m: {"maxConcurrentGenerations": self.max_concurrent, "maxDailyGenerations": 500}
                      for m in ("gen4_turbo", "gen4.5", "veo3.1")}
            return 200, {"creditBalance": self.credit_balance,
                         "tier": {"maxMonthlyCreditSpend": 1_000_000, "models": models},
                         "usage": {"models": {}}}, {}
        if req.method == "POST" and req.path in ("/v1/image_to_video", "/v1/text_to_video"):
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            issues = [k for k in ("model", "promptText", "ratio", "duration") if k not in body]
            if req.path == "/v1/image_to_video" and not str(body.get("promptImage", "")).startswith(("data:", "https:")):
                issues.append("promptImage")
            if req.path == "/v1/text_to_video" and body.get("model") == "gen4_turbo":
                issues.append("model")          # gen4_turbo is image-to-video only
            if issues or not isinstance(body.get("duration"), int):
                return bad(400, {"error": "Validation of body failed", "issues": issues})
            task = self.new_task(body, body["duration"], body["promptText"])
            return 200, {"id": task.id}, {}
        m = re.fullmatch(r"/v1/tasks/([\w-]+)", req.path)
        if m:
            task = self.tasks.get(m.group(1))
            if task is None:
                return bad(404, {"error": "Task not found"})
            if req.method == "DELETE":
                req.kind = "cancel"
                task.steps, task.polls = ["CANCELLED"], 0
                return 204, b"", {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            out = {"id": task.id, "createdAt": iso(task.created_at), "status": task.status}
            if task.status == "RUNNING":
                out["progress"] = 0.5
            if task.status == "SUCCEEDED":
                out["output"] = [self.result_url(task)]
            if task.status == "FAILED":
                code = {"safety_input": "SAFETY.INPUT.TEXT", "bad_output": "INTERNAL.BAD_OUTPUT.CODE01"}.get(
                    task.outcome, "INTERNAL")
                out.update(failure="generation failed", failureCode=code)
            return 200, out, {}
        return bad(404, {"error": "Not found"})


def verify_kling_jwt(header: str) -> bool:
    if not header.startswith("Bearer "):
        return False
    try:
        h, p, s = header[7:].split(".")
        expect = base64.urlsafe_b64encode(hmac.new(KEYS["KLING_SECRET_KEY"].encode(), f"{h}.{p}".encode(),
                                                   hashlib.sha256).digest()).rstrip(b"=").decode()
        payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        head = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
    except ValueError:
        return False
    now = time.time()
    return (hmac.compare_digest(expect, s) and head.get("alg") == "HS256" and payload.get("iss") == KEYS["KLING_ACCESS_KEY"]
            and payload["nbf"] <= now < payload["exp"])


def _kling_image(value) -> bool:
    return bool(value) and not str(value).startswith("data:")


class KlingFake(FakeProvider):
    name = "kling"
    models = ("kling-v3", "kling-v2-6", "kling-v2-5-turbo", "kling-v2-1", "kling-v1-6")

    def __init__(self):
        super().__init__()
        self.family_of: dict[str, str] = {}

    def steps_for(self, outcome):
        return ["submitted", "processing"] + (["succeed"] if outcome == "ok" else ["failed"])

    def _task_json(self, task: Task, fresh_url: bool = True) -> dict:
        data = {"task_id": task.id, "task_status": task.status, "task_info": {"external_task_id": task.external_id},
                "created_at": int(task.created_at * 1000), "updated_at": int(time.time() * 1000)}
        if task.status == "succeed":
            data.update(task_status_msg="", final_unit_deduction="1.5",
                        task_result={"videos": [{"id": f"v{task.id}", "url": self.result_url(task) if fresh_url else "",
                                                 "duration": str(int(task.duration))}]})
        if task.status == "failed":
            data["task_status_msg"] = {"moderation": "Failure to pass the risk control system"}.get(
                task.outcome, "internal error, please try again")
        return data

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if not verify_kling_jwt(req.headers.get("authorization", "")):
            return bad(401, {"code": 1000, "message": "Authorization failed", "request_id": "r"})
        m = re.fullmatch(r"/v1/videos/(text2video|image2video|multi-image2video)(?:/([\w-]+))?", req.path)
        if not m:
            return bad(404, {"code": 1200, "message": "not found", "request_id": "r"})
        family, task_id = m.groups()
        if req.method == "POST" and task_id is None:
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            durations = [str(d) for d in range(3, 16)] if body.get("model_name") == "kling-v3" else ["5", "10"]
            if body.get("model_name") not in self.models:
                return bad(400, {"code": 1203, "message": f"model {body.get('model_name')} not found",
                                 "request_id": "r"})
            if body.get("duration") not in durations or not body.get("prompt") or "seed" in body:
                return bad(400, {"code": 1201, "message": "invalid parameters", "request_id": "r"})
            if family == "image2video" and not _kling_image(body.get("image")):
                return bad(400, {"code": 1201, "message": "image must be a URL or raw base64", "request_id": "r"})
            if family == "multi-image2video" and not (
                    1 <= len(body.get("image_list") or []) <= 4
                    and all(_kling_image((i or {}).get("image")) for i in body["image_list"])):
                return bad(400, {"code": 1201, "message": "image_list takes 1-4 {image} items", "request_id": "r"})
            ext = body.get("external_task_id")
            with self.lock:
                if ext and any(t.external_id == ext for t in self.tasks.values()):
                    return bad(400, {"code": 1201, "message": "external_task_id already exists", "request_id": "r"})
                task = self.new_task(body, float(body["duration"]), body["prompt"], ext)
                self.family_of[task.id] = family
            return 200, {"code": 0, "message": "SUCCEED", "request_id": "r", "data": self._task_json(task)}, {}
        if task_id is None:
            req.kind = "list"
            if (f := self.take("list")):
                return f.status, f.body, f.headers
            size = int(req.query.get("pageSize", ["30"])[0])
            page = int(req.query.get("pageNum", ["1"])[0])
            items = sorted((t for t in self.tasks.values() if self.family_of.get(t.id) == family),
                           key=lambda t: t.created_at, reverse=True)
            chunk = items[(page - 1) * size: page * size]
            return 200, {"code": 0, "message": "SUCCEED", "request_id": "r",
                         "data": [self._task_json(t, fresh_url=False) for t in chunk]}, {}
        req.kind = "poll"
        if (f := self.take("poll")):
            return f.status, f.body, f.headers
        task = self.tasks.get(task_id)
        if task is None:
            return bad(404, {"code": 1203, "message": "task not found", "request_id": "r"})
        task.polls += 1
        return 200, {"code": 0, "message": "SUCCEED", "request_id": "r", "data": self._task_json(task)}, {}


class LumaFake(FakeProvider):
    """Agents API at the base URL (``/generations``, ray-3.2) and the legacy Dream Machine v1
    under ``/dream-machine/v1`` (ray-2 family)."""

    name = "luma"
    LEGACY = "/dream-machine/v1"
    failure_code = "generation_failed"     # what a failed Agents generation reports

    def extra_env(self) -> dict:
        return {"BROLL_LUMA_LEGACY_BASE_URL": self.base_url + self.LEGACY}

    def steps_for(self, outcome):
        return ["queued", "dreaming"] + (["completed"] if outcome == "ok" else ["failed"])

    def _gen(self, task: Task) -> dict:
        status = task.status
        if task.body.get("type") == "video":      # Agents API
            state = "processing" if status == "dreaming" else status
            out = {"id": task.id, "type": "video", "model": task.body.get("model"), "state": state,
                   "created_at": iso(task.created_at), "output": [], "failure_code": None, "failure_reason": None}
            if state == "completed":
                out["output"] = [{"type": "video", "url": self.result_url(task)}]
            if state == "failed":
                out["failure_code"] = task.outcome if task.outcome != "fail" else self.failure_code
                out["failure_reason"] = "the generation did not pass moderation" \
                    if out["failure_code"] == "content_moderated" else "generation failed"
            return out
        out = {"id": task.id, "generation_type": "video", "state": status, "failure_reason": None,
               "created_at": iso(task.created_at), "assets": None, "model": task.body.get("model"),
               "request": task.body}
        if status == "completed":
            out["assets"] = {"video": self.result_url(task), "image": None, "progress_video": None}
        if status == "failed":
            out["failure_reason"] = "400: failed to moderate image"
        return out

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['LUMAAI_API_KEY']}":
            return bad(401, {"detail": "Invalid API key"})
        legacy = req.path.startswith(self.LEGACY)
        path = req.path.removeprefix(self.LEGACY) if legacy else req.path
        if req.method == "POST" and path == ("/generations/video" if legacy else "/generations"):
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            if legacy:
                if body.get("duration") not in ("5s", "9s") or not body.get("prompt"):
                    return bad(400, {"detail": "invalid request"})
                seconds = float(body["duration"][:-1])
            else:
                video = body.get("video") or {}
                frame = video.get("start_frame") or {}
                if (body.get("type") != "video" or body.get("model") != "ray-3.2" or not body.get("prompt")
                        or video.get("duration") not in ("5s", "10s") or "seed" in body
                        or (frame and not (frame.get("url") or (frame.get("data") and frame.get("media_type"))))):
                    return bad(400, {"error": {"code": "invalid_request", "message": "invalid request"}})
                seconds = float(video["duration"][:-1])
            task = self.new_task(body, seconds, body["prompt"])
            return 201, self._gen(task), {}
        if req.method == "GET" and path == "/generations" and legacy:
            req.kind = "list"
            items = sorted(self.tasks.values(), key=lambda t: t.created_at, reverse=True)
            return 200, {"generations": [self._gen(t) for t in items], "has_more": False, "count": len(items)}, {}
        m = re.fullmatch(r"/generations/([\w-]+)", path)
        if m and m.group(1) in self.tasks:
            task = self.tasks[m.group(1)]
            if req.method == "DELETE":
                req.kind = "cancel"
                return 204, b"", {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            return 200, self._gen(task), {}
        return bad(404, {"detail": "Not found"})


class VeoFake(FakeProvider):
    name = "veo"

    def steps_for(self, outcome):
        return ["running", "running", "done"]

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("x-goog-api-key") != KEYS["GEMINI_API_KEY"]:
            return bad(403, {"error": {"code": 403, "message": "API key not valid", "status": "PERMISSION_DENIED"}})
        m = re.fullmatch(r"/v1beta/models/([\w.-]+):predictLongRunning", req.path)
        if m and req.method == "POST":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            if m.group(1) not in ("veo-3.1-generate-001", "veo-3.1-fast-generate-001"):
                # what callers of a shut-down preview id saw after 2026-10-22
                return bad(404, {"error": {"code": 404, "message": f"models/{m.group(1)} is no longer available",
                                           "status": "NOT_FOUND"}})
            body = req.json or {}
            inst, params = (body.get("instances") or [{}])[0], body.get("parameters") or {}
            refs = inst.get("referenceImages") or []
            if ("seed" in params or params.get("durationSeconds") not in (4, 6, 8) or not inst.get("prompt")
                    or len(refs) > 3 or any(r.get("referenceType") != "ASSET" for r in refs)):
                return bad(400, {"error": {"code": 400, "message": "Invalid argument", "status": "INVALID_ARGUMENT"}})
            task = self.new_task(body, params["durationSeconds"], inst["prompt"])
            return 200, {"name": f"models/{m.group(1)}/operations/op{task.id}"}, {}
        m = re.fullmatch(r"/v1beta/models/[\w.-]+/operations/op([\w-]+)", req.path)
        if m:
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task = self.tasks[m.group(1)]
            task.polls += 1
            out = {"name": req.path.removeprefix("/v1beta/")}
            if task.status != "done":
                return 200, out, {}
            out["done"] = True
            typ = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
            if task.outcome == "rai":
                out["response"] = {"@type": typ, "generateVideoResponse": {
                    "raiMediaFilteredCount": 1,
                    "raiMediaFilteredReasons": ["Audio filtered. You have not been charged."]}}
            else:
                out["response"] = {"@type": typ, "generateVideoResponse": {"generatedSamples": [
                    {"video": {"uri": f"{self.base_url}/v1beta/files/f{task.id}:download?alt=media"}}]}}
            return 200, out, {}
        m = re.fullmatch(r"/v1beta/files/f([\w-]+):download", req.path)
        if m:
            req.kind = "download-redirect"
            return 302, b"", {"Location": self.result_url(self.tasks[m.group(1)])}
        return bad(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})


class FalFake(FakeProvider):
    name = "fal"
    literal_failed = False

    def steps_for(self, outcome):
        return ["IN_QUEUE", "IN_PROGRESS", "COMPLETED" if (outcome == "ok" or not self.literal_failed) else "FAILED"]

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Key {KEYS['FAL_KEY']}":
            return bad(401, {"detail": "Unauthorized"})
        m = re.fullmatch(r"/fal-ai/pika/v2\.2/(text|image)-to-video", req.path)
        if m and req.method == "POST":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            if body.get("duration") not in (5, 10) or not body.get("prompt"):
                return bad(422, [{"loc": ["body", "duration"], "msg": "invalid", "type": "value_error"}],
                           {"x-fal-error-type": "validation_error"})
            task = self.new_task(body, body["duration"], body["prompt"])
            root = f"{self.base_url}/fal-ai/pika/requests/{task.id}"
            return 200, {"request_id": task.id, "gateway_request_id": task.id, "response_url": root,
                         "status_url": root + "/status", "cancel_url": root + "/cancel", "queue_position": 3,
                         "status": "IN_QUEUE"}, {}
        m = re.fullmatch(r"/fal-ai/pika/requests/([\w-]+)(/status|/cancel)?", req.path)
        if m and m.group(1) in self.tasks:
            task, sub = self.tasks[m.group(1)], m.group(2)
            if sub == "/cancel":
                req.kind = "cancel"
                return 202, {"status": "CANCELLATION_REQUESTED"}, {}
            if sub == "/status":
                req.kind = "poll"
                if (f := self.take("poll")):
                    return f.status, f.body, f.headers
                task.polls += 1
                status = task.status
                out = {"status": status}
                if status == "IN_QUEUE":
                    out["queue_position"] = 2
                if status in ("COMPLETED", "FAILED"):
                    out.update(logs=None, metrics={"inference_time": 1.2},
                               error=None if task.outcome == "ok" else "content policy violation",
                               error_type=None if task.outcome == "ok" else "content_policy_violation")
                return 200, out, {}
            req.kind = "result"
            if task.outcome != "ok":
                return bad(422, {"detail": "content policy violation"}, {"x-fal-error-type": "content_policy_violation"})
            size = len(video_bytes(task.duration, task.video_kind))
            return 200, {"video": {"url": self.result_url(task), "content_type": "video/mp4",
                                   "file_name": "output.mp4", "file_size": size}}, {}
        return bad(404, {"detail": "Not found"})


class ReplicateFake(FakeProvider):
    name = "replicate"

    def steps_for(self, outcome):
        return ["starting", "processing"] + (["succeeded"] if outcome == "ok" else ["failed"])

    def _pred(self, task: Task) -> dict:
        out = {"id": task.id, "model": task.body.get("_model"), "version": "v1", "input": task.body["input"],
               "logs": "", "output": None, "error": None, "status": task.status, "created_at": iso(task.created_at),
               "urls": {"get": f"{self.base_url}/predictions/{task.id}",
                        "cancel": f"{self.base_url}/predictions/{task.id}/cancel"}}
        if task.status == "succeeded":
            out["output"] = self.result_url(task)
            out["metrics"] = {"predict_time": 1.0}
        if task.status == "failed":
            out["error"] = "The input or output was flagged as sensitive. Please try again with different inputs. (E005)"
        return out

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['REPLICATE_API_TOKEN']}":
            return bad(401, {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token",
                             "status": 401})
        m = re.fullmatch(r"/models/([\w.-]+)/([\w.-]+)/predictions", req.path)
        if m and req.method == "POST":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = dict(req.json or {})
            inputs = body.get("input") or {}
            if not inputs.get("prompt"):
                return bad(422, {"title": "Input validation failed", "detail": "prompt is required", "status": 422})
            body["_model"] = f"{m.group(1)}/{m.group(2)}"
            task = self.new_task(body, inputs.get("duration", 5), inputs["prompt"])
            return 201, self._pred(task), {}
        if req.path == "/predictions" and req.method == "GET":
            req.kind = "list"
            items = sorted(self.tasks.values(), key=lambda t: t.created_at, reverse=True)
            return 200, {"results": [self._pred(t) for t in items], "next": None, "previous": None}, {}
        m = re.fullmatch(r"/predictions/([\w-]+)(/cancel)?", req.path)
        if m and m.group(1) in self.tasks:
            task = self.tasks[m.group(1)]
            if m.group(2):
                req.kind = "cancel"
                return 200, self._pred(task), {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            return 200, self._pred(task), {}
        return bad(404, {"title": "Not found", "detail": "Not found", "status": 404})


class OmniFake(FakeProvider):
    """Gemini Interactions API: create with ``background: true``, read until ``completed``; the video
    comes back inline (base64) in a ``model_output`` step, or as a ``uri`` with ``uri_delivery``."""

    name = "omni"
    uri_delivery = False

    def steps_for(self, outcome):
        return ["in_progress", "in_progress"] + (["completed"] if outcome in ("ok", "empty") else ["failed"])

    def _interaction(self, task: Task) -> dict:
        out = {"id": task.id, "object": "interaction", "model": task.body.get("model"), "status": task.status}
        steps = [{"type": "user_input", "content": task.body.get("input")}]
        if task.status == "completed" and task.outcome == "ok":
            if self.uri_delivery:
                video = {"type": "video", "mime_type": "video/mp4", "uri": self.result_url(task)}
            else:
                video = {"type": "video", "mime_type": "video/mp4",
                         "data": base64.b64encode(video_bytes(task.duration, task.video_kind)).decode()}
            steps += [{"type": "thought", "signature": "sig"}, {"type": "model_output", "content": [video]}]
            out["usage"] = {"output_tokens_by_modality": [{"modality": "video", "tokens": 5792 * int(task.duration)}]}
        if task.status == "failed":
            out["error"] = {"code": 400, "message": "The request was blocked by safety filters.",
                            "status": "FAILED_PRECONDITION"}
        out["steps"] = steps
        return out

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("x-goog-api-key") != KEYS["GEMINI_API_KEY"]:
            return bad(403, {"error": {"code": 403, "message": "API key not valid", "status": "PERMISSION_DENIED"}})
        if req.method == "POST" and req.path == "/v1beta/interactions":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            if body.get("model") not in ("gemini-omni-1.1-flash", "gemini-omni-1.2-flash"):
                return bad(404, {"error": {"code": 404, "message": f"models/{body.get('model')} is not found",
                                           "status": "NOT_FOUND"}})
            parts = body.get("input") or []
            video = (body.get("generation_config") or {}).get("video_config") or {}
            seconds = video.get("duration_seconds")
            top = 10 if body["model"] == "gemini-omni-1.1-flash" else 15
            if (body.get("background") is not True or body.get("response_modalities") != ["video"]
                    or not any(p.get("type") == "text" for p in parts) or not isinstance(seconds, int)
                    or not 3 <= seconds <= top or "seed" in json.dumps(body.get("generation_config"))
                    or sum(p.get("type") == "image" for p in parts) > 4):
                return bad(400, {"error": {"code": 400, "message": "Invalid argument", "status": "INVALID_ARGUMENT"}})
            text = next(p["text"] for p in parts if p.get("type") == "text")
            task = self.new_task(body, seconds, text)
            return 200, {"id": task.id, "object": "interaction", "model": body["model"], "status": "in_progress"}, {}
        m = re.fullmatch(r"/v1beta/interactions/([\w-]+)(:cancel)?", req.path)
        if m and m.group(1) in self.tasks:
            task = self.tasks[m.group(1)]
            if m.group(2):
                req.kind = "cancel"
                task.steps, task.polls = ["cancelled"], 0
                return 200, {"id": task.id, "status": "cancelled"}, {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            return 200, self._interaction(task), {}
        return bad(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})


class MiniMaxFake(FakeProvider):
    """MiniMax: create, query by task_id, retrieve the file by file_id. Errors are HTTP 200 with a
    non-zero ``base_resp.status_code``."""

    name = "minimax"

    def steps_for(self, outcome):
        return ["Preparing", "Queueing", "Processing"] + (["Success"] if outcome == "ok" else ["Fail"])

    @staticmethod
    def base(code: int = 0, msg: str = "success") -> dict:
        return {"base_resp": {"status_code": code, "status_msg": msg}}

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['MINIMAX_API_KEY']}":
            return 200, self.base(1004, "authorization failed, please check your API key"), {}
        if req.method == "POST" and req.path == "/v1/video_generation":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            duration, res = body.get("duration"), body.get("resolution", "768P")
            fast_without_image = body.get("model") == "MiniMax-Hailuo-2.3-Fast" and not body.get("first_frame_image")
            if (body.get("model") not in ("MiniMax-Hailuo-2.3", "MiniMax-Hailuo-2.3-Fast", "MiniMax-Hailuo-02",
                                          "S2V-01") or duration not in (6, 10) or not body.get("prompt")
                    or (res == "1080P" and duration == 10) or "seed" in body or fast_without_image
                    or (body.get("first_frame_image") and not str(body["first_frame_image"]).startswith(
                        ("data:image/", "https://")))):
                return 200, self.base(2013, "invalid params, please check the request"), {}
            task = self.new_task(body, duration, body["prompt"])
            return 200, {"task_id": task.id, **self.base()}, {}
        if req.method == "GET" and req.path == "/v1/query/video_generation":
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task = self.tasks.get((req.query.get("task_id") or [""])[0])
            if task is None:
                return 200, self.base(2013, "invalid task_id"), {}
            task.polls += 1
            out = {"task_id": task.id, "status": task.status, **self.base()}
            if task.status == "Success":
                out.update(file_id=f"9{task.id.replace('-', '')[:8]}", video_width=1366, video_height=768)
            if task.status == "Fail":
                out.update(self.base(1027, "output video flagged as sensitive"))
            return 200, out, {}
        if req.method == "GET" and req.path == "/v1/files/retrieve":
            req.kind = "file"
            file_id = (req.query.get("file_id") or [""])[0]
            task = next((t for t in self.tasks.values() if f"9{t.id.replace('-', '')[:8]}" == file_id), None)
            if task is None:
                return 200, self.base(2013, "file not found"), {}
            return 200, {"file": {"file_id": file_id, "bytes": 0,
                                  "created_at": int(task.created_at), "filename": "output.mp4",
                                  "purpose": "video_generation", "download_url": self.result_url(task)},
                         **self.base()}, {}
        return 404, {"base_resp": {"status_code": 1000, "status_msg": "not found"}}, {}


class SeedanceFake(FakeProvider):
    """Volcengine Ark content generation tasks (Seedance 2.0)."""

    name = "seedance"

    def steps_for(self, outcome):
        return ["queued", "running"] + (["succeeded"] if outcome == "ok" else ["failed"])

    def _task(self, task: Task) -> dict:
        out = {"id": task.id, "model": task.body.get("model"), "status": task.status, "error": None,
               "created_at": int(task.created_at), "updated_at": int(time.time()), "seed": task.body.get("seed"),
               "resolution": task.body.get("resolution"), "ratio": task.body.get("ratio"),
               "duration": task.body.get("duration")}
        if task.status == "succeeded":
            out["content"] = {"video_url": self.result_url(task)}
            out["usage"] = {"completion_tokens": 108900, "total_tokens": 108900}
        if task.status == "failed":
            out["error"] = {"code": "OutputVideoSensitiveContentDetected",
                            "message": "The request failed because the output video may contain sensitive "
                                       "information."}
        return out

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['ARK_API_KEY']}":
            return bad(401, {"error": {"code": "AuthenticationError", "message": "the API key is invalid",
                                       "type": "Unauthorized"}})
        if req.method == "POST" and req.path == "/contents/generations/tasks":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            content = body.get("content") or []
            roles = [c.get("role") for c in content if c.get("type") == "image_url"]
            refs = roles.count("reference_image")
            frames = sum(r in ("first_frame", "last_frame") for r in roles)
            text = next((c.get("text") for c in content if c.get("type") == "text"), None)
            if (body.get("model") != "doubao-seedance-2-0-260128" or not text
                    or body.get("duration") not in range(4, 16) or refs > 9 or (refs and frames)):
                return bad(400, {"error": {"code": "InvalidParameter", "message": "one or more parameters are "
                                           "invalid (reference images cannot be combined with first/last frame)",
                                           "param": "content", "type": "BadRequest"}})
            task = self.new_task(body, body["duration"], text)
            return 200, {"id": task.id}, {}
        m = re.fullmatch(r"/contents/generations/tasks/([\w-]+)", req.path)
        if m and m.group(1) in self.tasks:
            task = self.tasks[m.group(1)]
            if req.method == "DELETE":
                req.kind = "cancel"
                task.steps, task.polls = ["cancelled"], 0
                return 200, {}, {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            return 200, self._task(task), {}
        return bad(404, {"error": {"code": "NotFound", "message": "the task does not exist"}})


class WanFake(FakeProvider):
    """DashScope async video synthesis (Wan 2.6 / 2.7)."""

    name = "wan"

    def steps_for(self, outcome):
        return ["PENDING", "RUNNING"] + (["SUCCEEDED"] if outcome == "ok" else ["FAILED"])

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['DASHSCOPE_API_KEY']}":
            return bad(401, {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "r"})
        if req.method == "POST" and req.path == "/services/aigc/video-generation/video-synthesis":
            req.kind = "create"
            if req.headers.get("x-dashscope-async") != "enable":
                return bad(403, {"code": "AccessDenied", "message": "current user api does not support synchronous "
                                 "calls", "request_id": "r"})
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            model, inputs, params = body.get("model", ""), body.get("input") or {}, body.get("parameters") or {}
            durations = (5, 10, 15) if model.startswith("wan2.6") else range(2, 16)
            if (model not in ("wan2.7-t2v", "wan2.7-i2v", "wan2.7-r2v", "wan2.6-t2v", "wan2.6-i2v")
                    or not inputs.get("prompt") or params.get("duration") not in durations
                    or (model.endswith("i2v") and not inputs.get("img_url"))):
                return bad(400, {"code": "InvalidParameter", "message": "The parameters are invalid.",
                                 "request_id": "r"})
            task = self.new_task(body, params["duration"], inputs["prompt"])
            return 200, {"output": {"task_id": task.id, "task_status": "PENDING"}, "request_id": "r"}, {}
        m = re.fullmatch(r"/tasks/([\w-]+)(/cancel)?", req.path)
        if m and m.group(1) in self.tasks:
            task = self.tasks[m.group(1)]
            if m.group(2):
                req.kind = "cancel"
                task.steps, task.polls = ["CANCELED"], 0
                return 200, {"request_id": "r"}, {}
            req.kind = "poll"
            if (f := self.take("poll")):
                return f.status, f.body, f.headers
            task.polls += 1
            out = {"task_id": task.id, "task_status": task.status, "submit_time": iso(task.created_at)}
            if task.status == "SUCCEEDED":
                out["video_url"] = self.result_url(task)
            if task.status == "FAILED":
                out.update(code="DataInspectionFailed", message="Output data may contain inappropriate content.")
            return 200, {"request_id": "r", "output": out,
                         "usage": {"video_duration": task.duration, "video_count": 1}}, {}
        return bad(404, {"code": "NotFound", "message": "task not found", "request_id": "r"})


# One faithful error body per documented failure, as each provider sends it on a create.
# name -> Fault(status, body, headers); the contract tests check how broll classifies each.
def _kling(status: int, code: int, message: str, headers=None) -> Fault:
    return Fault(status, {"code": code, "message": message, "request_id": "req-1"}, headers or {})


def _google(status: int, name: str, message: str, details=None) -> Fault:
    err = {"code": status, "message": message, "status": name}
    if details:
        err["details"] = details
    return Fault(status, {"error": err})


def _ark(status: int, code: str, message: str, headers=None) -> Fault:
    return Fault(status, {"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}},
                 headers or {})


def _dash(status: int, code: str, message: str) -> Fault:
    return Fault(status, {"code": code, "message": message, "request_id": "7f3d-req"})


def _minimax(code: int, message: str) -> Fault:
    return Fault(200, {"task_id": "", "base_resp": {"status_code": code, "status_msg": message}})


RETRY_INFO = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}]
DAILY = [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
          "violations": [{"quotaMetric": "generativelanguage.googleapis.com/predict_long_running_requests",
                          "quotaId": "PredictLongRunningRequestsPerDayPerProject"}]}]

DOCUMENTED_ERRORS = {
    "runway": {
        "validation": Fault(400, {"error": "Validation of body failed", "issues": [
            {"code": "invalid_enum_value", "path": ["ratio"], "message": "Invalid enum value"}],
            "docUrl": "https://docs.dev.runwayml.com/errors/validation"}),
        "unauthorized": Fault(401, {"error": "Unauthorized"}),
        "no_credits": Fault(400, {"error": "You do not have enough credits to run this task."}),
        "daily_cap": Fault(429, {"error": "You have reached your daily generation limit for this model."}),
        "rate_limited": Fault(429, {"error": "Too many requests"}, {"Retry-After": "3"}),
        "server_error": Fault(502, {"error": "Bad gateway"}),
    },
    "kling": {
        "auth_failed": _kling(401, 1000, "Authentication failed"),
        "token_expired": _kling(401, 1004, "Authorization token has expired"),
        "arrears": _kling(429, 1101, "Account is in arrears"),
        "pack_depleted": _kling(429, 1102, "Resource pack has been used up or expired"),
        "bad_request": _kling(400, 1200, "Invalid request parameters"),
        "bad_parameter": _kling(400, 1201, "Invalid parameters: duration"),
        "content_policy": _kling(400, 1301, "Triggered the content security policy of the platform"),
        "rate_limit": _kling(429, 1302, "API request is too fast, exceeding the platform's rate limit"),
        "parallel_limit": _kling(429, 1303, "parallel task over resource pack limit"),
        "server_error": _kling(500, 5000, "Server internal error"),
        "unavailable": _kling(503, 5001, "Server temporarily unavailable, usually under maintenance"),
        "server_timeout": _kling(504, 5002, "Server internal timeout, usually due to a backlog"),
    },
    "luma": {
        "unauthorized": Fault(401, {"detail": "Invalid API key"}),
        "invalid_request": Fault(400, {"error": {"code": "invalid_request", "message": "duration must be 5s or 10s"}}),
        "rate_limited": Fault(429, {"error": {"code": "rate_limited", "message": "Too many requests"}},
                              {"Retry-After": "10"}),
    },
    "veo": {
        "invalid_argument": _google(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
        "permission_denied": _google(403, "PERMISSION_DENIED", "API key not valid. Please pass a valid API key."),
        "model_retired": _google(404, "NOT_FOUND", "models/veo-3.1-generate-preview is no longer available"),
        "rate_limited": _google(429, "RESOURCE_EXHAUSTED", "Quota exceeded, retry later", RETRY_INFO),
        "daily_quota": _google(429, "RESOURCE_EXHAUSTED", "Quota exceeded for requests per day", DAILY),
        "internal": _google(500, "INTERNAL", "An internal error has occurred."),
    },
    "omni": {
        "invalid_argument": _google(400, "INVALID_ARGUMENT", "Invalid argument."),
        "permission_denied": _google(403, "PERMISSION_DENIED", "API key not valid."),
        "rate_limited": _google(429, "RESOURCE_EXHAUSTED", "Quota exceeded, retry later", RETRY_INFO),
        "unavailable": _google(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    },
    "minimax": {
        "unknown": _minimax(1000, "unknown error"),
        "timeout": _minimax(1001, "request timeout"),
        "rate_limit": _minimax(1002, "rate limit"),
        "auth": _minimax(1004, "not authorized"),
        "balance": _minimax(1008, "insufficient balance"),
        "input_sensitive": _minimax(1026, "input content involves sensitive content"),
        "invalid_params": _minimax(2013, "invalid params"),
    },
    "seedance": {
        "invalid_parameter": _ark(400, "InvalidParameter", "A parameter specified in the request is not valid"),
        "input_sensitive": _ark(400, "InputTextSensitiveContentDetected",
                                "The request failed because the input text may contain sensitive information."),
        "unauthorized": _ark(401, "AuthenticationError", "The API key in the request is missing or invalid."),
        "overdue": _ark(403, "AccountOverdueError", "The request failed because your account has an overdue balance."),
        "rate_limited": _ark(429, "RateLimitExceeded", "Your account has exceeded the rate limit."),
        "quota": _ark(429, "QuotaExceeded", "Your account has exhausted its quota for today."),
        "internal": _ark(500, "InternalServiceError", "The service encountered an unexpected internal error."),
    },
    "wan": {
        "invalid_parameter": _dash(400, "InvalidParameter", "The parameters are invalid."),
        "data_inspection": _dash(400, "DataInspectionFailed", "Input data may contain inappropriate content."),
        "arrearage": _dash(400, "Arrearage", "Access denied, please make sure your account is in good standing."),
        "invalid_key": _dash(401, "InvalidApiKey", "Invalid API-key provided."),
        "throttled": _dash(429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
        "daily_quota": _dash(429, "Throttling.AllocationQuota", "Free allocated quota exceeded."),
        "internal": _dash(500, "InternalError", "An internal error has occured, please try again later."),
    },
    "fal": {
        "unauthorized": Fault(401, {"detail": "Unauthorized"}),
        "validation": Fault(422, [{"loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"}],
                            {"x-fal-error-type": "validation_error"}),
        "rate_limited": Fault(429, {"detail": "Too many requests"}, {"Retry-After": "2"}),
    },
    "replicate": {
        "unauthenticated": Fault(401, {"title": "Unauthenticated", "detail": "You did not pass a valid authentication "
                                       "token", "status": 401}),
        "payment_required": Fault(402, {"title": "Payment required", "detail": "You have insufficient credit to run "
                                        "this model.", "status": 402}),
        "invalid_input": Fault(422, {"title": "Input validation failed", "detail": "prompt is required",
                                     "status": 422}),
        "throttled": Fault(429, {"detail": "Request was throttled. Your rate limit resets in ~30s."}),
    },
}


FAKES = {"runway": RunwayFake, "kling": KlingFake, "luma": LumaFake, "veo": VeoFake, "omni": OmniFake,
         "minimax": MiniMaxFake, "seedance": SeedanceFake, "wan": WanFake, "fal": FalFake,
         "replicate": ReplicateFake}

__all__ = ["FAKES", "KEYS", "Fault", "DOCUMENTED_ERRORS"]
