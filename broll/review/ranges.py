"""HTTP Range requests (RFC 9110 §14) for one byte range: what a <video> element sends when scrubbing."""

from __future__ import annotations

from dataclasses import dataclass


class RangeNotSatisfiable(ValueError):
    """The range lies outside the file: answer 416 with ``Content-Range: bytes */size``."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int          # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The byte range to send, or None for the whole file (no header, a unit we do not know,
    a malformed header, or several ranges, which a server may answer with the full body).
    Raises RangeNotSatisfiable for a range that starts past the end."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    try:
        suffix = int(last) if first == "" else None
        start = int(first) if first != "" else 0
        end = int(last) if first != "" and last else size - 1
    except ValueError:
        return None
    if suffix is not None:                   # suffix range: the last N bytes
        if suffix < 0:
            return None
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    if start < 0:
        return None
    if start >= size:
        raise RangeNotSatisfiable(header)
    if end < start:
        return None
    return ByteRange(start, min(end, size - 1))
