"""Timeline + Preset -> the FFmpeg graphs and argv the build runs (picture, sound, loudness pass 1, mux). Pure.

Exactness comes from the graph's shape, not from trusting sources:
- video: every item ends in ``tpad`` (clone) + ``trim=end_frame=N``, so it is exactly N
  output frames whatever the source's length, rate or timestamps;
- audio: every item ends in ``apad=whole_len=S`` + ``atrim=end_sample=S`` with S taken from
  the same frame positions (``Timeline.sample_at``), crossfades use exact sample counts, so
  audio equals video to the sample and cannot drift across any number of items;
- transitions overlap by whole frames (``xfade``) and the matching samples (``acrossfade``).
Each item's chain starts with its decode/trim, then an optional extra filter (a grade's
``lut3d``), speed, fit, rate, text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from broll.assemble.retime import chain as retime_chain
from broll.assemble.timeline import Item, Timeline
from broll.filtergraph import BT709_TAGS, Graph, blur_fill, ffcolor, fit_filters, num, opt, rate, timebase, to_bt709
from broll.loudness import Loudness, loudnorm_filter
from broll.templates.presets import Preset

MICRO_FADE_SECONDS = Fraction(1, 100)     # 10 ms at hard cuts: no clicks
KEN_BURNS_ZOOM = Fraction(115, 100)       # how far zoom-in/out and pans travel
KEN_BURNS_OVERSCALE = 2                    # work at 2x so zoompan's integer steps don't jitter
DUCK = "threshold=0.03:ratio=8:attack=15:release=350:makeup=1"


@dataclass(frozen=True)
class RenderPlan:
    """Everything needed to run one output: input args, the graph, output args."""
    inputs: tuple[tuple[str, ...], ...]
    filter_complex: str
    output_args: tuple[str, ...]
    frames: int
    samples: int
    duration: Fraction

    def argv(self, output: str) -> list[str]:
        args: list[str] = ["-y"]
        for spec in self.inputs:
            args += list(spec)
        args += ["-filter_complex", self.filter_complex]
        return args + list(self.output_args) + [str(output)]

    def command(self, output: str, ffmpeg: str = "ffmpeg") -> str:
        import shlex
        return shlex.join([ffmpeg, "-hide_banner", *self.argv(output)])


# ------------------------------------------------------------------ inputs

def _input_for(item: Item) -> tuple[str, ...]:
    src = item.source
    assert src is not None
    if item.kind == "clip":
        args: list[str] = []
        fps = src.fps or Fraction(30)
        seek = Fraction(0)
        if item.src_in > 0:
            # land half a frame before `in`: the first frame kept is exactly the one at `in`
            seek = max(Fraction(0), item.src_in - Fraction(1, 2) / fps)
            args += ["-ss", num(seek)]
        args += ["-t", num(item.src_out - seek + 2 / fps), "-i", src.path]
        return tuple(args)
    if src.animated or src.kind == "video":
        return ("-stream_loop", "-1", "-i", src.path)
    return ("-i", src.path)


def _seek_offset(item: Item) -> Fraction:
    """Seconds between the input's (seeked) start and the frame at `in` (for the audio trim)."""
    if item.kind != "clip" or item.src_in <= 0:
        return Fraction(0)
    fps = item.source.fps or Fraction(30)
    return item.src_in - max(Fraction(0), item.src_in - Fraction(1, 2) / fps)


# ------------------------------------------------------------------ video

def _fit(g: Graph, label: str, pre: list[str], mode: str, w: int, h: int, tag: str) -> tuple[str, list[str]]:
    """Apply ``pre`` then the fit; returns (label, pending filters) so callers keep chaining."""
    if mode != "blur":
        return label, pre + fit_filters(mode, w, h)
    g.extend(blur_fill(label, f"{tag}fit", w, h, pre=pre))
    return f"{tag}fit", []


