"""Fetch a finished clip: stream to a ``.part`` file, check size, sha256 and a full decode
with the expected duration, then rename into place. Nothing unverified ever gets the
final name."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from broll.atomic import atomic_path
from broll.errors import MediaError, ProviderError
from broll.generate.provider import FailKind, HTTPFailure, UrlExpired, generic_kind, parse_retry_after


@dataclass(frozen=True)
class Artifact:
    path: Path
    sha256: str
    size: int
    duration: float
    frames: int


class CorruptDownload(ProviderError):
    """Bytes arrived but are not the promised clip (short, garbled, wrong length)."""


def fetch(client: httpx.Client | None, url: str, dest: Path, *, headers: dict[str, str] | None = None,
          expected_duration: float | None = None, expected_size: int | None = None,
          provider: str = "?") -> Artifact:
    dest = Path(dest)
    try:
        with atomic_path(dest) as part:
            digest, size = _stream(client, url, part, headers or {}, provider)
            if expected_size is not None and size != expected_size:
                raise CorruptDownload(f"{dest.name}: got {size} bytes, provider said {expected_size}")
            try:
                from broll.media.verify import decode_check      # PyAV: at the first download, not earlier
                report = decode_check(part, expected_duration=expected_duration)
            except MediaError as exc:
                raise CorruptDownload(f"{dest.name}: {exc.message.split(': ', 1)[-1]}") from None
    except OSError as exc:
        raise ProviderError(f"{dest}: cannot write download ({exc.strerror or exc})", "check disk space") from None
    return Artifact(dest, digest, size, report.duration, report.frames)


def _stream(client, url: str, part: Path, headers: dict, provider: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    if url.startswith("data:"):
        # an inline result (Gemini Omni returns the video base64 in the interaction itself)
        import base64
        try:
            data = base64.b64decode(url.split(",", 1)[1], validate=True)
        except (IndexError, ValueError):
            raise CorruptDownload(f"{provider}: inline video is not valid base64") from None
        part.write_bytes(data)
        h.update(data)
        return h.hexdigest(), len(data)
    if url.startswith("file://"):
        src = Path(unquote(urlparse(url).path))
        if not src.is_file():
            raise UrlExpired(f"{provider}: {src} is gone")
        with open(src, "rb") as fin, open(part, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
        return h.hexdigest(), size
    with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        if response.status_code in (401, 403, 404, 410):
            raise UrlExpired(f"{provider}: result URL answered HTTP {response.status_code} (expired?)")
        if response.status_code >= 400:
            kind, retryable = generic_kind(response.status_code)
            raise HTTPFailure(provider, response.status_code, kind, None, "download failed",
                              parse_retry_after(response.headers), retryable or kind is FailKind.TRANSIENT)
        declared = response.headers.get("content-length")
        with open(part, "wb") as fout:
            for chunk in response.iter_bytes(1 << 16):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
        if declared is not None and int(declared) != size and not response.headers.get("content-encoding"):
            raise CorruptDownload(f"{provider}: download stopped at {size} of {declared} bytes")
    return h.hexdigest(), size


def keep_rejected(path: Path, attempt: int) -> Path:
    """Move a clip QC rejected aside (``.rejected/``) so a person can still look at it."""
    target = path.parent / ".rejected" / f"{path.stem}-a{attempt}{path.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    return target
