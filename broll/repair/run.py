"""Run a repair plan over one clip: decode once, rewrite only the planned ranges, re-encode, re-check.

Frames stream from the decoder to the encoder; only the windows the plan needs (a repair's range
plus its context) are held in memory, so a long clip with one glitch costs one window of frames.
Frames before the first repair (from the last mini-GOP boundary) and after the next closed keyframe
past the last repair are stream-copied in H.264 MP4s (:mod:`broll.media.splice`); the rest is
re-encoded at high quality (x264 preset ultrafast, CRF 5 for a web delivery, CRF 1 for a
master: :func:`reencode_settings`). Generated clips usually carry one keyframe, so in them everything
from the first repair to the end is re-encoded. A flicker or flash correction is applied to the
planar YUV frames themselves (:mod:`broll.repair.planar`), so no frame takes a chroma round trip.
The repaired copy is QC-checked before it is renamed into place.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from broll.errors import MediaError
from broll.repair.plan import Limits, Refusal, Step, parse_only, plan_repairs, segments, shake_step


@dataclass
class RepairResult:
    """What ``broll fix`` did to one clip."""

    path: str
    output: str | None
    verdict_before: str
    verdict: str                      # after repair (or unchanged when nothing was repaired)
    repairs: list[Step] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    findings: list = field(default_factory=list)      # the re-check's findings
    seconds: float = 0.0
    note: str = ""

    @property
    def still_regenerate(self) -> bool:
        return self.verdict == "regenerate"

    def to_dict(self) -> dict:
        return {"path": self.path, "output": self.output, "verdict_before": self.verdict_before,
                "verdict": self.verdict, "repairs": [s.to_dict() for s in self.repairs],
                "not_repaired": [r.to_dict() for r in self.refused],
                "findings": [f.to_dict() for f in self.findings], "seconds": round(self.seconds, 3),
                "note": self.note}


@dataclass
class Thumbs:
    """Small before/after frames of each repair for the contact sheet."""

    before: dict[int, np.ndarray] = field(default_factory=dict)
    after: dict[int, np.ndarray] = field(default_factory=dict)


def _thumb(img: np.ndarray, width: int = 240) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    return cv2.resize(img, (width, max(2, int(round(h * width / w)))), interpolation=cv2.INTER_AREA)


def _apply_step(step: Step, win: list[np.ndarray], base: int, fps: float,
                planes: list[np.ndarray] | None = None, codec=None) -> list[np.ndarray]:
    """Run one step over the window (frames ``base`` .. ``base + len(win) - 1``); fills ``step.measure``.

    With ``planes`` (the same frames as planar YUV, and the ``codec`` converting them) a light
    correction (flicker, flash) or a boil repair is applied to the planes in place and the BGR copies follow.
    """
    from broll.repair import measure as ms

    s, e = step.start - base, step.end - base
    if step.kind in ("glitch", "black", "freeze"):
        from broll.repair.interpolate import in_betweens

        lumas = [ms.small_luma(f) for f in win]
        if step.kind == "freeze":
            before = ms.repeated_frames(lumas, s, e)
        else:
            before = ms.peak_jump(lumas, s, e)
        new = in_betweens(win[s - 1], win[e + 1], e - s + 1)
        win = win[:s] + new + win[e + 1:]
        lumas = lumas[:s] + [ms.small_luma(f) for f in new] + lumas[e + 1:]
        if step.kind == "freeze":
            step.measure = {"name": "repeated_frames", "before": before, "after": ms.repeated_frames(lumas, s, e),
                            "unit": "frames"}
        else:
            step.measure = {"name": "peak_jump", "before": round(before, 2), "after": round(ms.peak_jump(lumas, s, e), 2),
                            "unit": "mean |dY|"}
        return win
    if step.kind in ("flicker", "flash"):
        from broll.repair.flicker import apply, plan_flicker, touched_frames

        small = None
        if planes is not None:
            from broll.repair.planar import small_bgr

            small = [small_bgr(p) for p in planes]
        best, method, before, after = plan_flicker(win, s, e, fps, step.scope or "global",
                                                   use_ffmpeg=step.kind == "flicker", strobe=step.kind == "flash",
                                                   small=small)
        step.method = method
        step.measure = {"name": "flicker_index", "before": round(before, 3), "after": round(after, 3), "unit": "%"}
        if best is None:
            return win
        touched = touched_frames(best)
        if planes is not None:
            # corrected on the planar frames themselves: no chroma round trip through BGR
            from broll.repair.planar import apply_i420

            for k in np.flatnonzero(touched):
                planes[k] = apply_i420(planes[k], best.gain[k], best.offset[k])
            return win          # the caller rebuilds the BGR frames from the planes
        return [apply(f, best.gain[i], best.offset[i]) if touched[i] else f for i, f in enumerate(win)]
    if step.kind == "boil":
        from broll.repair.boil import RADIUS, repair_boil

        # on the planar frames themselves when there are some: no frame is converted to BGR and back
        out, area, before, after, s1, e1 = repair_boil(planes if planes is not None else win, s, e,
                                                       planar=planes is not None)
        widened = f", frames {base + s1}-{base + e1}" if (s1, e1) != (s, e) else ""
        step.method = f"temporal-denoise {2 * RADIUS + 1} frames over {area:.0%} of the picture{widened}" if area \
            else "none (no shimmering cells found)"
        step.measure = {"name": "shimmer", "before": round(before, 3), "after": round(after, 3), "unit": "mean |dY|"}
        if planes is not None:
            planes[:] = out
            return win          # the caller rebuilds the BGR frames from the planes
        return out
    raise ValueError(step.kind)


# the re-encode stays this many CRF steps finer than the source's own x264 CRF, and never coarser than
# REPAIR_CRF (7): re-encoding a CRF 8 master at CRF 7 costs its untouched frames 0.2-0.7 dB, at CRF 2
# 0.04-0.33 (lavfi mandelbrot, noise-like detail, the worst); a CRF 20 delivery at CRF 7 0.05-0.12
MATCH_STEPS = 6
MIN_CRF = 1


def repair_crf(path: str | os.PathLike) -> int:
    """The x264 CRF to re-encode ``path``'s repaired part at: finer than the source's, when it says."""
    from broll.media.encoder_settings import x264_quality
    from broll.media.reencode import REPAIR_CRF

    q = x264_quality(path)
    if q is None:
        return REPAIR_CRF
    return int(max(MIN_CRF, min(REPAIR_CRF, round(q) - MATCH_STEPS)))


# x264 ultrafast (CAVLC, no deblocking, the simplest search) two CRF steps finer is closer to the frames
# than superfast at ~55-60% of its CPU, at 1.3x its bytes. 92 frames of a 1080p pan (a CRF 20 source),
# x264 CPU s / MB / PSNR against the frames given, under load: superfast CRF 7 5.2 / 26 / 54.7 dB,
# ultrafast CRF 5 3.0 / 36 / 55.7; superfast CRF 2 5.9 / 38 / 58.1, ultrafast CRF 1 3.5 / 51 / 59.3.
# Never CRF 0: lossless H.264 needs the High 4:4:4 Predictive profile, which browsers (the review
# page's player) do not play (docs/qc.md, Repair)
REENCODE_PRESET = "ultrafast"
ULTRAFAST_STEPS = 2


def reencode_settings(path: str | os.PathLike) -> tuple[str, int]:
    """x264 preset and CRF for the re-encoded part of ``path``'s repair."""
    return REENCODE_PRESET, max(MIN_CRF, repair_crf(path) - ULTRAFAST_STEPS)