def _font_size(frac: float, text: str, tl: Timeline) -> int:
    top, right, bottom, left = tl.safe_zone
    safe_w = tl.width * (1 - left - right)
    longest = max((len(line) for line in text.splitlines()), default=1) or 1
    by_height = tl.height * frac
    by_width = safe_w / (0.62 * longest)       # DejaVu Sans Bold averages ~0.6 em per glyph
    return max(8, int(min(by_height, by_width)))


def drawtext(text: str, tl: Timeline, *, position: str, size: float, color: str,
             start: int | None = None, end: int | None = None, y_shift: float = 0.0) -> str:
    """A drawtext filter centred in the safe zone, timed by output frame number ``n``."""
    top, right, bottom, left = tl.safe_zone
    x0, x1 = int(tl.width * left), int(tl.width * (1 - right))
    y0, y1 = int(tl.height * top), int(tl.height * (1 - bottom))
    fs = _font_size(size, text, tl)
    shift = int(tl.height * y_shift)
    y = {"top": f"{y0 + shift}", "bottom": f"{y1 + shift}-th",
         "center": f"({y0 + y1})/2-th/2+{shift}"}[position]
    parts = [f"fontfile={opt(tl.font)}" if tl.font else "", f"text={opt(text)}", "expansion=none",
             f"fontsize={fs}", f"fontcolor={opt(ffcolor(color))}", f"x={x0}+({x1 - x0}-tw)/2", f"y={opt(y)}",
             "shadowx=2", "shadowy=2", "shadowcolor=black@0.6"]
    if start is not None and (start > 0 or end is not None):
        last = f"{end - 1}" if end is not None else "1e9"
        parts.append(f"enable={opt(f'between(n,{start},{last})')}")
    return "drawtext=" + ":".join(p for p in parts if p)


def _exact_frames(n: int) -> list[str]:
    return ["tpad=stop=-1:stop_mode=clone", f"trim=end_frame={n}", "setpts=PTS-STARTPTS"]


def _video_item(g: Graph, tl: Timeline, index: int, item: Item, input_index: int | None) -> str:
    w, h, fps = tl.width, tl.height, tl.fps
    tag = f"v{index}"
    texts = [drawtext(t.value, tl, position=t.position, size=t.size or 0.055, color=t.color,
                      start=t.start, end=t.end) for t in item.texts]
    tail = ["setsar=1", "format=yuv420p", *texts, *_exact_frames(item.frames)]
    if item.kind == "title":
        filters = [f"color=c={opt(ffcolor(item.background))}:s={w}x{h}:r={rate(fps)}:d={num(Fraction(item.frames) / fps)}",
                   "format=yuv420p", *item_extra(item),
                   drawtext(item.title, tl, position="center", size=item.size or 0.09, color=item.color)]
        if item.subtitle:
            filters.append(drawtext(item.subtitle, tl, position="top", size=(item.size or 0.09) * 0.45,
                                    color=item.color, y_shift=0.5 - tl.safe_zone[0] + 0.03))
        return g.add([], filters + tail, tag)
    src = item.picture or item.source          # a pre-rendered picture is already trimmed, timed and retimed
    assert src is not None and input_index is not None
    speed = item.speed if item.picture is None else 1
    head = [f"setpts=(PTS-STARTPTS)/{num(speed)}" if speed != 1 else "setpts=PTS-STARTPTS",
            *item_extra(item), *to_bt709(src.colour, src.full_range, rgb=_grade_in_rgb(item), tagged=src.tagged)]
    if src.sar != 1:
        head.append("scale=trunc(iw*sar/2)*2:ih")
    head.append("setsar=1")
    label = f"{input_index}:v"
    if item.kind == "image" and not (src.animated or src.kind == "video"):
        if item.motion == "none":
            label, pending = _fit(g, label, head, item.fit, w, h, tag)
            pending += ["loop=loop=-1:size=1", f"settb={timebase(fps)}", "setpts=N", f"fps={rate(fps)}"]
            return g.add([label], pending + tail, tag)
        k = KEN_BURNS_OVERSCALE
        label, pending = _fit(g, label, head, item.fit, w * k, h * k, tag)
        pending.append(ken_burns(item.motion, item.frames, w, h, fps))
        return g.add([label], pending + tail, tag)
    # clips, GIFs and videos used as images: to the output rate (retime.py), on the cheaper side
    rate_filters, first = retime_chain(item, w, h, fps)
    if first:
        head += rate_filters
        label, pending = _fit(g, label, head, item.fit, w, h, tag)
    else:
        label, pending = _fit(g, label, head, item.fit, w, h, tag)
        pending += rate_filters
    return g.add([label], pending + tail, tag)


