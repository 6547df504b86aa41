"""Measuring turns OpenCV's thread pool off; overlapping measurements must give it back."""

import threading

import cv2

from broll.qc.signals import _one_opencv_thread


def test_overlapping_measurements_restore_the_pool():
    before = cv2.getNumThreads()
    first_inside, release = threading.Event(), threading.Event()

    def first():
        with _one_opencv_thread():
            first_inside.set()
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    assert first_inside.wait(5)
    with _one_opencv_thread():          # starts after the first, ends before it
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == 1      # the first is still measuring
    release.set()
    t.join()
    assert cv2.getNumThreads() == before
