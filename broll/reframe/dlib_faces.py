"""Faces from dlib's built-in HOG frontal-face detector, when the optional ``dlib`` is installed.

OpenCV 5 wheels ship no Haar cascades and no HOG people detector, so without this the subject
analysis is model-free. dlib compiles its frontal-face detector into the library
(``get_frontal_face_detector``): no model file, nothing downloaded at run time. It is an
optional extra (``pip install 'broll[faces]'`` installs the ``dlib-bin`` wheel); nothing needs it.
On the 320 px analysis frames it finds faces at least ~80 px tall there (a quarter of a 16:9
frame's height), in ~6 ms.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SCORE_FLOOR = 0.0      # dlib's own decision threshold; its scores run ~0-3 for real faces


@lru_cache(maxsize=1)
def detector():
    """dlib's frontal-face detector, or None when dlib is not installed (or does not load)."""
    try:
        import dlib
        return dlib.get_frontal_face_detector()
    except Exception:          # ImportError, or a wheel that does not load on this machine
        return None


def faces(grey: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """Faces in a grey uint8 frame as (x0, y0, x1, y1, score 0..1) in its pixels."""
    det = detector()
    if det is None:
        return []
    rects, scores, _ = det.run(np.ascontiguousarray(grey), 0, SCORE_FLOOR)
    return [(float(r.left()), float(r.top()), float(r.right()), float(r.bottom()),
             float(np.clip(0.7 + 0.15 * s, 0.5, 1.0))) for r, s in zip(rects, scores)]
