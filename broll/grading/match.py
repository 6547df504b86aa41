"""Match a clip to a style reference: shots -> robust pools -> one fit per shot -> baked LUTs.

See :mod:`broll.grading` for the public API this implements.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from broll.errors import InputError, MediaError
from broll.grading import cache
from broll.grading.color import rgb_to_lab
from broll.grading.correspond import correspondences, warp_pairs
from broll.grading.fit import (DEFAULT_METHOD, DEFAULT_STRENGTH, MAX_CHANGE, ShotFit, fit_paired, fit_shot,
                               get_method, is_paired)
from broll.grading.lut import LOOK_HINT, bake, read_cube, shot_filter, write_cube
from broll.grading.transforms import Chain, TableLUT
from broll.grading.yuvfast import fit_chain, matrix_for
from broll.grading.pixels import MAX_POOL, PixelPool, pool
from broll.grading.scene import registered_pixels, same_scene
from broll.grading.shots import Shot, scan, shots_from_cuts, split_shots
from broll.hashing import file_sha256
from broll.media.frames import iter_frames, read_image, sample_frames
from broll.media.probe import MediaInfo, probe

FIT_WIDTH = 384
FRAMES_PER_SHOT = 12      # 8-16 frames across each shot
MIN_FRAMES, MAX_FRAMES = 8, 16
REGISTERED_FRAME_PAIRS = 4   # frame pairs (most matched features first) registered for a same-scene fit
SINGLE_PASS_FRAMES = 360  # clips up to this many frames are decoded once (about 90 MB at 384 px)
LOG_TRANSFERS = {"log", "log100", "log316", "log_sqrt"}


@dataclass
class ShotGrade:
    index: int
    start: float          # seconds from the clip's start
    end: float
    start_frame: int
    end_frame: int
    lut: str              # path of the shot's .cube
    fit: dict             # ShotFit.summary(): method used, strength, safeguards, dE00 before/after, change
    fast: dict | None = None   # FastFit.summary(): the YUV stand-in and its dE00 to the exact LUT, if any


@dataclass
class GradeResult:
    clip: str
    reference: str
    method: str
    strength: float
    shots: list[ShotGrade]
    mean_lab_before: list[float]      # the clip's mean L*a*b* (robust pixels), before and after
    mean_lab_after: list[float]
    reference_mean_lab: list[float]
    bit_depth: int = 8
    cached: bool = False
    fit_seconds: float = 0.0          # statistics + fit + bake, all shots
    fit_cpu_seconds: float = 0.0      # ... in CPU seconds of this process (steadier than wall time under load)
    analysis_seconds: float = 0.0     # everything, including decoding and cut detection
    key: str = ""

    # -- summaries weighted by shot length
    def _weighted(self, name: str) -> float:
        weights = np.array([max(1, s.end_frame - s.start_frame) for s in self.shots], dtype=float)
        values = np.array([s.fit[name] for s in self.shots], dtype=float)
        return float((weights * values).sum() / weights.sum())

    @property
    def de_before(self) -> float:
        return self._weighted("de_before")

    @property
    def de_after(self) -> float:
        return self._weighted("de_after")

    @property
    def change(self) -> float:
        return self._weighted("change")

    @property
    def safeguards(self) -> list[str]:
        seen: list[str] = []
        for s in self.shots:
            for g in s.fit["safeguards"]:
                if g not in seen:
                    seen.append(g)
        return seen

    @property
    def methods_used(self) -> list[str]:
        return sorted({s.fit["method"] for s in self.shots})

    def ffmpeg_filter(self, start: float = 0.0, end: float | None = None, speed: float = 1.0,
                      apply: str = "exact") -> str:
        """The video filter chain that applies this grade, to insert after the clip's trim.

        ``start``/``end`` are the trimmed segment's bounds in the clip's own seconds; the
        chain assumes timestamps restart at 0 at ``start`` (``setpts=PTS-STARTPTS``) and run
        ``speed`` times faster than the clip's. ``apply``: ``exact`` bakes nothing new (the
        shots' LUTs, ending in ``gbrp16le``); ``auto`` uses the YUV stand-in when every shot in
        the span has one within tolerance; ``fast`` whenever one exists. The caller converts to
        its output pixel format afterwards.
        """
        chosen = [s for s in self.shots if s.end > start and (end is None or s.start < end)] or self.shots[:1]
        windows = []
        for i, s in enumerate(chosen):
            lo = None if i == 0 else (s.start - start - 0.5 / self._fps(s)) / speed
            hi = None if i == len(chosen) - 1 else (s.end - start - 0.5 / self._fps(s)) / speed
            windows.append((s, lo, hi))
        if self._use_fast(chosen, apply):
            from broll.grading.yuvfast import YuvChain
            parts = []
            for s, lo, hi in windows:
                terms = ([f"gte(t,{lo:.6f})"] if lo is not None else []) + ([f"lt(t,{hi:.6f})"] if hi is not None else [])
                parts.append(YuvChain.from_dict(s.fast["chain"]).ffmpeg_filter(enable="*".join(terms) or None))
            return ",".join(parts)
        return shot_filter([(s.lut, lo, hi) for s, lo, hi in windows])

    @staticmethod
    def _use_fast(shots: list[ShotGrade], apply: str) -> bool:
        if apply not in ("auto", "exact", "fast"):
            raise InputError(f"unknown apply mode {apply!r}", "use auto, exact or fast")
        if apply == "exact" or not all(s.fast for s in shots):
            return False
        from broll.grading.yuvfast import MAX_MEAN_DE, MAX_P95_DE
        # judged from the stored figures, not a stored verdict: cached fits follow a changed gate
        return apply == "fast" or all(s.fast["mean_de"] <= MAX_MEAN_DE and s.fast["p95_de"] <= MAX_P95_DE
                                      for s in shots)

    def applied_as(self, apply: str = "auto") -> str:
        """``lut3d`` or ``yuv`` for the whole clip under ``apply`` (reports and tests)."""
        return "yuv" if self._use_fast(self.shots, apply) else "lut3d"

    @staticmethod
    def _fps(s: ShotGrade) -> float:
        return (s.end_frame - s.start_frame) / max(s.end - s.start, 1e-9)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(de_before=round(self.de_before, 3), de_after=round(self.de_after, 3),
                 change=round(self.change, 3), safeguards=self.safeguards, methods_used=self.methods_used)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GradeResult":
        fields = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        fields["shots"] = [ShotGrade(**s) for s in d["shots"]]
        return cls(**fields)


@dataclass
class Reference:
    """A style reference (image or clip) reduced to what fitting needs."""

    path: str
    sha256: str
    pool: PixelPool
    image: np.ndarray          # first frame at fit width, for paired-mode detection
    mean_lab: np.ndarray
    images: list = field(default_factory=list)   # every pooled frame/still at fit width (scene checks)
    parts: list = field(default_factory=list)    # pixels per reference *still* (a look book has several)
    features: dict = field(default_factory=dict, repr=False)   # structure features per image, found once (scene checks)


def reference_from_images(images: list[np.ndarray], path: str = "<images>", sha256: str = "", *,
                          stills: bool = True) -> Reference:
    """A Reference from decoded frames (uint8/uint16 RGB at fit width).

    ``stills``: each image is a separate still (a look book: its tint and saturation are measured
    per still); False for frames sampled from one reference clip (one source).
    """
    if stills and len(images) > 1:
        # stills of a look book may differ in size and framing: pool each on its own
        pools = [pool([im]) for im in images]
        parts = [q.rgb for q in pools]
        merged = np.concatenate(parts)
        if len(merged) > MAX_POOL:
            merged = merged[np.linspace(0, len(merged) - 1, MAX_POOL).astype(int)]
        p = PixelPool(rgb=merged, box=pools[0].box, total=sum(q.total for q in pools))
    else:
        p = pool(images)
        parts = [p.rgb]
    return Reference(path, sha256, p, images[0],
                     rgb_to_lab(p.rgb[:: max(1, len(p.rgb) // 40000)]).mean(axis=0) if len(p.rgb) else np.zeros(3),
                     list(images), parts)


def fit_images(images: list[np.ndarray], ref: Reference, *, method: str = DEFAULT_METHOD,
               strength: float = DEFAULT_STRENGTH, max_change: float = MAX_CHANGE,
               first: np.ndarray | None = None, paired: bool | None = None,
               src_pool: PixelPool | None = None) -> ShotFit:
    """Fit one shot from its sampled frames: what :func:`match` does per shot, without decoding.

    ``first`` is the clip's frame 0 when this is its first shot (paired-mode detection);
    ``src_pool`` the frames' pool when the caller has made it already.
    """
    core = None
    if first is not None and paired is not False and (paired or is_paired(first, ref.image)):
        core = fit_paired(first, ref.image)
    scene, registered, pairs = None, None, None
    if core is None and method != "balance":
        scene = same_scene(images, ref.images or [ref.image], ref.features if ref.images else None)
        if scene.same:
            # the best-matched frame pairs carry the evidence; more add time, not accuracy
            best = replace(scene, pairs=scene.pairs[:REGISTERED_FRAME_PAIRS])
            refs = ref.images or [ref.image]
            warps = warp_pairs(images, refs, best.pairs)      # each frame pair warped once, used twice
            registered = registered_pixels(images, refs, best, warps=warps)
            src_pairs, ref_pairs, tiles, _ = correspondences(images, refs, best.pairs, warps=warps)
            pairs = (src_pairs, ref_pairs, tiles)
    return fit_shot(src_pool if src_pool is not None else pool(images), ref.pool, method=method, strength=strength, max_change=max_change, core=core,
                    scene=scene, registered=registered, ref_parts=ref.parts or None, pairs=pairs)


def _frame_format(info: MediaInfo) -> str:
    return "rgb48le" if info.bit_depth > 8 else "rgb24"


def check_sdr(path: str | os.PathLike, info: MediaInfo) -> None:
    """Refuse HDR and log footage: a display-referred Rec.709 grade would be wrong for it."""
    if info.kind == "audio":
        raise MediaError(f"{path}: has no picture to grade", "pass a video clip or an image")
    if info.is_hdr:
        curve = {"smpte2084": "PQ (HDR10)", "arib-std-b67": "HLG"}.get(info.color_transfer, info.color_transfer)
        raise MediaError(f"{path}: is HDR ({curve} transfer); broll grade matches SDR Rec.709 only",
                         "convert it to SDR Rec.709 first (tone-map), or leave it ungraded")
    if info.color_transfer in LOG_TRANSFERS:
        raise MediaError(f"{path}: is tagged as log footage ({info.color_transfer}); broll grade matches SDR Rec.709 only",
                         "apply the camera's log-to-Rec.709 LUT first")


IMAGE_EXT = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".exr", ".dpx"}
MAX_BOOK = 24             # stills of a look book used (evenly picked when there are more)


def _is_single(reference) -> bool:
    return isinstance(reference, (str, os.PathLike)) and not Path(reference).is_dir()


def reference_paths(reference) -> list[Path]:
    """The files a reference reads: the image or clip itself, or a look book's stills (a folder or a list)."""
    return [Path(reference)] if _is_single(reference) else _book_paths(reference)


