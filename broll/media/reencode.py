"""Re-encode a clip from numpy frames, and run FFmpeg filters over frames held in memory.

``broll fix`` decodes a clip, repairs a few frame ranges in numpy and streams every frame back
through :class:`FrameSink`: one FFmpeg process that encodes at high quality (x264 CRF 7, preset
superfast by default, so untouched frames lose little), keeps the source's colour tags and copies its audio.
:func:`filter_frames` pipes a short run of small frames through a filter graph (``deflicker``)
and returns what comes out, so a repair can measure FFmpeg's answer against its own.
:func:`stabilise` is the two-pass ``vidstabdetect``/``vidstabtransform`` over a whole file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from broll.errors import FFmpegError, Interrupted
from broll.media.ffmpeg import QUIET, ffmpeg_path, stderr_tail
from broll.media.probe import MediaInfo

# CRF 8, preset superfast: on a 1080p30 pan 4x faster than CRF 10 medium and closer to the source
# (57.3 vs 53.9 dB PSNR: superfast has no psy-rd/trellis, which trade PSNR away), at ~1.7x the bytes
# (docs/qc.md, Repair). The repaired copy is an intermediate for a build, so bytes matter least.
REPAIR_CRF = 7
REPAIR_PRESET = "superfast"


def _colour_args(info: MediaInfo | None) -> list[str]:
    """Tag the output like the source and convert RGB back to YUV with the source's matrix."""
    if info is None:
        return ["-pix_fmt", "yuv420p"]
    matrix = info.color_space if info.color_space in ("bt709", "bt470bg", "smpte170m", "bt2020nc") else ""
    args: list[str] = []
    if matrix:
        args += ["-vf", f"scale=out_color_matrix={'bt2020' if matrix == 'bt2020nc' else matrix}:out_range="
                        f"{'full' if info.color_range == 'pc' else 'limited'}",
                 "-colorspace", matrix]
    if info.color_primaries:
        args += ["-color_primaries", info.color_primaries]
    if info.color_transfer:
        args += ["-color_trc", info.color_transfer]
    if info.color_range:
        args += ["-color_range", info.color_range]
    return args + ["-pix_fmt", "yuvj420p" if info.pix_fmt.startswith("yuvj") else "yuv420p"]


def _colour_tags(info: MediaInfo | None) -> list[str]:
    """Tags only: YUV frames pass straight to the encoder, nothing is converted."""
    args = _colour_args(info)
    out, i = [], 0
    while i < len(args):
        if args[i] == "-vf":
            i += 2
            continue
        out.append(args[i])
        i += 1
    return [a.replace("yuvj420p", "yuv420p") for a in out] if out[-1:] == ["yuvj420p"] else out


PIPE_BYTES = 1 << 20       # Linux's default ceiling for an unprivileged pipe (/proc/sys/fs/pipe-max-size)


