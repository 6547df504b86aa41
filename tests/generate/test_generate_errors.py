"""Each adapter's error mapping (HTTP status + vendor body -> FailKind, retryable, server hint),
checked through httpx.MockTransport so no server is needed."""

from __future__ import annotations

import httpx
import pytest

from broll.generate.provider import ClipSpec, FailKind, HTTPFailure, State
from broll.generate.providers import build


def adapter(name: str, status: int, body, headers=None, monkeypatch=None):
    from fakes.providers import KEYS
    for var, value in KEYS.items():
        monkeypatch.setenv(var, value)
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers or {}))
    return build(name, httpx.Client(transport=transport), workdir=None)


SPEC = ClipSpec(prompt="p", model="m", duration_s=5)

CASES = [
    ("kling", 429, {"code": 1102, "message": "resource pack depleted"}, {}, FailKind.NO_CREDIT, False, None),
    ("kling", 429, {"code": 1303, "message": "parallel task over resource pack limit"}, {}, FailKind.RATE_LIMIT,
     True, 5.0),
    ("kling", 400, {"code": 1301, "message": "content security"}, {}, FailKind.CONTENT_INPUT, False, None),
    ("kling", 401, {"code": 1004, "message": "token expired"}, {}, FailKind.AUTH, False, None),
    ("kling", 503, {"code": 5001, "message": "busy"}, {"Retry-After": "4"}, FailKind.TRANSIENT, True, 4.0),
    ("runway", 429, {"error": "You have reached your daily generation limit"}, {}, FailKind.QUOTA_DAILY, False, None),
    ("runway", 400, {"error": "You do not have enough credits to run this task"}, {}, FailKind.NO_CREDIT, False, None),
    ("runway", 429, {"error": "slow down"}, {"retry-after-ms": "250"}, FailKind.RATE_LIMIT, True, 0.25),
    ("veo", 429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}]}}, {}, FailKind.RATE_LIMIT,
     True, 17.0),
    ("veo", 429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [{"quotaId": "GenerateRequestsPerDayPerProject"}]}]}}, {}, FailKind.QUOTA_DAILY, False, None),
    ("replicate", 429, {"detail": "Request was throttled. Your rate limit resets in ~30s."}, {},
     FailKind.RATE_LIMIT, True, 30.0),
    ("replicate", 402, {"title": "Payment required", "detail": "insufficient credit"}, {}, FailKind.NO_CREDIT,
     False, None),
    ("fal", 422, [{"loc": ["body", "prompt"], "msg": "field required", "type": "value_error"}],
     {"x-fal-error-type": "validation_error"}, FailKind.INVALID, False, None),
]


@pytest.mark.parametrize("name,status,body,headers,kind,retryable,hint", CASES)
def test_create_errors_are_classified(name, status, body, headers, kind, retryable, hint, monkeypatch):
    provider = adapter(name, status, body, headers, monkeypatch)
    spec = SPEC if name != "fal" else ClipSpec(prompt="p", model="pika/v2.2", duration_s=5)
    with pytest.raises(HTTPFailure) as exc:
        provider.submit(spec, "ck-1")
    assert exc.value.kind is kind
    assert exc.value.retryable is retryable
    assert exc.value.retry_after == hint
    assert name in str(exc.value)


@pytest.mark.parametrize("name,body,state,kind", [
    ("runway", {"id": "t", "status": "FAILED", "failureCode": "SAFETY.INPUT.IMAGE"}, State.FAILED,
     FailKind.CONTENT_INPUT),
    ("runway", {"id": "t", "status": "FAILED", "failureCode": "INTERNAL.BAD_OUTPUT.CODE01"}, State.FAILED,
     FailKind.TRANSIENT),
    ("runway", {"id": "t", "status": "SOMETHING_NEW"}, State.UNKNOWN, None),
    ("replicate", {"id": "t", "status": "failed", "error": "flagged as sensitive (E005)"}, State.FAILED,
     FailKind.CONTENT_INPUT),
    ("replicate", {"id": "t", "status": "failed", "error": "model container failed to boot within 600 seconds"},
     State.FAILED, FailKind.TRANSIENT),
    ("luma", {"id": "t", "state": "failed", "failure_reason": "Advanced moderation failed"}, State.FAILED,
     FailKind.CONTENT_OUTPUT),
    ("veo", {"name": "op", "done": True, "response": {"generateVideoResponse": {}}}, State.FAILED, FailKind.UNKNOWN),
])
def test_task_states_are_mapped(name, body, state, kind, monkeypatch):
    poll = adapter(name, 200, body, None, monkeypatch).poll("models/m/operations/op" if name == "veo" else "t")
    assert poll.state is state and poll.fail_kind is kind
    assert poll.state is not State.SUCCEEDED


def test_fal_queue_position_is_reported(monkeypatch):
    poll = adapter("fal", 200, {"status": "IN_QUEUE", "queue_position": 12}, None, monkeypatch).poll("fal-ai/pika:r1")
    assert poll.state is State.QUEUED and poll.queue_pos == 12