def _book_paths(reference) -> list[Path]:
    if isinstance(reference, (str, os.PathLike)):
        folder = Path(reference)
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXT and p.is_file())
        if not paths:
            raise InputError(f"{folder}: no reference images in this folder",
                             "put .png/.jpg stills of the look in it, or pass one image or clip")
    else:
        paths = [Path(p) for p in reference]
        if not paths:
            raise InputError("no reference given", "pass --reference with an image, a clip or a folder of stills")
    if len(paths) > MAX_BOOK:
        paths = [paths[int(i)] for i in np.linspace(0, len(paths) - 1, MAX_BOOK).round()]
    return paths


def load_reference(path) -> Reference:
    """Pool a reference: a still image, frames sampled across a reference clip, or a look book
    (a folder of stills or a list of images/clips; each is one still of the look).

    Memoised on (path, size, mtime): a build grading many clips against one reference pools it once.
    """
    if not _is_single(path) or isinstance(path, (list, tuple)):
        paths = [path] if _is_single(path) else _book_paths(path)
        if len(paths) == 1:
            return load_reference(paths[0])
        loaded = [load_reference(p) for p in paths]
        images = [r.images[0] if r.images else r.image for r in loaded]
        from broll.hashing import text_sha256
        label = str(path) if isinstance(path, (str, os.PathLike)) else f"look book of {len(paths)}"
        ref = reference_from_images(images, label, text_sha256("book", *[r.sha256 for r in loaded]))
        ref.parts = [r.pool.rgb for r in loaded]
        return ref
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return _load_reference(path)      # probe() names the problem
    return _load_reference_cached(str(p.resolve()), st.st_size, st.st_mtime_ns, str(path))


