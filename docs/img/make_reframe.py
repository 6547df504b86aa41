"""Draw docs/img/reframe.png: a 16:9 shot exported to 9:16 with the centre crop and the subject crop.

Runs the real export (``broll.export``) on a synthetic clip, then lays out, for three moments,
the source frame (red: centre window, green: subject window) beside both vertical results.
Run: ``.venv/bin/python docs/img/make_reframe.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from broll.export import parse_preset_list, plan_export, run_export
from broll.media import synth
from broll.media.frames import iter_frames

TIMES = (0.2, 1.0, 1.8)
ROW_H = 270


def _frames_at(path: Path, times, height: int) -> list[np.ndarray]:
    wanted = list(times)
    out = []
    for fr in iter_frames(path, height=height):
        if wanted and fr.time >= wanted[0] - 1e-3:
            out.append(fr.image)
            wanted.pop(0)
    return out


def main() -> None:
    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # a soft gradient landscape, a subject (white disc with a dark ring) that crosses the frame
        x = "(90+460*if(lt(T,1),T,2-T))"
        y = "(215-60*sin(PI*T/2))"
        geq = (f"geq=r='if(lt(hypot(X-{x},Y-{y}),34),if(lt(hypot(X-{x},Y-{y}),26),245,40),r(X,Y))'"
               f":g='if(lt(hypot(X-{x},Y-{y}),34),if(lt(hypot(X-{x},Y-{y}),26),235,40),g(X,Y))'"
               f":b='if(lt(hypot(X-{x},Y-{y}),34),if(lt(hypot(X-{x},Y-{y}),26),200,40),b(X,Y))'")
        clip = synth.make_clip(root / "shot.mp4", source="gradients", size=(640, 360), fps=30, duration=2.0,
                               audio=None, vfilters=["format=rgb24", geq, "format=yuv420p"])
        presets = parse_preset_list("reels")
        outs = {}
        paths = {}
        for mode in ("center", "subject"):
            source, targets = plan_export(clip, presets, root / mode, reframe=mode)
            run_export(source, targets)
            outs[mode] = targets[0].output
            paths[mode] = targets[0].crop_path
        src = _frames_at(clip, TIMES, ROW_H)
        centre = _frames_at(outs["center"], TIMES, ROW_H)
        subject = _frames_at(outs["subject"], TIMES, ROW_H)
        scale = ROW_H / 360
        rows = []
        for i, t in enumerate(TIMES):
            frame = np.ascontiguousarray(src[i].copy())
            cw = int(round(202 * scale))
            cx = int(round((640 - 202) / 2 * scale))
            sx = int(round(paths["subject"].offset_at(t) * scale))
            cv2.rectangle(frame, (cx, 1), (cx + cw, ROW_H - 2), (230, 40, 40), 2)
            cv2.rectangle(frame, (sx, 1), (sx + cw, ROW_H - 2), (40, 220, 60), 2)
            gap = np.full((ROW_H, 10, 3), 255, np.uint8)
            rows.append(np.hstack([frame, gap, centre[i], gap, subject[i]]))
        body = np.vstack([np.vstack([r, np.full((10, r.shape[1], 3), 255, np.uint8)]) for r in rows])
        header = np.full((34, body.shape[1], 3), 255, np.uint8)
        for text, x0 in (("16:9 source (red: centre, green: subject)", 4), ("centre", 480 + 14),
                         ("subject", 480 + 10 + 152 + 14)):
            cv2.putText(header, text, (x0, 23), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
        figure = np.vstack([header, body])
        target = here / "reframe.png"
        cv2.imwrite(str(target), cv2.cvtColor(figure, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"{target} {figure.shape[1]}x{figure.shape[0]} {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
