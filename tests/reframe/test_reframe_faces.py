"""The optional dlib face detector: how its faces join the evidence, and (when dlib is
installed) that it finds a real face. Nothing here needs dlib."""

from __future__ import annotations

import numpy as np
import pytest

from broll.reframe import cues, dlib_faces


class _Rect:
    def __init__(self, x0, y0, x1, y1):
        self._b = (x0, y0, x1, y1)

    def left(self):
        return self._b[0]

    def top(self):
        return self._b[1]

    def right(self):
        return self._b[2]

    def bottom(self):
        return self._b[3]


class _FakeDetector:
    """Stands in for ``dlib.get_frontal_face_detector()``: ``run(image, upsample, threshold)``."""

    def run(self, image, upsample, threshold):
        assert image.dtype == np.uint8 and image.ndim == 2 and upsample == 0
        return [_Rect(100, 40, 140, 90)], [1.2], [0]


@pytest.fixture
def fake_dlib(monkeypatch):
    monkeypatch.setattr(dlib_faces, "detector", lambda: _FakeDetector())
    monkeypatch.setattr(cues, "_face_cascade", lambda: None)


def test_a_dlib_face_becomes_a_head_and_shoulders_box(fake_dlib):
    assert "faces" in cues.detectors_available()
    (x0, y0, x1, y1, score), = cues.detections(np.zeros((180, 320), np.uint8))
    # widened a little for hair and ears, and down for the neck and shoulders
    assert x0 == pytest.approx(94) and x1 == pytest.approx(146)
    assert y0 == pytest.approx(30) and y1 == pytest.approx(120)
    assert 0.5 <= score <= 1.0


def test_without_dlib_there_are_no_faces(monkeypatch):
    monkeypatch.setattr(dlib_faces, "detector", lambda: None)
    assert dlib_faces.faces(np.zeros((180, 320), np.uint8)) == []


def test_dlib_finds_a_real_face_when_installed():
    pytest.importorskip("dlib")
    data = pytest.importorskip("skimage.data")
    import cv2
    image = data.astronaut()                               # 512x512 RGB, one face near the top middle
    grey = cv2.cvtColor(cv2.resize(image, (320, 320)), cv2.COLOR_RGB2GRAY)
    found = dlib_faces.faces(grey)
    assert len(found) == 1
    x0, y0, x1, y1, _ = found[0]
    assert 100 < (x0 + x1) / 2 < 200 and (y0 + y1) / 2 < 160


def test_the_detector_is_saved_once_and_loaded_with_the_same_faces(tmp_path, monkeypatch):
    dlib = pytest.importorskip("dlib")
    data = pytest.importorskip("skimage.data")
    import cv2
    monkeypatch.setenv("BROLL_CACHE_DIR", str(tmp_path))
    grey = cv2.cvtColor(cv2.resize(data.astronaut(), (320, 320)), cv2.COLOR_RGB2GRAY)
    dlib_faces.detector.cache_clear()
    try:
        built = dlib_faces.faces(grey)                       # builds the detector and saves it
        saved = dlib_faces.cache_file(dlib.__version__)
        assert saved.is_file() and saved.parent == tmp_path
        assert not list(tmp_path.glob("*.part"))
        dlib_faces.detector.cache_clear()
        assert dlib_faces.faces(grey) == built               # loaded from the file: the same detector
        saved.write_bytes(b"damaged")                        # an unreadable file is rebuilt, not an error
        dlib_faces.detector.cache_clear()
        assert dlib_faces.faces(grey) == built and saved.stat().st_size > 1000
    finally:
        dlib_faces.detector.cache_clear()