@lru_cache(maxsize=8)
def _load_reference_cached(resolved: str, size: int, mtime_ns: int, shown: str) -> Reference:
    return _load_reference(shown)


def _load_reference(path: str | os.PathLike) -> Reference:
    info = probe(path)
    check_sdr(path, info)
    fmt = _frame_format(info)
    if info.is_still:
        images = [read_image(path, width=FIT_WIDTH, fmt=fmt)]
    else:
        images = [f.image for f in sample_frames(path, FRAMES_PER_SHOT, width=FIT_WIDTH, fmt=fmt)]
    if not images:
        raise MediaError(f"{path}: no frame could be decoded from the reference")
    p = pool(images)
    if len(p.rgb) < 500:
        raise MediaError(f"{path}: the reference is almost entirely black or blown out",
                         "pick a reference image with visible colour")
    return reference_from_images(images, str(path), file_sha256(path), stills=False)


def _shot_images(path, info: MediaInfo, shot: Shot, fmt: str) -> list[np.ndarray]:
    if info.is_still:
        return [read_image(path, width=FIT_WIDTH, fmt=fmt)]
    count = int(np.clip(min(FRAMES_PER_SHOT, shot.frames), 1, MAX_FRAMES))
    frames = sample_frames(path, count, width=FIT_WIDTH, fmt=fmt, start=shot.start, end=shot.end)
    if not frames:
        frames = sample_frames(path, count, width=FIT_WIDTH, fmt=fmt)
    return [f.image for f in frames]