def item_extra(item: Item) -> list[str]:
    return [item.video_filter] if item.video_filter else []


def _grade_in_rgb(item: Item) -> bool:
    """An exact grade (``lut3d``, see ``broll.grading.lut.shot_filter``) leaves the picture in RGB."""
    return "lut3d=" in item.video_filter


def ken_burns(motion: str, frames: int, w: int, h: int, fps: Fraction) -> str:
    """zoompan over a still fitted at 2x: one input frame becomes ``frames`` output frames."""
    z = num(KEN_BURNS_ZOOM)
    span = max(1, frames - 1)
    p = f"on/{span}"
    centre_x, centre_y = "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"
    zoom, x, y = {
        "zoom-in": (f"1+({z}-1)*{p}", centre_x, centre_y),
        "zoom-out": (f"{z}-({z}-1)*{p}", centre_x, centre_y),
        "pan-left": (z, f"(iw-iw/zoom)*(1-{p})", centre_y),
        "pan-right": (z, f"(iw-iw/zoom)*{p}", centre_y),
    }[motion]
    return (f"zoompan=z={opt(zoom)}:x={opt(x)}:y={opt(y)}:d={frames}:s={w}x{h}:fps={rate(fps)}")


def _join(g: Graph, tl: Timeline, labels: list[str], kind: str) -> str:
    """Chain the items' streams (``kind`` "v" or "a"): concat at cuts, a crossfade of the
    overlap's exact frames (``xfade``) or samples (``acrossfade``) at transitions."""
    acc = labels[0]
    for index in range(1, len(labels)):
        item = tl.items[index]
        if item.transition.is_cut:
            joint = [f"concat=n=2:v={int(kind == 'v')}:a={int(kind == 'a')}"]
        elif kind == "v":
            offset = Fraction(item.start) / tl.fps
            dur = Fraction(item.transition.frames) / tl.fps
            joint = [f"xfade=transition={item.transition.type}:duration={num(dur)}:offset={num(offset)}"]
        else:
            joint = [f"acrossfade=ns={tl.overlap_samples(index)}:c1=tri:c2=tri"]
        if kind == "v":
            joint.append(f"settb={timebase(tl.fps)}")       # one timebase, so the next xfade accepts it
        acc = g.add([acc, labels[index]], joint, f"{kind}j{index}")
    return acc


def _video_graph(g: Graph, tl: Timeline, inputs: dict[int, int],
                 spans: Optional[dict[int, tuple[int, int]]] = None, layer_input: Optional[int] = None,
                 start_frame: int = 0) -> str:
    labels = [_video_item(g, tl, i, item, inputs.get(i)) for i, item in enumerate(tl.items)]
    if spans:   # a segment (broll.assemble.segments): keep only the part of each item it covers
        labels = [_span(g, label, spans.get(i), tl.items[i].frames) for i, label in enumerate(labels)]
    joined = _join(g, tl, labels, "v")
    if tl.layers is not None and tl.layers.has_video:          # overlays and captions (#18), on the reel's clock
        from broll.assemble.layers import video_layers
        joined = video_layers(g, tl.layers, joined, layer_input, start_frame=start_frame, fps=tl.fps)
    return g.add([joined], ["setsar=1", "format=yuv420p", BT709_TAGS], "vout")


def _span(g: Graph, label: str, span: Optional[tuple[int, int]], frames: int) -> str:
    """Frames ``[first, last)`` of an item's finished stream: the item is built whole (same text
    timing, same ken burns, same fades), so a segment's frames are the single graph's frames."""
    if span is None or span == (0, frames):
        return label
    first, last = span
    return g.add([label], [f"trim=start_frame={first}:end_frame={last}", "setpts=PTS-STARTPTS"], f"{label}s")


