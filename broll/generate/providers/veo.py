"""Veo through the Gemini API (generativelanguage.googleapis.com/v1beta).

The GA ids are ``veo-3.1-generate-001`` and ``veo-3.1-fast-generate-001``; the 3.1
*preview* ids were shut down on 2026-10-22 and are refused before anything is sent.
A long-running operation: create returns ``{"name": ...}``, polling reads the operation
until ``done``. ``seed`` is Vertex-only, so it is not sent. A ``done`` operation with no
samples is a failure, never success: ``raiMediaFilteredCount`` means the output was
filtered (not charged; an identical retry often succeeds). The video URI needs the API
key and answers with a redirect to storage.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from broll.generate.provider import (Caps, ClipSpec, FailKind, Poll, RequestPlan, State, image_bytes, is_url,
                                     nearest)
from broll.generate.providers.base import HttpProvider

_VEO = dict(seed=False, seed_note="Veo's seed is Vertex-only; the Gemini API refuses it", durations=(4, 6, 8),
            aspects=("16:9", "9:16"), resolutions=("720p", "1080p"), ref_modes=("data",), max_refs=3,
            ref_kind="referenceImages ASSET: up to 3 images of one person, character or product")
_OMNI = "Google recommends omni/gemini-omni-1.1-flash"


class Veo(HttpProvider):
    name = "veo"
    key_vars = ("GEMINI_API_KEY",)
    default_base = "https://generativelanguage.googleapis.com"
    default_model = "veo-3.1-generate-001"
    MODELS = {"veo-3.1-generate-001": Caps(**_VEO), "veo-3.1-fast-generate-001": Caps(**_VEO)}
    RETIRED = {
        "veo-3.1-generate-preview": ("veo-3.1-generate-001", f"shut down 2026-10-22; {_OMNI}"),
        "veo-3.1-fast-generate-preview": ("veo-3.1-fast-generate-001", f"shut down 2026-10-22; {_OMNI}"),
        "veo-3.1-lite-generate-preview": ("veo-3.1-fast-generate-001", f"shut down 2026-10-22; {_OMNI}"),
        "veo-3.0-generate-001": ("veo-3.1-generate-001", "retired 2026-06-30"),
        "veo-3.0-fast-generate-001": ("veo-3.1-fast-generate-001", "retired 2026-06-30"),
    }

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.keys.get("GEMINI_API_KEY") or ""}

    def download_headers(self, url: str) -> dict[str, str]:
        return self.auth_headers()

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        instance: dict[str, Any] = {"prompt": spec.prompt}
        if spec.ref_image and not is_url(spec.ref_image):
            instance["image"] = _inline(spec.ref_image)
        if spec.references:
            instance["referenceImages"] = [{"image": _inline(r), "referenceType": "ASSET"} for r in spec.references]
        params: dict[str, Any] = {"aspectRatio": spec.aspect if spec.aspect in ("16:9", "9:16") else "16:9",
                                  "resolution": spec.resolution,
                                  "durationSeconds": nearest(spec.duration_s, self.capabilities(spec.model).durations),
                                  "sampleCount": 1}
        if spec.negative:
            params["negativePrompt"] = spec.negative
        return RequestPlan("POST", f"{self.base}/v1beta/models/{spec.model}:predictLongRunning",
                           self.auth_headers(), {"instances": [instance], "parameters": params})

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        return str(self.send(self.plan_submit(spec, client_key))["name"])

    def poll(self, task_id: str) -> Poll:
        raw = self.get(f"{self.base}/v1beta/{task_id}")
        if not raw.get("done"):
            return Poll(state=State.RUNNING, raw_status="running", raw=raw)
        if raw.get("error"):
            err = raw["error"]
            return Poll(state=State.FAILED, fail_kind=FailKind.TRANSIENT if err.get("code") in (4, 13, 14)
                        else FailKind.INVALID, fail_code=str(err.get("code")), message=err.get("message"),
                        raw_status="error", raw=raw)
        gvr = (raw.get("response") or {}).get("generateVideoResponse") or {}
        samples = gvr.get("generatedSamples") or []
        uris = [s["video"]["uri"] for s in samples if (s.get("video") or {}).get("uri")]
        if uris:
            return Poll(state=State.SUCCEEDED, outputs=uris, raw_status="done", raw=raw)
        if gvr.get("raiMediaFilteredCount"):
            reasons = "; ".join(gvr.get("raiMediaFilteredReasons") or [])
            return Poll(state=State.FAILED, fail_kind=FailKind.CONTENT_OUTPUT, fail_code="RAI_FILTERED",
                        message=reasons, charged=False, raw_status="done", raw=raw)
        return Poll(state=State.FAILED, fail_kind=FailKind.UNKNOWN, fail_code="NO_SAMPLES",
                    message="operation finished without a video", raw_status="done", raw=raw)

    def classify(self, status, body, kind, code, retryable):
        return google_error(body, kind, code, retryable)


def _inline(ref: str) -> dict:
    data, mime = image_bytes(ref)
    return {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": mime}


def google_error(body: Any, kind: FailKind, code: str | None, retryable: bool):
    """Google's error body: ``{"error": {code, message, status, details: [RetryInfo | QuotaFailure]}}``."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return kind, code, retryable, None
    code = err.get("status") or code
    hint = None
    text = str(err.get("details", ""))
    for detail in err.get("details") or []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if delay:
            found = re.match(r"(\d+(?:\.\d+)?)s", str(delay))
            hint = float(found.group(1)) if found else None
    if code == "RESOURCE_EXHAUSTED" and re.search(r"per ?day", text, re.I):
        return FailKind.QUOTA_DAILY, code, False, hint
    if code == "NOT_FOUND" and "no longer available" in str(err.get("message", "")):
        return FailKind.INVALID, "MODEL_RETIRED", False, None
    return kind, code, retryable, hint