def _kept_images(kept: list, shot: Shot) -> list[np.ndarray]:
    """8-16 frames spread across the shot, picked from the single decode pass."""
    inside = [f for f in kept if shot.start_frame <= f.index < shot.end_frame]
    if not inside:
        return [min(kept, key=lambda f: abs(f.index - shot.start_frame)).image]
    count = int(np.clip(min(FRAMES_PER_SHOT, len(inside)), 1, MAX_FRAMES))
    margin = 0.04 * (len(inside) - 1)
    picks = np.unique(np.round(np.linspace(margin, len(inside) - 1 - margin, count)).astype(int))
    return [inside[i].image for i in picks]


@lru_cache(maxsize=1)
def _uncached_lut_dir() -> Path:
    """One scratch folder per process for the LUTs of grades made without ``cache_root``.

    The result's LUT paths must outlive ``match()`` for the caller to apply them, so the folder
    is removed when the process exits (one folder per call used to be left behind for good).
    """
    folder = Path(tempfile.mkdtemp(prefix="broll-grade-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def match(clip: str | os.PathLike, reference: str | os.PathLike | Reference, *, method: str = DEFAULT_METHOD,
          strength: float = DEFAULT_STRENGTH, cache_root: str | os.PathLike | None = None,
          max_change: float = MAX_CHANGE, paired: bool | None = None, detect_cuts: bool = True,
          look: str | os.PathLike | None = None) -> GradeResult:
    """Grade ``clip`` towards ``reference``: one LUT per shot, cached under ``cache_root``.

    ``reference``: an image, a clip, a folder of stills or a list of them (a look book), or a
    loaded :class:`Reference`. ``look``: a ``.cube`` the team already owns, applied after the
    match (baked into the same LUT). ``max_change`` caps different-content grades (dE00).

    ``paired``: None detects image-to-video clips whose first frame is the reference;
    True/False forces paired mode on/off.
    """
    t0 = time.perf_counter()
    get_method(method)
    if not 0.0 <= strength <= 1.0:
        raise InputError(f"strength {strength} is out of range", "use a value from 0 (no change) to 1 (full match)")
    info = probe(clip)
    check_sdr(clip, info)
    # the cache is keyed by content hashes, so a hit needs neither the reference's pixels nor
    # colour-science: a rebuild with unchanged clips costs two file hashes per clip
    if not isinstance(reference, Reference) and not _is_single(reference):
        reference = load_reference(reference)
    ref_path = str(reference.path) if isinstance(reference, Reference) else str(reference)
    ref_sha = reference.sha256 if isinstance(reference, Reference) else file_sha256(reference)
    clip_sha = file_sha256(clip)
    if max_change is None or max_change <= 0:
        raise InputError(f"max_change {max_change} must be a positive number of dE00", "use e.g. 5 (the default)")
    look_lut, look_sha = None, ""
    if look is not None:
        if not Path(look).is_file():
            raise InputError(f"{look}: look LUT not found", "pass the path of a .cube file")
        look_sha = file_sha256(look)
    options = {"max_change": max_change, "paired": paired, "cuts": detect_cuts, "look": look_sha}
    key = cache.cache_key(clip_sha, ref_sha, method, strength, options)
    if cache_root is not None:
        hit = cache.load(cache_root, key)
        if hit is not None and all(Path(s["lut"]).is_file() for s in hit.get("shots", [])):
            result = GradeResult.from_dict(hit)
            result.clip, result.reference, result.cached = str(clip), ref_path, True
            result.analysis_seconds = time.perf_counter() - t0
            return result
    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    if look is not None:
        look_lut = read_cube(look, hint=LOOK_HINT)
    if cache_root is not None:
        out_dir = cache.lut_dir(cache_root)
    else:
        out_dir = _uncached_lut_dir()

    fmt = _frame_format(info)
    # the YUV stand-in runs on 8-bit limited-range video only; everything else keeps the exact LUT
    yuv_matrix = (matrix_for(info.color_space) if info.bit_depth == 8 and not info.is_still
                  and info.color_range in ("", "tv", "unknown") and info.pix_fmt in ("yuv420p", "yuv422p", "yuv444p")
                  else None)
    kept: list = []
    if detect_cuts and not info.is_still and info.frame_count <= SINGLE_PASS_FRAMES:
        # one decode pass at fit width serves cut detection and sampling
        cuts, decoded, kept = scan(clip, info, width=FIT_WIDTH, fmt=fmt, keep=SINGLE_PASS_FRAMES)
        shots = shots_from_cuts(cuts, max(decoded, info.frame_count, 1), float(info.fps or 25))
    else:
        shots = split_shots(clip, info, detect=detect_cuts)
    fit_time = fit_cpu = 0.0
    graded: list[ShotGrade] = []
    labs_before, labs_after = [], []
    for shot in shots:
        images = _kept_images(kept, shot) if kept else _shot_images(clip, info, shot, fmt)
        t1, c1 = time.perf_counter(), time.process_time()
        src = pool(images)
        first = None
        if shot.index == 0 and paired is not False:
            if info.is_still or (kept and kept[0].index == 0):
                first = images[0] if info.is_still else kept[0].image
            else:
                first = next(iter_frames(clip, width=FIT_WIDTH, fmt=fmt)).image
        fitted: ShotFit = fit_images(images, ref, method=method, strength=strength, max_change=max_change,
                                     first=first, paired=paired, src_pool=src)
        final = fitted.transform if look_lut is None else Chain((fitted.transform, TableLUT(look_lut)), name="graded+look")
        lut = bake(final, comments=[f"broll grade: {Path(clip).name} shot {shot.index} -> {Path(ref.path).name}",
                                    f"method {fitted.method} strength {fitted.strength:.3f}"
                                    + (f" then look {Path(look).name}" if look else "")])
        lut_path = write_cube(lut, out_dir / f"{key[:20]}-shot{shot.index}.cube")
        fast = None
        if yuv_matrix is not None and len(src.rgb):
            fast = fit_chain(final, src.rgb, yuv_matrix).summary()
        fit_time += time.perf_counter() - t1
        fit_cpu += time.process_time() - c1
        sample = src.rgb[:: max(1, len(src.rgb) // 20000)]
        if len(sample):
            weight = shot.frames
            labs_before.append((weight, rgb_to_lab(sample).mean(axis=0)))
            labs_after.append((weight, rgb_to_lab(final(sample)).mean(axis=0)))
        graded.append(ShotGrade(shot.index, shot.start, shot.end if not info.is_still else 0.0,
                                shot.start_frame, shot.end_frame, str(lut_path), fitted.summary(), fast))

    def weighted(pairs) -> list[float]:
        if not pairs:
            return [0.0, 0.0, 0.0]
        w = np.array([p[0] for p in pairs], dtype=float)
        return [float(v) for v in (np.array([p[1] for p in pairs]) * w[:, None]).sum(axis=0) / w.sum()]

    result = GradeResult(clip=str(clip), reference=str(ref.path), method=method, strength=strength, shots=graded,
                         mean_lab_before=weighted(labs_before), mean_lab_after=weighted(labs_after),
                         reference_mean_lab=[float(v) for v in ref.mean_lab], bit_depth=info.bit_depth,
                         fit_seconds=fit_time, fit_cpu_seconds=fit_cpu, analysis_seconds=time.perf_counter() - t0, key=key)
    if cache_root is not None:
        cache.store(cache_root, key, clip_sha, ref.sha256, method, strength, result.to_dict())
    return result
