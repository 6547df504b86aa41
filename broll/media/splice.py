"""Re-encode only part of an H.264 clip: copy the packets before and after it untouched.

A repair changes a few frames, but a generated clip usually has one keyframe, so classic
"re-encode the GOPs that hold the repair" means re-encoding everything. Two facts make less
work possible without any decoder trickery:

- **Any prefix of the stream in decode order whose frames are exactly the first ``c`` frames in
  display order decodes on its own**: a frame only references frames decoded before it. Such a
  prefix ends at every mini-GOP boundary (each P frame plus the B frames it anchors), not only at
  keyframes. It is copied; re-encoding starts at ``c`` with a fresh IDR frame.
- **From a closed keyframe on** (an IDR frame that is also such a cut) the rest of the stream needs
  nothing before it, so it is copied too. Generated clips rarely have one; camera clips do.

The re-encoded middle is x264 without B frames, so its decode order is its display order and it
can take the source's own decode timestamps for those positions (a decode timestamp sequence that
is valid for the source is valid for it: ``dts[k] <= k-th presentation time``). Its SPS/PPS go
in-band in its first packet, so a decoder switches parameter sets at that IDR frame; the file
keeps the source's ``avcC`` for the copied prefix, and a copied suffix gets the source's SPS/PPS
in-band again at its keyframe. Only H.264 in MP4/MOV with 4-byte NAL lengths
qualifies; everything else is re-encoded whole (:class:`broll.media.reencode.FrameSink`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from broll.errors import MediaError

CONTAINERS = (".mp4", ".mov", ".m4v")


@dataclass(frozen=True)
class PacketMap:
    """The video stream's packets in decode order (no decoding): what a splice needs to know."""

    pts: tuple[int, ...]
    dts: tuple[int, ...]
    key: tuple[bool, ...]
    time_base: Fraction
    start_pts: int

    @property
    def frames(self) -> int:
        return len(self.pts)

    def cuts(self) -> list[int]:
        """Display-order frame counts ``c`` whose first ``c`` packets in decode order are frames 0..c-1."""
        order = sorted(self.pts)
        rank = {p: i for i, p in enumerate(order)}
        out, top = [], -1
        for pos, p in enumerate(self.pts):
            top = max(top, rank[p])
            if top == pos:          # packets 0..pos hold ranks 0..pos exactly
                out.append(pos + 1)
        return out

    def closed_keyframes(self) -> list[int]:
        """Display indices of keyframes from which the rest of the stream decodes alone."""
        cuts = set(self.cuts())
        rank = {p: i for i, p in enumerate(sorted(self.pts))}
        # the packets before it are exactly the frames shown before it, and nothing after it in
        # decode order is shown before it (no leading B frames that reference the previous GOP)
        return [pos for pos, k in enumerate(self.key) if k and pos > 0 and pos in cuts and rank[self.pts[pos]] == pos]

    def seconds(self, frame: int) -> float:
        """Presentation time of display frame ``frame``, as the decoder core reports it."""
        return float((sorted(self.pts)[frame] - self.start_pts) * self.time_base)


@dataclass(frozen=True)
class SplicePlan:
    start: int          # first re-encoded display frame (frames before it are copied)
    stop: int           # one past the last re-encoded frame (frames from it on are copied)
    packets: PacketMap

    @property
    def frames(self) -> int:
        return self.stop - self.start


def _avcc_ok(extradata: bytes | None) -> bool:
    return bool(extradata) and len(extradata) >= 7 and extradata[0] == 1 and (extradata[4] & 3) == 3


def scan(path: str | os.PathLike) -> PacketMap | None:
    """Packet timing of an H.264 MP4/MOV with 4-byte NAL lengths, or None when it cannot be spliced."""
    import av

    if Path(path).suffix.lower() not in CONTAINERS:
        return None
    try:
        with av.open(str(path)) as c:
            v = c.streams.video[0]
            if v.codec_context.name != "h264" or not _avcc_ok(v.codec_context.extradata):
                return None
            pts, dts, key = [], [], []
            for pk in c.demux(v):
                if pk.size == 0:
                    continue
                if pk.pts is None or pk.dts is None:
                    return None
                pts.append(pk.pts)
                dts.append(pk.dts)
                key.append(bool(pk.is_keyframe))
            if not pts or len(set(pts)) != len(pts):
                return None
            return PacketMap(tuple(pts), tuple(dts), tuple(key), v.time_base, v.start_time or 0)
    except av.error.FFmpegError:
        return None


