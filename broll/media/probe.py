"""Probe media with PyAV (there is no ffprobe) into a frozen MediaInfo.

Demuxing every video packet is cheap next to decoding and gives exact frame counts,
duration and a VFR verdict; the first decoded frame gives rotation and pixel format.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from broll.errors import MediaError
from broll.file_memo import remembered

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
HDR_TRANSFERS = {"smpte2084", "arib-std-b67", "smpte428"}


@dataclass(frozen=True)
class MediaInfo:
    """What broll needs to know about a file, with sizes as displayed (after rotation, SAR)."""

    path: str
    kind: str                       # "video" | "image" | "audio"
    width: int = 0                  # display width: rotation applied, square pixels
    height: int = 0
    coded_width: int = 0
    coded_height: int = 0
    rotation: int = 0               # degrees counter-clockwise to display (0, 90, 180, 270)
    sar: Fraction = Fraction(1)
    fps: Fraction = Fraction(0)     # average rate
    frame_count: int = 0
    keyframes: int = 0              # seek points: generated clips often have one
    duration: Fraction = Fraction(0)  # video duration (or audio duration for audio files)
    vfr: bool = False
    pix_fmt: str = ""
    bit_depth: int = 8
    codec: str = ""
    color_transfer: str = ""
    color_primaries: str = ""
    color_space: str = ""
    color_range: str = ""
    animated: bool = False          # GIF / animated WebP
    has_audio: bool = False
    audio_codec: str = ""
    audio_rate: int = 0
    audio_channels: int = 0
    audio_duration: Fraction = Fraction(0)
    format_name: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_still(self) -> bool:
        return self.kind == "image" and not self.animated

    @property
    def is_hdr(self) -> bool:
        return self.color_transfer in HDR_TRANSFERS

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def describe(self) -> str:
        if self.kind == "audio":
            return f"audio {float(self.duration):.2f}s {self.audio_rate} Hz x{self.audio_channels}"
        parts = [f"{self.width}x{self.height}"]
        if self.kind == "video" or self.animated:
            parts.append(f"{float(self.fps):.3g} fps{' (VFR)' if self.vfr else ''}")
            parts.append(f"{float(self.duration):.2f}s")
        parts.append(self.codec)
        if self.bit_depth > 8:
            parts.append(f"{self.bit_depth}-bit")
        if self.rotation:
            parts.append(f"rotated {self.rotation}")
        parts.append("audio" if self.has_audio else "no audio")
        return " ".join(parts)


def _bit_depth(pix_fmt: str) -> int:
    for depth in (16, 14, 12, 10, 9):
        if f"p{depth}" in pix_fmt or f"{depth}le" in pix_fmt or f"{depth}be" in pix_fmt:
            return depth
    return 8


# FFmpeg's AVColor* enum values (libavutil/pixfmt.h); 2 means "unspecified" in each.
_TRC = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
        13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 17: "smpte428",
        18: "arib-std-b67"}
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020",
              11: "smpte431", 12: "smpte432"}
_MATRIX = {0: "rgb", 1: "bt709", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"}
_RANGE = {1: "tv", 2: "pc"}


def _name(value, table: dict[int, str]) -> str:
    """A colour tag as FFmpeg names it, or "" when unspecified."""
    if value is None:
        return ""
    if isinstance(value, int):
        return table.get(value, "")
    return str(getattr(value, "name", value)).lower()


def probe(path: str | os.PathLike) -> MediaInfo:
    """Probe a file; cached on (path, size, mtime) so repeated probes are free."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(f"{path}: file not found", "check the path (a relative path starts from the current folder, or in an edit list from the edit list's folder)") from None
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror})") from None
    if p.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file")
    resolved = str(p.resolve())
    # across runs: the project's file memo (broll.file_memo), keyed by the file's stat and this code
    doc = remembered(resolved, _memo_kind(),
                     lambda: info_to_dict(_probe_cached(resolved, st.st_size, st.st_mtime_ns)), st=st)
    return info_from_dict(doc)


