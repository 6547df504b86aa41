"""Shared plumbing for HTTP adapters: send one request, classify an error status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from broll.generate.provider import (Caps, ClipSpec, FailKind, HTTPFailure, RequestPlan, generic_kind,
                                     parse_retry_after, safe_json)


class HttpProvider:
    """Base for vendors reached over HTTP. Subclasses set the class attributes and the mapping.

    ``MODELS`` is the adapter's statement of what each model can do (checked against the
    provider's documentation on the date in ``prices.yaml``); ``RETIRED`` maps shut-down ids
    to (replacement, why) so they are refused before anything is sent.
    """

    name = "?"
    key_vars: tuple[str, ...] = ()
    key_aliases: dict[str, str] = {}          # other variable accepted for a key (vendor SDK spelling)
    default_base = ""
    default_model = ""
    MODELS: dict[str, Caps] = {}
    RETIRED: dict[str, tuple[str, str]] = {}
    open_models = False                       # True where any model id the vendor hosts is allowed

    def __init__(self, client: httpx.Client, base: str, keys: dict[str, str | None]):
        self.client, self.base, self.keys = client, base, keys

    # -- one request, no retries ------------------------------------------------------------
    def send(self, plan: RequestPlan) -> Any:
        response = self.client.request(plan.method, plan.url, headers=plan.headers, json=plan.json)
        if response.status_code >= 400:
            raise self.failure(response)
        return safe_json(response) if response.content else {}

    def get(self, url: str) -> Any:
        return self.send(RequestPlan("GET", url, self.auth_headers()))

    def failure(self, response: httpx.Response) -> HTTPFailure:
        body = safe_json(response)
        kind, retryable = generic_kind(response.status_code)
        code, detail = None, _detail(body)
        kind, code, retryable, hint = self.classify(response.status_code, body, kind, code, retryable)
        retry_after = parse_retry_after(response.headers)
        if retry_after is None:
            retry_after = hint
        return HTTPFailure(self.name, response.status_code, kind, code, detail, retry_after, retryable)

    def classify(self, status: int, body: Any, kind: FailKind, code: str | None,
                 retryable: bool) -> tuple[FailKind, str | None, bool, float | None]:
        """Vendor-specific refinement of the generic status mapping."""
        return kind, code, retryable, None

    # -- defaults -------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    def download_headers(self, url: str) -> dict[str, str]:
        return {}

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        raise NotImplementedError

    def cancel(self, task_id: str) -> None:
        return None

    def find_by_client_key(self, client_key: str, since: datetime | None) -> str | None:
        return None

    def capabilities(self, model: str) -> Caps:
        return self.MODELS.get(model) or self.MODELS[self.default_model]

    def estimate_cost(self, spec: ClipSpec, prices: dict) -> Decimal:
        from broll.generate.provider import cost_from_table
        return cost_from_table(prices, self.name, spec.model, spec.duration_s)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("code")
            if isinstance(value, list):
                value = "; ".join(str(v.get("msg", v)) if isinstance(v, dict) else str(v) for v in value)
            if value:
                return str(value)[:300]
    return str(body)[:300]
