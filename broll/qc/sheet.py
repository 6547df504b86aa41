"""Contact sheet for a QC report: a filmstrip with flagged frames outlined and labelled, and a plot
of the per-frame signals with flagged spans shaded, so a person sees in seconds why a clip failed.

Drawn with OpenCV and numpy (no matplotlib). Thumbnails come from a second, small decode that
only happens when a sheet is asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from broll.atomic import write_bytes
from broll.qc.report import QCReport
from broll.qc.signals import Signals

COLOURS = {"regenerate": (40, 40, 220), "review": (0, 150, 240), "note": (160, 160, 160), "ok": (90, 90, 90)}
BG = (24, 24, 24)
FG = (235, 235, 235)
THUMB_W = 224
PER_ROW = 6
MAX_THUMBS = 12
LANES = (("luma", "luma mean"), ("mae", "difference |dY|"), ("sharp", "sharpness"), ("motion", "motion px/frame"))


def _pick_frames(report: QCReport, n: int) -> dict[int, str]:
    """Frame index -> label: every flagged event first (its first frame), then even coverage."""
    picked: dict[int, str] = {}
    for f in report.findings:
        if f.severity == "note" or len(picked) >= MAX_THUMBS - 2:
            continue
        idx = min(max(f.start_frame, 0), n - 1)
        picked.setdefault(idx, f"{f.kind}")
    spread = max(0, min(MAX_THUMBS - len(picked), PER_ROW * 2 - len(picked)))
    for idx in np.linspace(0, n - 1, num=max(2, spread)).round().astype(int) if spread else []:
        picked.setdefault(int(idx), "")
    return dict(sorted(picked.items()))


def _thumbnails(path: str | os.PathLike, wanted: dict[int, str], size: tuple[int, int]) -> dict[int, np.ndarray]:
    from broll.media.frames import iter_frames

    out: dict[int, np.ndarray] = {}
    last = max(wanted) if wanted else -1
    for fr in iter_frames(path, width=size[0], height=size[1], fmt="bgr24"):
        if fr.index in wanted:
            out[fr.index] = fr.image
        if fr.index >= last:
            break
    return out


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.45, colour=FG, thick: int = 1) -> None:
    import cv2
    # a drop shadow at the same thickness: OpenCV advances glyphs by their stroke width, so a
    # thicker black outline runs ahead of the text and leaves a ghost of its last letters
    x, y = org
    cv2.putText(img, text, (x + 1, y + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


def _severity_at(report: QCReport, idx: int) -> str:
    rank = {"note": 0, "review": 1, "regenerate": 2}
    worst = None
    for f in report.findings:
        if f.severity != "note" and f.start_frame <= idx <= f.end_frame:
            if worst is None or rank[f.severity] > rank[worst]:
                worst = f.severity
    return worst or "ok"


def _series(signals: Signals) -> dict[str, np.ndarray]:
    return {"luma": signals["luma"], "mae": signals["mae"],
            "sharp": signals["lap_var"] / (signals["luma_std"] ** 2 + 1.0), "motion": signals["motion"]}


def render_sheet(report: QCReport, signals: Signals, path: str | os.PathLike) -> np.ndarray:
    """The contact sheet as a BGR image."""
    import cv2

    n = max(1, signals.frames)
    aw, ah = signals.size if signals.size[0] else (320, 180)
    th = max(2, int(round(THUMB_W * ah / aw / 2)) * 2)
    wanted = _pick_frames(report, n)
    thumbs = _thumbnails(path, wanted, (THUMB_W, th))
    pad = 8
    width = PER_ROW * (THUMB_W + pad) + pad
    rows = (len(wanted) + PER_ROW - 1) // PER_ROW
    header = 44
    strip_h = rows * (th + pad + 18) + pad
    lane_h, lane_gap = 84, 10
    plot_h = len(LANES) * (lane_h + lane_gap) + 24
    img = np.full((header + strip_h + plot_h, width, 3), BG, np.uint8)

    verdict_colour = {"pass": (90, 200, 90), "review": COLOURS["review"], "regenerate": COLOURS["regenerate"]}[report.verdict]
    _text(img, Path(report.path).name, (pad, 20), 0.6)
    _text(img, report.verdict.upper(), (pad, 38), 0.55, verdict_colour, 2)
    facts = report.facts
    count = sum(f.severity != 'note' for f in report.findings)
    summary = (f"{facts.get('width')}x{facts.get('height')}  {facts.get('fps')} fps  {facts.get('duration')} s  "
               f"{n} frames  profile {report.profile}  {count} finding{'' if count == 1 else 's'}")
    import cv2
    verdict_w = cv2.getTextSize(report.verdict.upper(), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 4)[0][0]
    _text(img, summary, (max(160, pad + verdict_w + 16), 38), 0.45)   # never over a long verdict

    for i, (idx, label) in enumerate(wanted.items()):
        r, c = divmod(i, PER_ROW)
        x = pad + c * (THUMB_W + pad)
        y = header + pad + r * (th + pad + 18)
        thumb = thumbs.get(idx)
        if thumb is not None:
            thumb = cv2.resize(thumb, (THUMB_W, th)) if thumb.shape[:2] != (th, THUMB_W) else thumb
            img[y:y + th, x:x + THUMB_W] = thumb
        sev = _severity_at(report, idx)
        colour = COLOURS[sev]
        cv2.rectangle(img, (x - 2, y - 2), (x + THUMB_W + 1, y + th + 1), colour, 3 if sev != "ok" else 1)
        t = float(signals.times[idx]) if idx < len(signals.times) else idx / signals.fps
        caption = f"#{idx}  {t:.2f}s" + (f"  {label}" if label else "")
        _text(img, caption, (x, y + th + 14), 0.42, colour if sev != "ok" else FG)

    # signal lanes with flagged spans shaded
    top = header + strip_h
    x0, x1 = pad + 120, width - pad
    series = _series(signals)
    xs = np.linspace(x0, x1, n)
    for li, (key, title) in enumerate(LANES):
        y0 = top + li * (lane_h + lane_gap)
        cv2.rectangle(img, (x0, y0), (x1, y0 + lane_h), (40, 40, 40), -1)
        for f in report.findings:
            if f.severity == "note":
                continue
            a = int(xs[min(f.start_frame, n - 1)]) - 1
            b = int(xs[min(f.end_frame, n - 1)]) + 1
            overlay = img[y0:y0 + lane_h, a:b + 1].astype(np.float32)
            overlay = overlay * 0.45 + np.array(COLOURS[f.severity], np.float32) * 0.55
            img[y0:y0 + lane_h, a:b + 1] = overlay.astype(np.uint8)
        values = np.nan_to_num(np.asarray(series[key], np.float64), nan=np.nan)
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi - lo < 1e-9:
            hi = lo + 1.0
        ys = y0 + lane_h - 4 - (np.nan_to_num(values, nan=lo) - lo) / (hi - lo) * (lane_h - 8)
        pts = np.stack([xs, ys], axis=1).round().astype(np.int32)
        cv2.polylines(img, [pts], False, (230, 220, 120), 1, cv2.LINE_AA)
        _text(img, title, (pad, y0 + 16), 0.42)
        _text(img, f"{hi:.3g}", (pad, y0 + 34), 0.36, (170, 170, 170))
        _text(img, f"{lo:.3g}", (pad, y0 + lane_h - 4), 0.36, (170, 170, 170))
    ya = top + len(LANES) * (lane_h + lane_gap) + 14
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        idx = int(round(frac * (n - 1)))
        _text(img, f"{idx}", (min(int(xs[idx]) - 8, width - 40), ya), 0.38, (170, 170, 170))
    return img


def write_sheet(report: QCReport, signals: Signals, clip_path: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Write ``<out_dir>/<clip stem>.qc.png`` atomically and return its path."""
    import cv2

    img = render_sheet(report, signals, clip_path)
    ok, buf = cv2.imencode(".png", img)
    if not ok:  # pragma: no cover - OpenCV always encodes PNG
        raise RuntimeError("PNG encoding failed")
    target = Path(out_dir) / f"{Path(clip_path).stem}.qc.png"
    return write_bytes(target, buf.tobytes())