def _widen_pipe(stream) -> None:
    """A 1 MB pipe instead of 64 KB (Linux): a 1080p frame (3 MB as I420) then crosses in a few
    writes instead of ~50, each waking the encoder's reader; elsewhere, or when refused, as it was."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


class FrameSink:
    """Encode frames written one at a time (BGR, or planar ``yuv420p`` decoded as is) into ``path`` (x264), muxing audio from ``audio_from``."""

    def __init__(self, path: str | os.PathLike, size: tuple[int, int], fps: float, *,
                 audio_from: str | os.PathLike | None = None, info: MediaInfo | None = None,
                 crf: int = REPAIR_CRF, preset: str = REPAIR_PRESET, pix_fmt: str = "bgr24",
                 bframes: int | None = None, faststart: bool = True):
        w, h = size
        self.path = Path(path)
        cmd = [ffmpeg_path(), *QUIET, "-y", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{w}x{h}",
               "-r", f"{fps:.6f}", "-i", "pipe:0"]
        if audio_from is not None:
            cmd += ["-i", str(audio_from), "-map", "0:v:0", "-map", "1:a?", "-c:a", "copy"]
        colour = _colour_args(info) if pix_fmt == "bgr24" else _colour_tags(info)
        if bframes is not None:        # a segment spliced between copied packets needs dts == pts order
            cmd += ["-bf", str(bframes)]
        # faststart moves the index to the front in a second pass over the file: for a delivered file;
        # an intermediate that is only read back (a repair's middle segment) skips that rewrite
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), *colour,
                *(["-movflags", "+faststart"] if faststart else []), str(self.path)]
        self._err: list[bytes] = []
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        _widen_pipe(self.proc.stdin)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.frames = 0

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if len(self._err) < 2000:
                self._err.append(line)

    def write(self, frame: np.ndarray) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(np.ascontiguousarray(frame, np.uint8).data)
        except BrokenPipeError:
            self._fail()
        self.frames += 1

    def close(self) -> Path:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.returncode != 0:
            self._fail()
        return self.path

    def abort(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def _fail(self) -> None:
        self.proc.wait()
        self._reader.join(timeout=5)
        lines = b"".join(self._err).decode("utf-8", "replace").splitlines()
        raise FFmpegError(f"encoding {self.path.name} failed (FFmpeg exit {self.proc.returncode})", stderr_tail(lines))

    def __enter__(self) -> "FrameSink":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
            if exc_type is KeyboardInterrupt:
                raise Interrupted("encoding interrupted") from None


def filter_frames(frames: Sequence[np.ndarray], vf: str, fps: float = 30.0) -> list[np.ndarray]:
    """Run BGR frames (all one size) through the filter graph ``vf``; the same number of frames back."""
    if not frames:
        return []
    h, w = frames[0].shape[:2]
    cmd = [ffmpeg_path(), *QUIET, "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", f"{fps:.6f}",
           "-i", "pipe:0", "-vf", vf, "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
    data = b"".join(np.ascontiguousarray(f, np.uint8).tobytes() for f in frames)
    try:
        proc = subprocess.run(cmd, input=data, capture_output=True)
    except KeyboardInterrupt:
        raise Interrupted("filtering interrupted") from None
    if proc.returncode != 0:
        raise FFmpegError(f"filter '{vf}' failed (FFmpeg exit {proc.returncode})",
                          stderr_tail(proc.stderr.decode("utf-8", "replace").splitlines()))
    out = np.frombuffer(proc.stdout, np.uint8)
    n = out.size // (w * h * 3)
    got = [out[i * w * h * 3:(i + 1) * w * h * 3].reshape(h, w, 3) for i in range(n)]
    while len(got) < len(frames):       # a filter with a look-ahead may drop the tail
        got.append(frames[len(got)])
    return got[:len(frames)]


def stabilise(src: str | os.PathLike, dst: str | os.PathLike, *, info: MediaInfo | None = None,
              smoothing: int = 20, zoom: float = 2.0, crf: int = REPAIR_CRF) -> Path:
    """Two-pass vid.stab: ``vidstabdetect`` measures the shake, ``vidstabtransform`` removes it.

    ``zoom`` (percent) is a mild fixed crop so the moving border stays outside the picture;
    ``smoothing`` is the number of frames either side of the camera path's low-pass (20, about
    2/3 s at 30 fps, halves the jitter that 10 leaves on a synthetic 1.5 px shake).
    """
    with tempfile.TemporaryDirectory(prefix="broll-stab-") as tmp:
        trf = Path(tmp) / "transforms.trf"
        # vid.stab parses its option string itself: a path must not hold ':' or '\\', so run in tmp
        src_abs = str(Path(src).resolve())
        _run_in(tmp, ["-y", "-i", src_abs, "-vf", f"vidstabdetect=shakiness=10:accuracy=15:stepsize=4:result={trf.name}",
                      "-f", "null", "-"], what=f"measuring shake in {Path(src).name}")
        vf = f"vidstabtransform=input={trf.name}:smoothing={smoothing}:zoom={zoom}:optzoom=0:interpol=bicubic"
        _run_in(tmp, ["-y", "-i", src_abs, "-vf", vf, "-map", "0:v:0", "-map", "0:a?", "-c:a", "copy",
                      "-c:v", "libx264", "-preset", REPAIR_PRESET, "-crf", str(crf), *_colour_tags(info),
                      str(Path(dst).resolve())], what=f"stabilising {Path(src).name}")
    return Path(dst)


def _run_in(cwd: str, args: list[str], *, what: str) -> None:
    cmd = [ffmpeg_path(), *QUIET, *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, cwd=cwd)
    except KeyboardInterrupt:
        raise Interrupted(f"{what} interrupted") from None
    if proc.returncode != 0:
        raise FFmpegError(f"{what} failed (FFmpeg exit {proc.returncode})",
                          stderr_tail(proc.stderr.decode("utf-8", "replace").splitlines()))