# ------------------------------------------------------------------ audio

def atempo_chain(speed: Fraction) -> list[str]:
    """atempo takes 0.5..100 per instance; chain halves for slower speeds."""
    out: list[str] = []
    s = Fraction(speed)
    while s < Fraction(1, 2):
        out.append("atempo=0.5")
        s *= 2
    if s != 1:
        out.append(f"atempo={num(s)}")
    return out


def _audio_item(g: Graph, tl: Timeline, index: int, item: Item, input_index: int | None) -> str:
    sr = tl.sample_rate
    samples = tl.item_samples(item)
    fmt = f"aformat=sample_fmts=fltp:sample_rates={sr}:channel_layouts=stereo"
    tag = f"a{index}"
    if not item.uses_source_audio:
        return g.add([], [f"anullsrc=r={sr}:cl=stereo", fmt, f"atrim=end_sample={samples}"], tag)
    fade = int(MICRO_FADE_SECONDS * sr)
    filters = ["asetpts=PTS-STARTPTS", f"aresample={sr}", fmt]
    offset = _seek_offset(item)
    if offset:
        filters += [f"atrim=start_sample={int(offset * sr + Fraction(1, 2))}", "asetpts=PTS-STARTPTS"]
    filters += atempo_chain(item.speed)
    if isinstance(item.audio, float) and item.audio != 0:
        filters.append(f"volume={num(Fraction(str(item.audio)))}dB")
    filters += [f"apad=whole_len={samples}", f"atrim=end_sample={samples}"]
    nxt = tl.items[index + 1] if index + 1 < len(tl.items) else None
    if item.transition.is_cut and samples > 2 * fade:
        filters.append(f"afade=t=in:ss=0:ns={fade}")
    if (nxt is None or nxt.transition.is_cut) and samples > 2 * fade:
        filters.append(f"afade=t=out:ss={samples - fade}:ns={fade}")
    return g.add([f"{input_index}:a"], filters, tag)


def _music(g: Graph, tl: Timeline, input_index: int) -> str:
    m = tl.music
    assert m is not None
    total = tl.samples
    dur = Fraction(total, tl.sample_rate)
    fade_in = min(m.fade_in, dur / 2)
    fade_out = min(m.fade_out, dur / 2)
    filters = ["asetpts=PTS-STARTPTS", f"aresample={tl.sample_rate}",
               f"aformat=sample_fmts=fltp:sample_rates={tl.sample_rate}:channel_layouts=stereo",
               f"apad=whole_len={total}", f"atrim=end_sample={total}", f"volume={num(Fraction(str(m.volume_db)))}dB"]
    if fade_in > 0:
        filters.append(f"afade=t=in:st=0:d={num(fade_in)}")
    if fade_out > 0:
        filters.append(f"afade=t=out:st={num(dur - fade_out)}:d={num(fade_out)}")
    return g.add([f"{input_index}:a"], filters, "music")


def loudnorm(tl: Timeline, measured: Optional[Loudness]) -> str:
    return loudnorm_filter(tl.loudness, tl.true_peak, tl.lra, measured)