_FRACTIONS = frozenset(f.name for f in fields(MediaInfo) if f.type in ("Fraction", Fraction))


def info_to_dict(info: MediaInfo) -> dict:
    """A JSON-able form of a probe (fractions as [numerator, denominator])."""
    out = {}
    for f in fields(MediaInfo):
        value = getattr(info, f.name)
        out[f.name] = [value.numerator, value.denominator] if isinstance(value, Fraction) else value
    return out


def info_from_dict(doc: dict) -> MediaInfo:
    return MediaInfo(**{k: Fraction(*v) if k in _FRACTIONS else v for k, v in doc.items()})


@lru_cache(maxsize=1)
def _memo_kind() -> str:
    """Remembered probes are keyed by this module's code: a change to the probe reads files again."""
    from broll.hashing import file_sha256
    return "probe/" + file_sha256(__file__)[:16]


@lru_cache(maxsize=512)
def _probe_cached(path: str, size: int, mtime_ns: int) -> MediaInfo:
    import av  # local: keeps `broll --help` fast

    if size == 0:
        raise MediaError(f"{path}: file is empty", "re-export or re-download it")
    try:
        container = av.open(path)
    except Exception as exc:  # PyAV raises several InvalidDataError/OSError shapes
        raise MediaError(f"{path}: not a readable media file ({_short(exc)})") from None
    with container:
        return _probe_container(container, path)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _probe_container(container, path: str) -> MediaInfo:
    fmt = container.format.name if container.format else ""
    vstreams = list(container.streams.video)
    astreams = list(container.streams.audio)
    suffix = Path(path).suffix.lower()
    audio = _audio_facts(container, astreams[0]) if astreams else {}

    if not vstreams:
        if not astreams:
            raise MediaError(f"{path}: has no video or audio stream")
        return MediaInfo(path=path, kind="audio", duration=audio["audio_duration"], format_name=fmt, **audio)

    vs = vstreams[0]
    cc = vs.codec_context
    is_image_format = fmt in {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe"} or (
        suffix in IMAGE_SUFFIXES and fmt != "gif")

    # One demux pass: exact packet count and pts spread (VFR) without decoding everything;
    # the first packets are decoded on the way for rotation, pixel format and colour tags.
    pts: list[int] = []
    durations: list[int] = []
    keyframes = 0
    first = None
    cc.thread_type = "NONE"
    indexed = _indexed_timestamps(vs)
    try:
        if indexed is not None:
            # MP4/MOV carry a complete sample table: read it instead of every packet
            pts, keyframes = indexed
            # the index has no per-sample durations; the last one is what the track adds
            # beyond its final timestamp (stts), which a VFR rate depends on
            durations = [0] * len(pts)
            durations[-1] = max(0, int(vs.duration or 0) - (max(pts) - min(pts)))
            for packet in container.demux(vs):
                if packet.size:
                    first = next(iter(cc.decode(packet)), None)
                if first is not None:
                    break
        else:
            for packet in container.demux(vs):
                if first is None and packet.size:
                    for frame in cc.decode(packet):
                        first = frame
                        break
                if packet.size == 0 or packet.pts is None:
                    continue
                pts.append(packet.pts)
                durations.append(packet.duration or 0)
                keyframes += bool(packet.is_keyframe)
        if first is None:
            for frame in cc.decode(None):
                first = frame
                break
    except Exception as exc:
        raise MediaError(f"{path}: damaged or undecodable video stream ({_short(exc)})") from None
    frame_count = len(pts)
    if frame_count == 0 and not is_image_format:
        raise MediaError(f"{path}: video stream has no frames")
    if first is None:
        raise MediaError(f"{path}: cannot decode any video frame", "the file may be truncated or use an unsupported codec")
    rotation = int(round(getattr(first, "rotation", 0) or 0)) % 360
    pix_fmt = first.format.name or cc.pix_fmt or ""

    tb = vs.time_base or Fraction(1, 1000)
    fps = Fraction(vs.average_rate) if vs.average_rate else (Fraction(vs.guessed_rate) if vs.guessed_rate else Fraction(0))
    animated = fmt in {"gif"} or (suffix == ".webp" and frame_count > 1)
    kind = "image" if (is_image_format and frame_count <= 1) or (fmt == "gif" and frame_count <= 1) else (
        "image" if animated else "video")

    vfr = False
    if frame_count >= 2:
        spts = sorted(pts)
        deltas = [b - a for a, b in zip(spts, spts[1:]) if b > a]
        span = Fraction(spts[-1] - spts[0] + (durations[-1] or (deltas[-1] if deltas else 0))) * tb
        duration = span if span > 0 else Fraction(frame_count) / (fps or 1)
        if deltas:
            lo, hi = min(deltas), max(deltas)
            vfr = hi > lo * 1.5 and (hi - lo) * tb > Fraction(1, 500)
        if not fps or vfr:
            fps = Fraction(frame_count) / duration if duration else fps
    else:
        duration = Fraction(1) / fps if (fps and kind == "video") else Fraction(0)
    if vs.duration and not vfr and kind == "video":
        stream_dur = Fraction(vs.duration) * tb
        # trust packet span but never report less than the frames need
        duration = max(duration, min(stream_dur, Fraction(frame_count) / fps if fps else stream_dur))

    sar = Fraction(cc.sample_aspect_ratio) if cc.sample_aspect_ratio else Fraction(1)
    if sar <= 0:
        sar = Fraction(1)
    cw, ch = first.width, first.height
    dw = int(round(cw * sar)) if sar != 1 else cw
    dw += dw % 2 if sar != 1 else 0
    w, h = (ch, dw) if rotation in (90, 270) else (dw, ch)

    return MediaInfo(
        path=path, kind=kind, width=w, height=h, coded_width=cw, coded_height=ch,
        rotation=rotation, sar=sar, fps=fps if kind != "image" or animated else Fraction(0),
        frame_count=frame_count, keyframes=keyframes, duration=duration if kind == "video" or animated else Fraction(0),
        vfr=vfr, pix_fmt=pix_fmt, bit_depth=_bit_depth(pix_fmt), codec=cc.name or "",
        color_transfer=_name(getattr(first, "color_trc", None), _TRC) or _name(getattr(cc, "color_trc", None), _TRC),
        color_primaries=_name(getattr(first, "color_primaries", None), _PRIMARIES)
        or _name(getattr(cc, "color_primaries", None), _PRIMARIES),
        color_space=_name(getattr(first, "colorspace", None), _MATRIX) or _name(getattr(cc, "colorspace", None), _MATRIX),
        color_range=_name(getattr(first, "color_range", None), _RANGE) or _name(getattr(cc, "color_range", None), _RANGE),
        animated=animated, format_name=fmt, **audio,
    )


