"""Decode check for downloaded clips: every video frame must decode (PyAV), and the
duration must be what was asked for. Catches truncated and garbled files that a size
check alone would accept."""

from __future__ import annotations

import os
from dataclasses import dataclass

import av

from broll.errors import MediaError


@dataclass(frozen=True)
class DecodeReport:
    frames: int
    duration: float
    width: int
    height: int
    codec: str


def decode_check(path: str | os.PathLike, *, expected_duration: float | None = None,
                 tolerance: float = 0.5) -> DecodeReport:
    """Decode the whole video stream; raise MediaError naming the file and what is wrong."""
    name = os.fspath(path)
    try:
        with av.open(name) as container:
            if not container.streams.video:
                raise MediaError(f"{name}: no video stream", "the provider returned something that is not a video")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frames, last_time = 0, 0.0
            for frame in container.decode(stream):
                frames += 1
                if frame.time is not None:
                    last_time = max(last_time, float(frame.time))
            rate = float(stream.average_rate or stream.guessed_rate or 0) or 24.0
            width, height, codec = stream.codec_context.width, stream.codec_context.height, stream.codec_context.name
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{name}: does not decode ({exc})", "the download is corrupt; fetch it again") from None
    if frames == 0:
        raise MediaError(f"{name}: no decodable video frames", "the download is corrupt; fetch it again")
    duration = last_time + 1.0 / rate
    if expected_duration is not None and abs(duration - expected_duration) > tolerance:
        raise MediaError(f"{name}: lasts {duration:.2f}s, expected {expected_duration:.2f}s",
                         "the file is truncated or not the requested clip")
    return DecodeReport(frames, duration, width, height, codec)