def _audio_graph(g: Graph, tl: Timeline, inputs: dict[int, int], music_input: Optional[int],
                 measured: Optional[Loudness], *, measuring: bool, voice_input: Optional[int] = None) -> str:
    labels = [_audio_item(g, tl, i, item, inputs.get(i)) for i, item in enumerate(tl.items)]
    mix = _join(g, tl, labels, "a")
    if voice_input is not None:            # voice-over (#18): mixed in before the music, so the music ducks under it
        from broll.assemble.layers import voice_layer
        mix = voice_layer(g, tl, mix, voice_input)
    if music_input is not None and tl.music is not None:
        bed = _music(g, tl, music_input)
        if tl.music.duck and (any(it.uses_source_audio for it in tl.items) or voice_input is not None):
            g.add([mix], ["asplit=2"], ["clips", "key"])
            bed = g.add([bed, "key"], [f"sidechaincompress={DUCK}"], "ducked")
            mix = "clips"
        mix = g.add([mix, bed], ["amix=inputs=2:duration=first:dropout_transition=0:normalize=0"], "mix")
    fmt = f"aformat=sample_fmts=fltp:sample_rates={tl.sample_rate}:channel_layouts=stereo"
    if measuring:
        return g.add([mix], [loudnorm(tl, None)], "aout")
    tail = []
    # a programme with no sound at all (no clip audio, no music) is left silent: loudnorm on
    # digital silence can emit NaN, which the AAC encoder refuses
    if needs_loudness_pass(tl) and (measured is None or not measured.silent):
        tail += [loudnorm(tl, measured), f"aresample={tl.sample_rate}", fmt]
    tail += [f"apad=whole_len={tl.samples}", f"atrim=end_sample={tl.samples}"]
    return g.add([mix], tail, "aout")


# ------------------------------------------------------------------ plans

