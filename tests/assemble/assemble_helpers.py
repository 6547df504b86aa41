"""Helpers shared by the assemble tests (decode audio, run the CLI as a user would)."""

from __future__ import annotations


def decode_audio(path) -> tuple:
    """The whole audio track as a mono float numpy array, its rate and its start time (s)."""
    import av
    import numpy as np

    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        for frame in container.decode(stream):
            arr = frame.to_ndarray()
            chunks.append(arr.mean(axis=0) if arr.ndim == 2 and arr.shape[0] <= 8 else arr.reshape(-1))
        rate = stream.rate
    return np.concatenate(chunks), rate, start


def run_cli(*args: str):
    """Run `python -m broll ...` as a user would; returns the CompletedProcess."""
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "broll", *args], capture_output=True, text=True)
