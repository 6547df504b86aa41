"""Faces from dlib's built-in HOG frontal-face detector (the ``dlib-bin`` wheel).

OpenCV 5 wheels ship no Haar cascades and no HOG people detector; dlib compiles its frontal-face
detector into the library (``get_frontal_face_detector``): no model file, nothing downloaded at
run time. A dependency since session 12 (an optional extra before); without it (a platform with
no wheel) the subject analysis is model-free. On the 320 px analysis frames it finds faces at
least ~80 px tall there (a quarter of a 16:9 frame's height), in ~6-8 ms a call.

Building the detector from the library costs ~0.65-0.9 s of CPU (it unpacks the compiled-in
model), more than all of a 4 s clip's detections; loading the same detector from its saved form
takes ~3 ms. So the first process saves it to the user's cache (``BROLL_CACHE_DIR``, else
``$XDG_CACHE_HOME/broll`` or ``~/.cache/broll``), named by dlib's version, and later ones load it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

SCORE_FLOOR = 0.0      # dlib's own decision threshold; its scores run ~0-3 for real faces


def cache_file(version: str) -> Path:
    """Where the saved detector of dlib ``version`` lives."""
    base = os.environ.get("BROLL_CACHE_DIR") or \
        os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "broll")
    return Path(base) / f"dlib-{version}-frontal-face.svm"


@lru_cache(maxsize=1)
def detector():
    """dlib's frontal-face detector, or None when dlib is not installed (or does not load)."""
    try:
        import dlib
    except Exception:          # ImportError, or a wheel that does not load on this machine
        return None
    path = cache_file(getattr(dlib, "__version__", "unknown"))
    try:
        return dlib.fhog_object_detector(str(path))
    except Exception:          # not saved yet, or unreadable: build it (and save it for next time)
        pass
    try:
        det = dlib.get_frontal_face_detector()
    except Exception:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
        det.save(str(tmp))
        os.replace(tmp, path)  # whole or not at all: a concurrent process reads the old file or the new
    except Exception:          # a read-only home: every process builds its own, as before
        pass
    return det


def faces(grey: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """Faces in a grey uint8 frame as (x0, y0, x1, y1, score 0..1) in its pixels."""
    det = detector()
    if det is None:
        return []
    rects, scores, _ = det.run(np.ascontiguousarray(grey), 0, SCORE_FLOOR)
    return [(float(r.left()), float(r.top()), float(r.right()), float(r.bottom()),
             float(np.clip(0.7 + 0.15 * s, 0.5, 1.0))) for r, s in zip(rects, scores)]
