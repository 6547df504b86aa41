"""The warps a boil repair keeps as they are (its bridge) are bicubic: a bilinear warp at a
sub-pixel shift is a low-pass, and those pixels replace the boiling ones."""

from __future__ import annotations

import numpy as np

from broll.testing import injection as inj


class _ConstantFlow:
    """Every pixel of frame t is ``dx`` plane pixels to the right in frame k (field at the Y plane's size)."""

    def __init__(self, h: int, w: int, dx: float):
        self.shape = (h, w)
        self.small = [np.zeros((h, w), np.uint8)]
        self.field = np.dstack([np.full((h, w), dx, np.float32), np.zeros((h, w), np.float32)])

    def get(self, t: int, k: int) -> np.ndarray:
        return self.field


def test_a_sharp_warp_keeps_the_detail_a_bilinear_one_blurs():
    import cv2

    from broll.repair.window_warp import BoxWarper, RepairWindow

    hi = inj.base("static:astronaut", 1, size=(642, 360))[0]
    # the same picture half a pixel apart: area-downsampled from a 2x copy at a one-pixel offset
    t_frame = cv2.resize(hi[:, :640], (320, 180), interpolation=cv2.INTER_AREA)
    k_frame = cv2.resize(hi[:, 1:641], (320, 180), interpolation=cv2.INTER_AREA)
    planes = [cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420) for f in (t_frame, k_frame)]
    win = RepairWindow(planes, planar=True)
    box = (40, 20, 280, 160)
    warper = BoxWarper(win, _ConstantFlow(180, 320, -0.5), box)
    truth = warper.here(0)[0]

    def psnr(a):
        return 10 * np.log10(255 ** 2 / np.mean((a.astype(np.float32) - truth) ** 2))

    soft, sharp = psnr(warper.warp(1, 0)[0]), psnr(warper.warp(1, 0, sharp=True)[0])
    assert sharp > soft + 0.5 and sharp > 30
    # U and V are warped at their own (half) size
    assert [p.shape for p in warper.warp(1, 0, sharp=True)] == [(140, 240), (70, 120), (70, 120)]
