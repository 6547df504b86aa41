"""Before/after contact sheet of a repaired clip: per repair, the frames before (top) and after.

Each repair gets two rows of up to 8 thumbnails over its range (one frame either side), labelled
with frame numbers, plus a lane plotting each thumbnail's mean luma before (red) and after (green),
where a flicker's oscillation and its removal are visible at a glance.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from broll.atomic import atomic_path

PAD = 6
TEXT = (235, 235, 235)


def _label(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.45, color=TEXT,
           outline: bool = False) -> None:
    import cv2

    if outline:   # legible over a picture
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)


def _row(frames: list[tuple[int, np.ndarray]], width: int) -> np.ndarray:
    th, tw = frames[0][1].shape[:2]
    row = np.full((th, width, 3), 24, np.uint8)
    for k, (idx, img) in enumerate(frames):
        x = PAD + k * (tw + PAD)
        row[:, x:x + tw] = img[:, :tw]
        _label(row, str(idx), (x + 4, th - 6), outline=True)
    return row


def _plot(before: list[float], after: list[float], width: int, height: int = 70) -> np.ndarray:
    import cv2

    lane = np.full((height, width, 3), 16, np.uint8)
    vals = before + after
    lo, hi = min(vals), max(vals)
    span = max(hi - lo, 1.0)
    for series, colour in ((before, (60, 60, 230)), (after, (80, 210, 80))):
        if len(series) < 2:
            continue
        xs = np.linspace(PAD, width - PAD, len(series))
        ys = height - 8 - (np.asarray(series) - lo) / span * (height - 16)
        pts = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.polylines(lane, [pts], False, colour, 2, cv2.LINE_AA)
    _label(lane, f"mean luma: before (red) / after (green), {lo:.0f}-{hi:.0f}", (PAD, 14), 0.4)
    return lane


def write_sheet(result, thumbs, target: str | os.PathLike) -> Path:
    """Compose the sheet for a :class:`~broll.repair.run.RepairResult` from its captured thumbnails."""
    import cv2

    blocks = []
    any_thumb = next(iter(thumbs.before.values()), None)
    if any_thumb is None:
        raise ValueError("no thumbnails captured")
    th, tw = any_thumb.shape[:2]
    width = PAD + 8 * (tw + PAD)
    head = np.full((34, width, 3), 24, np.uint8)
    _label(head, f"{Path(result.path).name}: {result.verdict_before} -> {result.verdict}", (PAD, 22), 0.6)
    blocks.append(head)
    for st in result.repairs:
        if st.kind == "shake":
            continue
        idx = sorted(i for i in thumbs.before if st.start - 1 <= i <= st.end + 1 and i in thumbs.after)
        if not idx:
            continue
        title = np.full((26, width, 3), 24, np.uint8)
        m = st.measure
        _label(title, f"{st.kind} frames {st.start}-{st.end}: {st.method}; {m.get('name')} "
                      f"{m.get('before')} -> {m.get('after')} {m.get('unit', '')}", (PAD, 18))
        blocks.append(title)
        blocks.append(_row([(i, thumbs.before[i]) for i in idx], width))
        blocks.append(np.full((PAD, width, 3), 24, np.uint8))
        blocks.append(_row([(i, thumbs.after[i]) for i in idx], width))
        lum_b = [float(cv2.cvtColor(thumbs.before[i], cv2.COLOR_BGR2GRAY).mean()) for i in idx]
        lum_a = [float(cv2.cvtColor(thumbs.after[i], cv2.COLOR_BGR2GRAY).mean()) for i in idx]
        blocks.append(_plot(lum_b, lum_a, width))
    sheet = np.vstack(blocks)
    target = Path(target)
    with atomic_path(target) as tmp:
        ok, data = cv2.imencode(".png", sheet)
        tmp.write_bytes(data.tobytes())
    return target
