"""A contact sheet a person can glance at: per clip a before strip and an after strip, beside
the reference. Drawn with numpy and OpenCV; the after frames go through the baked LUTs, so the
sheet shows exactly what FFmpeg will apply."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from broll.atomic import atomic_path
from broll.grading.color import to_float
from broll.grading.lut import apply_lut, read_cube
from broll.grading.match import GradeResult
from broll.media.frames import read_image, sample_frames
from broll.media.probe import probe

THUMB_W = 192
PAD = 6
LABEL_H = 18
BG = (24, 24, 24)
FG = (230, 230, 230)


@dataclass
class SheetRow:
    name: str
    before: list[np.ndarray]   # uint8 RGB thumbnails
    after: list[np.ndarray]
    caption: str = ""


def _thumbs(path: str, count: int, width: int) -> list[tuple[int, np.ndarray]]:
    info = probe(path)
    fmt = "rgb48le" if info.bit_depth > 8 else "rgb24"
    if info.is_still:
        return [(0, read_image(path, width=width, fmt=fmt))]
    return [(f.index, f.image) for f in sample_frames(path, count, width=width, fmt=fmt)]


def graded_thumbnails(result: GradeResult, count: int = 3, width: int = THUMB_W) -> SheetRow:
    """Before/after thumbnails of a graded clip, each frame through its own shot's LUT."""
    luts = {s.index: read_cube(s.lut) for s in result.shots}
    before, after = [], []
    for index, image in _thumbs(result.clip, count, width):
        shot = next((s for s in result.shots if s.start_frame <= index < s.end_frame), result.shots[-1])
        rgb = to_float(image)
        out = apply_lut(luts[shot.index], rgb.reshape(-1, 3)).reshape(rgb.shape)
        before.append(np.round(rgb * 255).astype(np.uint8))
        after.append(np.clip(np.round(out * 255), 0, 255).astype(np.uint8))
    caption = f"dE00 {result.de_before:.1f} -> {result.de_after:.1f}"
    if result.safeguards:
        caption += "  [" + ", ".join(result.safeguards) + "]"
    return SheetRow(Path(result.clip).name, before, after, caption)


def _fit(image: np.ndarray, width: int) -> np.ndarray:
    import cv2
    h = max(2, int(round(image.shape[0] * width / image.shape[1])))
    return cv2.resize(image, (width, h), interpolation=cv2.INTER_AREA)


def _label(canvas: np.ndarray, text: str, x: int, y: int, scale: float = 0.42) -> None:
    import cv2
    cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, FG, 1, cv2.LINE_AA)


def _text_width(text: str, scale: float = 0.42) -> int:
    import cv2
    return cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0]


def draw_sheet(rows: Sequence[SheetRow], reference: np.ndarray, title: str = "",
               thumb_w: int = THUMB_W) -> np.ndarray:
    """Compose the sheet as an RGB array: reference on the left, then per clip before | after."""
    thumb_h = max(int(round(t.shape[0] * thumb_w / t.shape[1])) for r in rows for t in r.before + r.after)
    per = max(len(r.before) for r in rows)
    strip_w = per * thumb_w + (per - 1) * PAD
    ref = _fit(reference, min(thumb_w * 2, max(thumb_w, reference.shape[1])))
    left_w = ref.shape[1] + 2 * PAD
    row_h = LABEL_H + thumb_h + PAD
    top = LABEL_H + PAD
    height = max(top + len(rows) * row_h + PAD, top + ref.shape[0] + LABEL_H + PAD)
    width = left_w + 2 * strip_w + 3 * PAD
    x_after = left_w + strip_w + 2 * PAD
    widest = max([_text_width(f"after  {r.caption}") for r in rows] + [0])
    width = max(width, x_after + widest + PAD, _text_width(title or "broll grade", 0.5) + 2 * PAD)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[:] = BG
    _label(canvas, title or "broll grade", PAD, 14, 0.5)
    canvas[top + LABEL_H: top + LABEL_H + ref.shape[0], PAD: PAD + ref.shape[1]] = ref
    _label(canvas, "reference", PAD, top + 13)
    x_before, x_after = left_w, left_w + strip_w + 2 * PAD
    for i, row in enumerate(rows):
        y = top + i * row_h
        _label(canvas, f"{row.name}: before", x_before, y + 13)
        _label(canvas, f"after  {row.caption}", x_after, y + 13)
        for j, (b, a) in enumerate(zip(row.before, row.after)):
            for x0, img in ((x_before, b), (x_after, a)):
                t = _fit(img, thumb_w)[:thumb_h]
                x = x0 + j * (thumb_w + PAD)
                canvas[y + LABEL_H: y + LABEL_H + t.shape[0], x: x + t.shape[1]] = t
    return canvas


def write_sheet(canvas: np.ndarray, path: str | os.PathLike) -> Path:
    import cv2
    path = Path(path)
    with atomic_path(path) as tmp:
        ok, data = cv2.imencode(".png", np.ascontiguousarray(canvas[..., ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not ok:
            raise OSError(f"cannot encode {path}")
        tmp.write_bytes(data.tobytes())
        os.chmod(tmp, 0o644)
    return path