def _only(spec: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """The same input with one kind of stream blocked (``-an`` or ``-vn`` before ``-i``)."""
    i = len(spec) - 2
    return spec[:i] + (flag,) + spec[i:]


def _inputs(tl: Timeline, *, audio_only: bool = False, video_only: bool = False
            ) -> tuple[list[tuple[str, ...]], dict[int, int], dict[int, int], Optional[int]]:
    """Input specs and where each item's video and audio come from.

    A clip's picture and sound are opened as two inputs (``-an`` / ``-vn``): sharing one demuxer,
    the audio chain reading ahead (crossfades, loudnorm's lookahead, the mix) made FFmpeg decode
    and queue every later clip's video too, 4 GB for six 1080p clips; apart, 0.7 GB.
    """
    specs: list[tuple[str, ...]] = []
    video_of: dict[int, int] = {}
    audio_of: dict[int, int] = {}
    if not audio_only:
        for i, item in enumerate(tl.items):
            if item.source is not None:
                video_of[i] = len(specs)
                spec = _input_for(item) if item.picture is None else ("-i", item.picture.path)
                specs.append(_only(spec, "-an") if item.source.has_audio and item.picture is None else spec)
    if video_only:
        return specs, video_of, audio_of, None
    for i, item in enumerate(tl.items):
        if item.source is not None and item.uses_source_audio:
            audio_of[i] = len(specs)
            specs.append(_only(_input_for(item), "-vn"))
    music_input = None
    if tl.music is not None:
        m = tl.music
        spec: list[str] = ["-stream_loop", "-1"] if m.loop else []
        if m.start:
            spec += ["-ss", num(m.start)]
        music_input = len(specs)
        specs.append(tuple(spec + ["-vn", "-i", m.path]))
    return specs, video_of, audio_of, music_input




def video_encoder_args(preset: Preset, tl: Timeline, *, x264_preset: Optional[str] = None,
                       frames: Optional[int] = None) -> list[str]:
    v = preset.video
    gop = max(1, int(round(preset.video.gop_seconds * float(tl.fps))))
    args = ["-c:v", v.codec]
    if v.codec == "libx264":
        args += ["-preset", x264_preset or v.x264_preset, "-crf", str(v.crf), "-profile:v", v.profile,
                 "-level:v", v.level]
    args += ["-pix_fmt", v.pix_fmt, "-g", str(gop), "-frames:v", str(tl.frames if frames is None else frames),
             "-color_range", "tv"]
    if v.maxrate:
        args += ["-maxrate", v.maxrate, "-bufsize", _double(v.maxrate)]
    return args


def audio_encoder_args(preset: Preset, tl: Timeline) -> list[str]:
    a = preset.audio
    return ["-c:a", a.codec, "-b:a", a.bitrate, "-ar", str(tl.sample_rate), "-ac", str(a.channels)]


def _double(rate_text: str) -> str:
    m = re.match(r"^(\d+(?:\.\d+)?)([kKmM]?)$", rate_text)
    if not m:
        return rate_text
    return f"{num(Fraction(m.group(1)) * 2)}{m.group(2)}"


def split_plans(tl: Timeline, preset: Preset, *, loudness: Optional[Loudness] = None,
                x264_preset: Optional[str] = None) -> tuple[RenderPlan, RenderPlan]:
    """The render as a video-only and an audio-only process (what the build runs).

    The build runs the picture while the sound is measured and rendered beside it, then muxes
    the two by stream copy: the loudness pass adds nothing to the wall time, and the video
    graph holds no audio chain that reads ahead.
    """
    video = video_plan(tl, preset, x264_preset=x264_preset)
    aspecs, _, audio_of, music_input = _inputs(tl, audio_only=True)
    voice_input = len(aspecs) if _layer_inputs(tl, "audio") else None
    aspecs += _layer_inputs(tl, "audio")
    ga = Graph()
    _audio_graph(ga, tl, audio_of, music_input, loudness, measuring=False, voice_input=voice_input)
    audio = RenderPlan(inputs=tuple(aspecs), filter_complex=ga.text(),
                       output_args=tuple(["-map", "[aout]"] + audio_encoder_args(preset, tl)),
                       frames=0, samples=tl.samples, duration=tl.duration)
    return video, audio


def video_plan(tl: Timeline, preset: Preset, *, x264_preset: Optional[str] = None,
               spans: Optional[dict[int, tuple[int, int]]] = None, frames: Optional[int] = None,
               extra_args: tuple[str, ...] = (), start_frame: int = 0) -> RenderPlan:
    """The picture as one video-only process: the whole reel, or (``spans``, ``frames``) one
    segment of it from :func:`broll.assemble.segments.segment_timeline` starting at the reel's
    frame ``start_frame`` (captions and overlays stay on the reel's clock); ``extra_args`` go
    before the output (x264 threads, forced keyframes)."""
    frames = tl.frames if frames is None else frames
    vspecs, video_of, _, _ = _inputs(tl, video_only=True)
    layer_input = len(vspecs)
    vspecs += _layer_inputs(tl, "video")
    gv = Graph()
    _video_graph(gv, tl, video_of, spans, layer_input, start_frame)
    args = ["-map", "[vout]"] + video_encoder_args(preset, tl, x264_preset=x264_preset, frames=frames)
    return RenderPlan(inputs=tuple(vspecs), filter_complex=gv.text(), output_args=tuple(args + list(extra_args)),
                      frames=frames, samples=0, duration=Fraction(frames) / tl.fps)


def mux_argv(video: str, audio: str, output: str) -> list[str]:
    return ["-y", "-i", video, "-i", audio, "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
            "-movflags", "+faststart", output]


def needs_loudness_pass(tl: Timeline) -> bool:
    return tl.loudness is not None and (tl.music is not None or any(it.uses_source_audio for it in tl.items)
                                        or bool(_layer_inputs(tl, "audio")))


def _layer_inputs(tl: Timeline, kind: str) -> list[tuple[str, ...]]:
    """Inputs of the #18 layers, after the timeline's own: overlay images (video) or the voice-over (audio)."""
    if tl.layers is None:
        return []
    from broll.assemble.layers import overlay_inputs, voice_input
    return overlay_inputs(tl.layers) if kind == "video" else voice_input(tl.layers)


def measure_argv(tl: Timeline) -> list[str]:
    """First loudnorm pass: the audio half of the graph only (no video is decoded)."""
    specs, _, audio_of, music_input = _inputs(tl, audio_only=True)
    voice_input = len(specs) if _layer_inputs(tl, "audio") else None
    specs += _layer_inputs(tl, "audio")
    g = Graph()
    _audio_graph(g, tl, audio_of, music_input, None, measuring=True, voice_input=voice_input)
    args: list[str] = ["-y"]
    for spec in specs:
        args += list(spec)
    return args + ["-filter_complex", g.text(), "-map", "[aout]", "-f", "null", "-"]