def _planar_ok(info) -> bool:
    """Frames can stay planar YUV 4:2:0 end to end (no RGB round trip for untouched frames)."""
    return (info.rotation == 0 and info.width % 2 == 0 and info.height % 2 == 0
            and info.pix_fmt == "yuv420p" and info.bit_depth == 8)


@dataclass(frozen=True)
class Written:
    """What :func:`rewrite` wrote: ``frames`` in all; those before ``first_changed`` are the source's own packets."""

    frames: int
    first_changed: int


def rewrite(src: str | os.PathLike, dst: str | os.PathLike, steps: list[Step], info, *,
            thumbs: Thumbs | None = None, on_frame: Callable[[int], None] | None = None) -> Written:
    """Decode ``src``, apply ``steps`` (window by window), encode to ``dst``; what was written.

    8-bit 4:2:0 clips stay planar YUV from decoder to encoder: only frames a repair changes are
    converted to BGR and back (a BGR round trip of every frame would cost ~1.5 dB in chroma alone).
    An H.264 MP4 is re-encoded only from the last mini-GOP boundary before the first repair to the
    next closed keyframe after the last one (often the clip's end); the packets either side are
    copied (:mod:`broll.media.splice`), so the frames before a repair stay bit-exact and are
    neither converted nor encoded.
    """
    from broll.media.frames import iter_frames
    from broll.media.reencode import FrameSink

    fps = float(info.fps or 25)
    n = info.frame_count
    wins = segments(steps, n)
    planar = _planar_ok(info)
    codec = _Planar(info) if planar else _Packed()
    plan = None
    if planar and wins:
        from broll.media.splice import plan_splice, scan

        packets = scan(src)
        if packets is not None and packets.frames == n:
            # from the first frame a step can change, not from its window: a flicker reads 0.75 s of
            # context either side but tapers its correction over 6 frames only
            plan = plan_splice(packets, max(0, min(first_change(st) for st in steps)), wins[-1][1])
    wanted: set[int] = set()
    if thumbs is not None:
        for st in steps:
            lo, hi = max(0, st.start - 1), min(n - 1, st.end + 1)
            if st.kind == "flicker" and hi - lo + 1 > 8:
                # consecutive frames: an oscillation sampled sparsely would alias
                lo = max(lo, (st.start + st.end) // 2 - 4)
                hi = lo + 7
            idx = np.linspace(lo, hi, min(8, hi - lo + 1)).round().astype(int)
            wanted.update(int(i) for i in idx)
    fmt = "yuv420p" if planar else "bgr24"
    enc = reencode_settings(src)
    if plan is not None:
        try:
            plan = _rewrite_spliced(src, dst, plan, info, fmt, wins, steps, fps, thumbs, wanted, codec, on_frame, enc)
            return Written(plan.packets.frames, plan.start)
        except SpliceFailed:
            pass          # an irregular stream: re-encode it whole, as any other clip
    with FrameSink(dst, (info.width, info.height), fps, audio_from=src, info=info, pix_fmt=fmt,
                   preset=enc[0], crf=enc[1]) as sink:
        written = _stream(iter_frames(src, fmt=fmt), 0, sink, wins, steps, fps, thumbs, wanted, codec, on_frame)
        sink.close()
    return Written(written, 0)


class SpliceFailed(Exception):
    """The partial re-encode could not be put together; the caller re-encodes the whole clip."""


def _rewrite_spliced(src, dst, plan, info, fmt, wins, steps, fps, thumbs, wanted, codec, on_frame, enc):
    """Re-encode ``plan``'s frames to a middle file and splice it between the source's packets; the
    plan as carried out (its start can move later: :class:`_From`)."""
    import av

    from broll.media.frames import iter_frames
    from broll.media.reencode import FrameSink
    from broll.media.splice import assemble, plan_splice

    first = min(plan.start, wins[0][0])           # decoded from here: a window's context may start earlier
    t0 = plan.packets.seconds(max(0, first)) - 1e-6
    t1 = plan.packets.seconds(plan.stop) if plan.stop < plan.packets.frames else None
    middle = Path(dst).with_name(Path(dst).stem + ".middle.mp4")
    try:
        with FrameSink(middle, (info.width, info.height), fps, info=info, pix_fmt=fmt, bframes=0,
                       preset=enc[0], crf=enc[1], faststart=False) as sink:
            frames = iter_frames(src, fmt=fmt, end=t1, keep=lambda t: t >= t0)

            def replan(changed: int) -> int:
                # the frames from the planned start to the first one a repair changed are copied too
                nonlocal plan
                later = plan_splice(plan.packets, changed, wins[-1][1])
                if later is not None and later.stop == plan.stop and later.start >= plan.start:
                    plan = later
                return plan.start

            written = _stream(frames, max(0, first), sink, wins, steps, fps, thumbs, wanted, codec, on_frame,
                              write_from=_From(plan.start, replan))
            sink.close()
        if written != plan.frames:
            raise SpliceFailed(f"decoded {written} frames where {plan.frames} were planned")
        try:
            assemble(src, middle, dst, plan)
        except (av.error.FFmpegError, MediaError, ValueError) as exc:
            raise SpliceFailed(str(exc)) from None
    finally:
        middle.unlink(missing_ok=True)
    return plan


class _From:
    """The first frame written: those before it are the source's copied packets. Until a frame is
    written, ``replan`` (given the first frame a repair really changed) may move it later: the plan is
    made from the first frame a step *can* change (a boil repair may widen QC's span by up to 12
    frames), and every frame the repair left alone before the mini-GOP boundary below the first
    changed one is copied instead of encoded and re-checked."""

    def __init__(self, frame: int = 0, replan: Callable[[int], int] | None = None):
        self.frame, self.replan = frame, replan


def _stream(frames, base: int, sink, wins, steps, fps, thumbs, wanted, codec, on_frame,
            write_from: _From | None = None) -> int:
    """Write decoded frames (display frame ``base`` first) to ``sink``, repairing the windows.

    Frames before ``write_from`` are read (a window's context) but not written; returns frames written."""
    write_from = write_from or _From()
    buf: list[np.ndarray] = []
    seen = written = 0
    wi = 0
    for fr in frames:
        i = base + seen
        seen += 1
        img = fr.image
        while wi < len(wins) and i > wins[wi][1]:
            wi += 1
        if wi < len(wins) and wins[wi][0] <= i <= wins[wi][1]:
            buf.append(img)
            if i == wins[wi][1]:
                written += _flush(sink, buf, wins[wi], steps, fps, thumbs, wanted, codec, write_from)
                buf = []
            continue
        if i >= write_from.frame:
            sink.write(img)
            written += 1
        if on_frame:
            on_frame(i + 1)
    if buf:   # the clip ended inside a window (frame count was an estimate)
        lo = wins[wi][0]
        written += _flush(sink, buf, (lo, lo + len(buf) - 1), steps, fps, thumbs, wanted, codec, write_from)
    return written


def first_change(step: Step) -> int:
    """The first frame ``step`` can change: a flicker or flash correction tapers in over
    ``TAPER_FRAMES`` before its span, a boil repair widens QC's span by up to ``GROW`` frames a
    side; every other repair changes only its own range."""
    if step.kind in ("flicker", "flash"):
        from broll.repair.flicker import TAPER_FRAMES

        return step.start - TAPER_FRAMES
    if step.kind == "boil":
        from broll.repair.boil import GROW

        return step.start - GROW      # QC's span may cover part of the boil only: the repair widens it
    return step.start


class _Planar:
    planar = True

    def __init__(self, info):
        import cv2
        self.cv2 = cv2

    def to_bgr(self, img: np.ndarray) -> np.ndarray:
        return self.cv2.cvtColor(img, self.cv2.COLOR_YUV2BGR_I420)

    def from_bgr(self, img: np.ndarray) -> np.ndarray:
        return self.cv2.cvtColor(img, self.cv2.COLOR_BGR2YUV_I420)


class _Packed:
    planar = False

    def to_bgr(self, img: np.ndarray) -> np.ndarray:
        return img

    def from_bgr(self, img: np.ndarray) -> np.ndarray:
        return img


class _LazyBGR:
    """A window's frames as BGR, each converted from its planar frame when first asked for: a light
    correction (flicker, flash) works on small copies and the planar frames, so the full-size BGR
    of most frames is never needed."""

    def __init__(self, planes: list[np.ndarray], codec, known: dict[int, np.ndarray] | None = None):
        self.planes, self.codec, self.cache = planes, codec, dict(known or {})

    def __len__(self) -> int:
        return len(self.planes)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = k + len(self) if k < 0 else k
        if k not in self.cache:
            self.cache[k] = self.codec.to_bgr(self.planes[k])
        return self.cache[k]

    def __iter__(self):
        return (self[k] for k in range(len(self)))


def _flush(sink, raw, win, steps, fps, thumbs, wanted, codec, write_from: _From | None = None) -> int:
    lo, hi = win
    original = _LazyBGR(list(raw), codec)
    buf = original
    out = list(raw)          # what is written: the decoded frame until a step changes it
    for st in steps:
        if st.kind == "shake" or st.start < lo or st.end > hi:
            continue
        if st.kind in ("glitch", "black", "freeze") and (st.start - lo < 1 or hi - st.end < 1):
            continue
        if codec.planar and st.kind in ("flicker", "flash", "boil"):
            before = list(out)
            _apply_step(st, buf, lo, fps, planes=out, codec=codec)
            known = {k: v for k, v in buf.cache.items() if out[k] is before[k]} if isinstance(buf, _LazyBGR) else \
                {k: v for k, v in enumerate(buf) if out[k] is before[k]}
            buf = _LazyBGR(out, codec, known)
            out = list(out)
            continue
        new = _apply_step(st, list(buf), lo, fps)
        out = [o if n is b else codec.from_bgr(n) for o, n, b in zip(out, new, buf)]
        buf = new
    write_from = write_from or _From()
    if write_from.replan is not None and not getattr(sink, "frames", 0):
        changed = next((k for k in range(len(out)) if out[k] is not raw[k]), None)
        if changed is not None:
            write_from.frame = write_from.replan(lo + changed)
    write_from.replan = None
    written = 0
    for k in range(len(out)):
        if thumbs is not None and lo + k in wanted:
            thumbs.before[lo + k] = _thumb(original[k])
            thumbs.after[lo + k] = _thumb(buf[k])
        if lo + k < write_from.frame:
            if out[k] is not raw[k]:          # the copied packets hold this frame: it must not change
                raise SpliceFailed(f"frame {lo + k} changed before the re-encoded part ({write_from.frame})")
            continue
        # frames no step changed go out exactly as decoded
        sink.write(out[k])
        written += 1
    return written


def repair_clip(path: str | os.PathLike, out_dir: str | os.PathLike, *, profile="default",
                only: str | tuple[str, ...] | None = None, cache_root: str | os.PathLike | None = None,
                limits: Limits = Limits(), sheet_dir: str | os.PathLike | None = None,
                report=None, on_frame: Callable[[int], None] | None = None) -> RepairResult:
    """QC ``path`` (or use ``report``), repair what can be repaired, re-check, write ``out_dir/<name>``.

    A clip that needs nothing (pass or review with nothing repairable) is copied unchanged; a
    clip still ``regenerate`` with nothing repairable is not written (``output`` is None).
    """
    from broll.atomic import atomic_path
    from broll.media.probe import probe
    from broll.qc import load_profile

    t0 = time.perf_counter()
    src = Path(path)
    if not src.is_file():
        raise MediaError(f"{src}: file not found", "check the path")
    kinds = parse_only(only) if not isinstance(only, tuple) else only
    prof = load_profile(profile)
    info = probe(src)
    if info.kind != "video" and not info.animated:
        raise MediaError(f"{src}: not a video clip ({info.kind})", "broll fix takes video files")
    dst = Path(out_dir) / src.name
    if dst.resolve() == src.resolve():
        raise MediaError(f"{src}: the output would overwrite the input", "choose another -o folder")
    marks = None
    if report is None:
        from broll.repair.recheck import first_check

        report, marks = first_check(src, prof, cache_root, info.frame_count)
    steps, refused = plan_repairs(report.findings, info.frame_count, float(info.fps or 25), only=kinds, limits=limits)
    steps, refused = _fits_in_memory(steps, refused, info)
    if info.animated and (steps or "shake" in kinds):
        # an animated image that needs nothing is copied like any clip; one that needs a repair is
        # refused here, once QC has said what it needs
        needs = ", ".join(sorted({st.kind for st in steps})) or "shake"
        raise MediaError(f"{src}: needs a repair ({needs}), and broll fix repairs video files, not animated images",
                         "convert it to MP4 first (e.g. `broll export CLIP --preset ...`), then fix that")
    jitter_note = ""
    if "shake" in kinds:
        from broll.repair.shake import jitter

        before_jitter = jitter(src)
        if before_jitter >= limits_jitter():
            st = shake_step(info.frame_count)
            st.measure = {"name": "jitter", "before": round(before_jitter, 3), "unit": "px at 320 px"}
            steps.append(st)
        else:
            jitter_note = f"shake: jitter {before_jitter:.2f} px is below {limits_jitter()} px, not stabilised"
    result = RepairResult(str(src), None, report.verdict, report.verdict, steps, refused,
                          list(report.findings), note=jitter_note)
    if not steps:
        if report.verdict != "regenerate":
            with atomic_path(dst) as tmp:
                shutil.copyfile(src, tmp)
            result.output = str(dst)
        result.seconds = time.perf_counter() - t0
        return result
    thumbs = Thumbs() if sheet_dir else None
    with atomic_path(dst) as tmp:
        frame_steps = [s for s in steps if s.kind != "shake"]
        shake = [s for s in steps if s.kind == "shake"]
        first_changed = 0
        if frame_steps:
            first_changed = rewrite(src, tmp, frame_steps, info, thumbs=thumbs, on_frame=on_frame).first_changed
        if shake:
            from broll.media.reencode import stabilise
            from broll.repair.shake import jitter

            base = tmp if frame_steps else src
            stab = tmp.with_name(tmp.stem + ".stab" + tmp.suffix)
            try:
                stabilise(base, stab, info=info, smoothing=max(5, int(round(float(info.fps or 25) * 0.66))))
                os.replace(stab, tmp)
            finally:
                stab.unlink(missing_ok=True)
            shake[0].measure["after"] = round(jitter(tmp), 3)
        from broll.repair.recheck import recheck

        # frames before the first re-encoded one are the source's packets: measured once, in the first pass
        after = recheck(tmp, prof, cache_root, None if shake else marks, first_changed)
    result.verdict = after.verdict
    result.findings = list(after.findings)
    result.output = str(dst)
    from broll.hashing import file_sha256
    from broll.repair.record import write_record

    write_record(result, file_sha256(src), file_sha256(dst))
    if sheet_dir and thumbs is not None:
        from broll.repair.sheet import write_sheet

        sheet = write_sheet(result, thumbs, Path(sheet_dir) / f"{src.stem}.fix.png")
        result.note = (result.note + "; " if result.note else "") + f"sheet: {sheet}"
    result.seconds = time.perf_counter() - t0
    return result


MAX_WINDOW_BYTES = 2_000_000_000


def _fits_in_memory(steps: list[Step], refused: list[Refusal], info) -> tuple[list[Step], list[Refusal]]:
    """A repair holds its window of frames (decoded + BGR copies) in memory: refuse one that would not fit."""
    per_frame = info.width * info.height * 3 * 2.5
    keep = []
    for st in steps:
        a, b = st.window
        frames = min(b, info.frame_count - 1) - max(0, a) + 1
        if st.kind != "shake" and frames * per_frame > MAX_WINDOW_BYTES:
            refused.append(Refusal(st.kind, st.start, st.end, f"{frames} frames of {info.width}x{info.height} "
                                                              "are too many to hold for one repair; regenerate"))
        else:
            keep.append(st)
    return keep, refused


def limits_jitter() -> float:
    from broll.repair.shake import MIN_JITTER

    return MIN_JITTER
