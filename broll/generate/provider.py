"""The provider seam: one small interface every video-generation vendor is adapted to.

Adapters are synchronous and stateless apart from the httpx client they are handed
(tests hand them a client pointed at a loopback fake). Each method makes at most one
logical request and never loops: retries, deadlines and budgets belong to ``batch.py``,
which is the only place that knows whether resending is safe.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import httpx

from broll.errors import AuthError, InputError, ProviderError


class State(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"          # a status this adapter does not know: keep polling, log it

    @property
    def terminal(self) -> bool:
        return self in (State.SUCCEEDED, State.FAILED, State.CANCELLED, State.EXPIRED)


class FailKind(str, Enum):
    CONTENT_INPUT = "content_input"    # the prompt/image was refused: never resend unchanged
    CONTENT_OUTPUT = "content_output"  # the output was filtered: one identical retry
    INVALID = "invalid"                # bad parameters
    RATE_LIMIT = "rate_limit"          # slow down and retry
    QUOTA_DAILY = "quota_daily"        # daily cap: stop submitting
    NO_CREDIT = "no_credit"            # balance exhausted: stop the batch
    AUTH = "auth"
    TRANSIENT = "transient"            # provider's "try again" / 5xx
    UNKNOWN = "unknown"


#: failures the batch may retry once with identical input
RETRY_ONCE = {FailKind.CONTENT_OUTPUT, FailKind.TRANSIENT}


@dataclass(frozen=True)
class ClipSpec:
    """What one clip should be; the same for every vendor."""

    prompt: str
    model: str
    duration_s: int
    aspect: str = "16:9"
    resolution: str = "720p"
    seed: int | None = None
    ref_image: str | None = None        # first frame: local path or https URL
    negative: str | None = None
    caption: str = ""                   # shot id, used by the offline placeholder renderer
    references: tuple[str, ...] = ()    # subject / multi-image references (not a first frame)


@dataclass(frozen=True)
class Caps:
    """What one model can do, as its provider documents it; the batch validator checks against it."""

    seed: bool                          # a seed is sent and honoured (best effort: "similar", never identical)
    durations: tuple[int, ...]          # allowed durations (seconds)
    aspects: tuple[str, ...]
    ref_modes: tuple[str, ...] = ("data",)   # "data" (inline / data URI), "url"
    max_ref_bytes: int = 10 << 20
    reconcile: str = "none"             # how an ambiguous submit is found again: none | external_id | list
    duration_known: bool = True         # False when the model may ignore the requested length
    resolutions: tuple[str, ...] = ("720p",)
    seed_note: str = ""                 # why a seed is not honoured (shown when a spec sets one)
    first_frame: bool = True            # accepts style_reference as the first frame
    needs_image: bool = False           # image-to-video only: a first frame is required
    max_refs: int = 0                   # subject / reference images (`references:`) per request
    ref_kind: str = ""                  # what those references are, in the provider's words
    refs_exclusive: bool = False        # references cannot be combined with a first frame
    negative: bool = True               # a negative prompt is sent
    status: str = "current"             # current | legacy
    max_seconds_at: tuple[tuple[str, int], ...] = ()   # (resolution, longest clip) where shorter than usual

    def describe(self) -> dict:
        """Plain data for `broll providers --json`."""
        return {"seed": self.seed, "seed_note": self.seed_note or None, "durations": list(self.durations),
                "aspects": list(self.aspects), "resolutions": list(self.resolutions),
                "first_frame": self.first_frame, "needs_image": self.needs_image,
                "reference_images": self.max_refs, "reference_kind": self.ref_kind or None,
                "references_exclusive_with_first_frame": self.refs_exclusive,
                "reference_transport": list(self.ref_modes), "max_reference_mb": self.max_ref_bytes >> 20,
                "negative_prompt": self.negative, "reconcile": self.reconcile, "status": self.status,
                "max_seconds_at": dict(self.max_seconds_at)}


@dataclass
class Poll:
    state: State
    progress: float | None = None
    queue_pos: int | None = None
    outputs: list[str] = field(default_factory=list)
    fail_kind: FailKind | None = None
    fail_code: str | None = None
    message: str | None = None
    charged: bool = True                # False when the provider says a failure costs nothing
    retry_after: float | None = None
    raw_status: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RequestPlan:
    """One HTTP request as data: what a dry run prints and what submit sends."""

    method: str
    url: str
    headers: dict[str, str]
    json: Any = None

    def redacted(self) -> dict:
        hidden = {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in self.headers.items()}
        return {"method": self.method, "url": self.url, "headers": hidden, "json": _shorten(self.json)}


SECRET_HEADERS = {"authorization", "x-goog-api-key"}


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    if isinstance(value, str) and len(value) > 120:
        return value[:60] + f"...<{len(value)} chars>"
    return value


class HTTPFailure(ProviderError):
    """A provider answered with an error status; classified by the adapter."""

    def __init__(self, provider: str, status: int, kind: FailKind, code: str | None, detail: str,
                 retry_after: float | None = None, retryable: bool = False):
        self.status, self.kind, self.code, self.detail = status, kind, code, detail
        self.retry_after, self.retryable, self.provider = retry_after, retryable, provider
        super().__init__(f"{provider}: HTTP {status} {kind.value}"
                         + (f" [{code}]" if code else "") + (f": {detail}" if detail else ""),
                         _HINTS.get(kind))


_HINTS = {
    FailKind.AUTH: "check the API key variable for this provider",
    FailKind.NO_CREDIT: "top up the account balance, then re-run the same command to resume",
    FailKind.QUOTA_DAILY: "the provider's daily cap is reached; re-run tomorrow to resume",
    FailKind.CONTENT_INPUT: "change the prompt or reference image; it will not be resent unchanged",
    FailKind.INVALID: "check the model, duration and aspect against the provider notes (docs/generate.md)",
}


class RetiredModel(InputError):
    """A model id the provider has shut down: refused before anything is sent."""


class UrlExpired(ProviderError):
    """A result URL answered 403/404/410: ask the task for a fresh one, never regenerate."""


class Provider(Protocol):
    name: str

    def capabilities(self, model: str) -> Caps: ...
    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan: ...
    def submit(self, spec: ClipSpec, client_key: str) -> str: ...
    def poll(self, task_id: str) -> Poll: ...
    def download_headers(self, url: str) -> dict[str, str]: ...
    def cancel(self, task_id: str) -> None: ...
    def find_by_client_key(self, client_key: str, since: datetime | None) -> str | None: ...


# ---- helpers shared by the HTTP adapters -------------------------------------------------

def env_key(var: str, provider: str, *, required: bool = True) -> str | None:
    """The vendor's usual key variable; missing is a one-line error naming it."""
    value = os.environ.get(var, "").strip()
    if not value and required:
        raise AuthError(f"{provider}: environment variable {var} is not set",
                        f"export {var}=<your key> (or use provider: offline for placeholders)")
    return value or None


