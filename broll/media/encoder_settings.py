"""The x264 rate-control settings a clip was encoded with, read from the stream (no decoding).

x264 writes its whole option string (``x264 - core 164 ... rc=crf ... crf=23.0 ...``) into an SEI
message of the first access unit; most generated and camera clips encoded with FFmpeg carry it
(57 of the 65 MP4 clips of the shared footage). ``broll fix`` re-encodes the frames after a repair and
matches the source's quality with it: a master delivered at CRF 8 needs a finer re-encode than
one delivered at CRF 23 to keep its untouched frames as they were.
"""

from __future__ import annotations

import os
import re

_OPTIONS = re.compile(rb"x264 - core \d+[^\x00]{0,4000}?options: ([^\x00]*)")
_VALUE = re.compile(r"(?:^| )(rc|crf|qp)=([0-9.a-z_]+)")


def x264_quality(path: str | os.PathLike, packets: int = 3) -> float | None:
    """The source's CRF (or constant QP) when its stream carries x264's options, else None."""
    import av

    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                return None
            v = c.streams.video[0]
            data = bytes(v.codec_context.extradata or b"")
            for i, pk in enumerate(c.demux(v)):
                data += bytes(pk)
                if i + 1 >= packets:
                    break
    except (av.error.FFmpegError, OSError):
        return None
    m = _OPTIONS.search(data)
    if not m:
        return None
    opts = dict(_VALUE.findall(m.group(1).decode("ascii", "replace")))
    try:
        if opts.get("rc") == "crf" and "crf" in opts:
            return float(opts["crf"])
        if opts.get("rc") == "cqp" and "qp" in opts:
            return float(opts["qp"])
    except ValueError:
        return None
    return None