def _indexed_timestamps(stream) -> tuple[list[int], int] | None:
    """Sample timestamps and keyframe count from the demuxer's index, when it is complete.

    Only trusted when the index holds exactly the stream's declared frame count with no
    discarded samples (an edit list) and no empty ones; anything else takes the demux pass.
    """
    try:
        declared = int(stream.frames or 0)
        entries = stream.index_entries
        if declared < 2 or len(entries) != declared:
            return None
        stamps, keyframes = [], 0
        for entry in entries:
            if entry.is_discard or entry.size <= 0:
                return None
            stamps.append(entry.timestamp)
            keyframes += bool(entry.is_keyframe)
    except (AttributeError, TypeError, ValueError):   # older PyAV, or a demuxer without an index
        return None
    return stamps, keyframes


def _audio_facts(container, stream) -> dict:
    cc = stream.codec_context
    tb = stream.time_base or Fraction(1, stream.rate or 48000)
    if stream.duration:
        adur = Fraction(stream.duration) * tb
    elif container.duration:
        adur = Fraction(container.duration, 1_000_000)
    else:
        adur = Fraction(0)
    return dict(has_audio=True, audio_codec=cc.name or "", audio_rate=int(stream.rate or cc.sample_rate or 0),
                audio_channels=int(getattr(cc, "channels", 0) or 0), audio_duration=adur)