def base_url(provider: str, default: str) -> str:
    return os.environ.get(f"BROLL_{provider.upper()}_BASE_URL", default).rstrip("/")


def parse_retry_after(headers: httpx.Headers | dict) -> float | None:
    """Server hints in order: ``retry-after-ms``, then ``Retry-After`` (seconds or HTTP date)."""
    get = headers.get
    ms = get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    ra = get("retry-after")
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            from email.utils import parsedate_to_datetime
            try:
                when = parsedate_to_datetime(ra)
                return max(0.0, when.timestamp() - datetime.now(when.tzinfo).timestamp())
            except (TypeError, ValueError):
                return None
    return None


def safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:300]}


def generic_kind(status: int) -> tuple[FailKind, bool]:
    """Fallback classification by HTTP status: (kind, retryable)."""
    if status in (401, 403):
        return FailKind.AUTH, False
    if status == 402:
        return FailKind.NO_CREDIT, False
    if status in (408, 409, 425, 429):
        return FailKind.RATE_LIMIT, True
    if status >= 500:
        return FailKind.TRANSIENT, True
    return FailKind.INVALID, False


def image_bytes(ref: str) -> tuple[bytes, str]:
    path = Path(ref)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProviderError(f"{ref}: cannot read style reference ({exc.strerror})",
                            "check the style_reference path in the batch spec") from None
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return data, mime


def is_url(ref: str | None) -> bool:
    return bool(ref) and ref.startswith(("http://", "https://"))


def data_uri(ref: str) -> str:
    if is_url(ref):
        return ref
    data, mime = image_bytes(ref)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def raw_base64(ref: str) -> str:
    data, _ = image_bytes(ref)
    return base64.b64encode(data).decode()


def nearest(value: int, allowed: tuple[int, ...]) -> int:
    return min(allowed, key=lambda a: (abs(a - value), a))


def cost_from_table(prices: dict, provider: str, model: str, seconds: int) -> Decimal:
    """Price from the table in ``prices.yaml`` (per second or per clip)."""
    table = prices.get(provider, {})
    entry = table.get(model, table.get("*"))
    if entry is None:
        return Decimal("0")
    if "per_second" in entry:
        return Decimal(str(entry["per_second"])) * seconds
    if "per_clip" in entry:
        return Decimal(str(entry["per_clip"]))
    return Decimal("0")