def plan_splice(packets: PacketMap | None, first: int, last: int) -> SplicePlan | None:
    """Re-encode the fewest frames that hold display frames ``first..last``; None: re-encode all."""
    if packets is None or not packets.cuts():
        return None
    start = max((c for c in packets.cuts() if c <= first), default=0)
    stop = min((k for k in packets.closed_keyframes() if k > last), default=packets.frames)
    if start == 0 and stop == packets.frames:
        return None
    return SplicePlan(start, stop, packets)


def _parameter_sets(extradata: bytes) -> list[bytes]:
    """SPS and PPS NAL units from an ``avcC`` record."""
    out, i = [], 5
    for mask in (0x1F, 0xFF):                # SPS count (low 5 bits), then PPS count
        count = extradata[i] & mask
        i += 1
        for _ in range(count):
            n = int.from_bytes(extradata[i:i + 2], "big")
            out.append(bytes(extradata[i + 2:i + 2 + n]))
            i += 2 + n
    return out


def _inband(extradata) -> bytes:
    """The avcC's SPS and PPS as length-prefixed NAL units, to put in front of a packet."""
    return b"".join(len(n).to_bytes(4, "big") + n for n in _parameter_sets(bytes(extradata)))


def _with_prefix(pk, prefix: bytes):
    import av

    if not prefix:
        return pk           # nothing to put in front: the demuxed packet itself (a copy cost 3 copies of its bytes)
    new = av.Packet(prefix + bytes(pk))
    new.pts, new.dts, new.time_base, new.is_keyframe = pk.pts, pk.dts, pk.time_base, pk.is_keyframe
    return new


def assemble(src: str | os.PathLike, middle: str | os.PathLike, dst: str | os.PathLike, plan: SplicePlan) -> Path:
    """Write ``dst``: src's packets before ``plan.start``, ``middle``'s packets, src's from ``plan.stop``, src's audio.

    ``middle`` is an MP4 of exactly ``plan.frames`` frames, x264 without B frames.
    """
    import av

    pm = plan.packets
    order = sorted(pm.pts)
    with av.open(str(src)) as inp, av.open(str(middle)) as mid:
        vin = inp.streams.video[0]
        vmid = mid.streams.video[0]
        if not _avcc_ok(vmid.codec_context.extradata):
            raise MediaError(f"{middle}: re-encoded segment is not length-prefixed H.264", "report this as a bug")
        inband = _inband(vmid.codec_context.extradata)
        src_inband = _inband(vin.codec_context.extradata)
        audio = inp.streams.audio[0] if inp.streams.audio else None
        with av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vout = out.add_stream_from_template(vin)
            aout = out.add_stream_from_template(audio) if audio is not None else None
            queue: list[tuple[float, object]] = []
            pos = 0
            for pk in inp.demux(*([vin] + ([audio] if audio is not None else []))):
                if pk.size == 0 or pk.dts is None:
                    continue
                if audio is not None and pk.stream.index == audio.index:
                    pk.stream = aout
                    queue.append((float(pk.dts * audio.time_base), pk))
                    continue
                if pos == plan.stop:
                    # the decoder holds the middle's parameter sets (same ids): give the source's back
                    pk = _with_prefix(pk, src_inband)
                if pos < plan.start or pos >= plan.stop:
                    pk.stream = vout
                    queue.append((float(pk.dts * vin.time_base), pk))
                pos += 1
            j = 0
            for pk in mid.demux(vmid):
                if pk.size == 0:
                    continue
                if j >= plan.frames:
                    raise MediaError(f"{middle}: more frames than the {plan.frames} planned", "report this as a bug")
                new = _with_prefix(pk, inband if j == 0 else b"")
                new.pts = order[plan.start + j]
                new.dts = pm.dts[plan.start + j]
                new.time_base = vin.time_base
                new.is_keyframe = j == 0 or bool(pk.is_keyframe)
                new.stream = vout
                queue.append((float(new.dts * vin.time_base), new))
                j += 1
            if j != plan.frames:
                raise MediaError(f"{middle}: {j} frames re-encoded, {plan.frames} planned", "report this as a bug")
            for _, pk in sorted(queue, key=lambda x: x[0]):
                out.mux(pk)
    return Path(dst)
