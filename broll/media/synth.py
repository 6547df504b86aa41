"""Make sample media with FFmpeg's lavfi sources: tests, `make demo`, the offline provider.

Nothing here is a fixture file: every clip is synthesised on demand, so the repository
holds no binaries and tests know the exact content of every frame.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from broll.media.ffmpeg import run_ffmpeg


def lavfi_video(source: str, size: tuple[int, int], fps: float | str, duration: float) -> str:
    w, h = size
    if source.startswith("color="):
        return f"{source}:size={w}x{h}:rate={fps}:duration={duration}"
    if source == "life":
        return f"life=size={w}x{h}:rate={fps}:mold=10:ratio=0.5:death_color=#202040:life_color=#e0c060,trim=duration={duration}"
    if source == "mandelbrot":  # has no duration option
        return f"mandelbrot=size={w}x{h}:rate={fps},trim=duration={duration}"
    if source == "gradients":
        return f"gradients=size={w}x{h}:rate={fps}:duration={duration}:speed=0.02"
    if source == "cellauto":
        return f"cellauto=size={w}x{h}:rate={fps}:rule=110,trim=duration={duration}"
    return f"{source}=size={w}x{h}:rate={fps}:duration={duration}"


def make_clip(path: str | os.PathLike, *, source: str = "testsrc2", size: tuple[int, int] = (320, 180),
              fps: float | str = 30, duration: float = 1.0, audio: float | None = 440.0,
              audio_duration: float | None = None, vfilters: Sequence[str] = (),
              codec_args: Sequence[str] = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p"),
              extra_args: Sequence[str] = ()) -> Path:
    """Write a synthetic clip. ``audio`` is a sine frequency in Hz, or None for no audio track."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    graph = lavfi_video(source, size, fps, duration)
    if vfilters:
        graph += "," + ",".join(vfilters)
    args = ["-y", "-f", "lavfi", "-i", graph]
    if audio is not None:
        adur = duration if audio_duration is None else audio_duration
        args += ["-f", "lavfi", "-i", f"sine=frequency={audio}:sample_rate=48000:duration={adur}"]
    args += list(codec_args)
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "96k"]
    args += list(extra_args) + [str(path)]
    run_ffmpeg(args, what=f"synthesising {path.name}")
    return path


def make_image(path: str | os.PathLike, *, source: str = "testsrc2", size: tuple[int, int] = (640, 360),
               vfilters: Sequence[str] = ()) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    graph = lavfi_video(source, size, 1, 1)
    if vfilters:
        graph += "," + ",".join(vfilters)
    run_ffmpeg(["-y", "-f", "lavfi", "-i", graph, "-frames:v", "1", "-update", "1", str(path)],
               what=f"synthesising {path.name}")
    return path


def make_tone(path: str | os.PathLike, *, duration: float = 10.0, notes: Sequence[float] = (220, 277.2, 329.6),
              volume: float = 0.3) -> Path:
    """A soft chord with a slow tremolo: a stand-in music bed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    expr = "+".join(f"sin(2*PI*{f}*t)" for f in notes)
    n = len(notes)
    graph = (f"aevalsrc='{volume}/{n}*({expr})*(0.75+0.25*sin(2*PI*0.5*t))|{volume}/{n}*({expr})*(0.75+0.25*cos(2*PI*0.5*t))'"
             f":sample_rate=48000:duration={duration}")
    args = ["-y", "-f", "lavfi", "-i", graph, "-c:a", "aac", "-b:a", "128k", str(path)]
    run_ffmpeg(args, what=f"synthesising {path.name}")
    return path


def make_numbered_clip(path: str | os.PathLike, *, size: tuple[int, int] = (320, 180), fps: int = 30,
                       frames: int = 60, audio: bool = False) -> Path:
    """A clip whose frame i is a flat grey of level (i*8)%256 with its index drawn in binary
    blocks along the top row, so any decoded frame reveals its own index exactly."""
    w, h = size
    bits = 8
    bw = w // bits
    # Y = 16 + 200 * bit(index, b) in each top block; the body is grey 128.
    expr_blocks = "+".join(
        f"(between(X,{b*bw},{(b+1)*bw-1})*bitand(floor(N/{2**b}),1))" for b in range(bits))
    geq = (f"geq=lum='if(lt(Y,{h//3}),16+200*({expr_blocks}),128)':cb=128:cr=128")
    return make_clip(path, source="color=c=gray", size=size, fps=fps, duration=frames / fps,
                     audio=440.0 if audio else None, vfilters=[geq, "format=yuv420p"])


def read_frame_number(image_rgb, bits: int = 8) -> int:
    """Decode the index drawn by :func:`make_numbered_clip` from an RGB frame (any size)."""
    h, w = image_rgb.shape[:2]
    bw = w / bits
    row = image_rgb[: max(1, h // 6), :, 1].astype(float)
    value = 0
    for b in range(bits):
        x0, x1 = int(b * bw + bw * 0.25), int(b * bw + bw * 0.75)
        if row[:, x0:x1].mean() > 116:
            value |= 1 << b
    return value


def make_logo(path: str | os.PathLike, *, size: int = 256) -> Path:
    """A round two-tone badge on a transparent background (PNG with alpha): a stand-in logo."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    c, r = size / 2, size * 0.47
    d = f"hypot(X-{c},Y-{c})"
    inner = f"lt({d},{r * 0.78})"
    # a white ring around an orange disc with a white dot in its middle
    stripe = f"lt({d},{r * 0.28})"
    geq = (f"geq=r='if({inner},if({stripe},255,245),255)':g='if({inner},if({stripe},255,130),255)'"
           f":b='if({inner},if({stripe},255,40),255)':a='if(lt({d},{r}),255,0)'")
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"color=c=black:s={size}x{size},format=rgba,{geq}", "-frames:v", "1",
                "-update", "1", str(path)], what=f"synthesising {path.name}")
    return path


def make_lower_third(path: str | os.PathLike, *, size: tuple[int, int] = (1200, 200)) -> Path:
    """A dark translucent bar with an accent stripe at its left edge (PNG with alpha): a lower-third plate."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    edge = max(4, w // 50)
    geq = (f"geq=r='if(lt(X,{edge}),255,20)':g='if(lt(X,{edge}),130,22)':b='if(lt(X,{edge}),40,30)'"
           f":a='if(lt(X,{edge}),255,200)'")
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"color=c=black:s={w}x{h},format=rgba,{geq}", "-frames:v", "1",
                "-update", "1", str(path)], what=f"synthesising {path.name}")
    return path
