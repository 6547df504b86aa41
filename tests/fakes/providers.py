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
        "REPLICATE_API_TOKEN": "r8-key"}


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


class KlingFake(FakeProvider):
    name = "kling"

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
        m = re.fullmatch(r"/v1/videos/(text2video|image2video)(?:/([\w-]+))?", req.path)
        if not m:
            return bad(404, {"code": 1200, "message": "not found", "request_id": "r"})
        family, task_id = m.groups()
        if req.method == "POST" and task_id is None:
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            if body.get("duration") not in ("5", "10") or not body.get("prompt") or not body.get("model_name"):
                return bad(400, {"code": 1201, "message": "invalid parameters", "request_id": "r"})
            if family == "image2video" and (not body.get("image") or str(body["image"]).startswith("data:")):
                return bad(400, {"code": 1201, "message": "image must be a URL or raw base64", "request_id": "r"})
            ext = body.get("external_task_id")
            with self.lock:
                if ext and any(t.external_id == ext for t in self.tasks.values()):
                    return bad(400, {"code": 1201, "message": "external_task_id already exists", "request_id": "r"})
                task = self.new_task(body, float(body["duration"]), body["prompt"], ext)
            return 200, {"code": 0, "message": "SUCCEED", "request_id": "r", "data": self._task_json(task)}, {}
        if task_id is None:
            req.kind = "list"
            if (f := self.take("list")):
                return f.status, f.body, f.headers
            size = int(req.query.get("pageSize", ["30"])[0])
            page = int(req.query.get("pageNum", ["1"])[0])
            items = sorted(self.tasks.values(), key=lambda t: t.created_at, reverse=True)
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
    name = "luma"

    def steps_for(self, outcome):
        return ["queued", "dreaming"] + (["completed"] if outcome == "ok" else ["failed"])

    def _gen(self, task: Task) -> dict:
        out = {"id": task.id, "generation_type": "video", "state": task.status, "failure_reason": None,
               "created_at": iso(task.created_at), "assets": None, "model": task.body.get("model"),
               "request": task.body}
        if task.status == "completed":
            out["assets"] = {"video": self.result_url(task), "image": None, "progress_video": None}
        if task.status == "failed":
            out["failure_reason"] = "400: failed to moderate image"
        return out

    def handle(self, req: Request):
        if req.path.startswith("/files/"):
            req.kind = "download"
            return self.serve_file(req.path.split("/")[-1].removesuffix(".mp4"))
        if req.headers.get("authorization") != f"Bearer {KEYS['LUMAAI_API_KEY']}":
            return bad(401, {"detail": "Invalid API key"})
        if req.method == "POST" and req.path == "/generations/video":
            req.kind = "create"
            if (f := self.take("create")):
                return f.status, f.body, f.headers
            body = req.json or {}
            if body.get("duration") not in ("5s", "9s") or not body.get("prompt"):
                return bad(400, {"detail": "invalid request"})
            task = self.new_task(body, float(body["duration"][:-1]), body["prompt"])
            return 201, self._gen(task), {}
        if req.method == "GET" and req.path == "/generations":
            req.kind = "list"
            items = sorted(self.tasks.values(), key=lambda t: t.created_at, reverse=True)
            return 200, {"generations": [self._gen(t) for t in items], "has_more": False, "count": len(items)}, {}
        m = re.fullmatch(r"/generations/([\w-]+)", req.path)
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
            body = req.json or {}
            inst, params = (body.get("instances") or [{}])[0], body.get("parameters") or {}
            if "seed" in params or params.get("durationSeconds") not in (4, 6, 8) or not inst.get("prompt"):
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


FAKES = {"runway": RunwayFake, "kling": KlingFake, "luma": LumaFake, "veo": VeoFake, "fal": FalFake,
         "replicate": ReplicateFake}

__all__ = ["FAKES", "KEYS", "Fault"]
