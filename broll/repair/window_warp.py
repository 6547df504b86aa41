"""A repair window's frames as planes, the optical flow between them, and warps of one frame onto
another over a box: the motion-compensated machinery a temporal repair (boil) averages with.

Kept apart from :mod:`broll.repair.boil`, which decides *where* to average (cells, span, motion
gate); this module only knows how to line frames up cheaply: flows measured once per pair on small
blurred luma and smoothed, remap maps made over the box only, 4:2:0 frames warped in their own
planes.
"""

from __future__ import annotations

import numpy as np

from broll.repair.measure import SMALL_SIDE, luma_i420, small_luma

FLOW_SMOOTH = 6.0      # px at 320 px: Gaussian smoothing of the flow field (boil is where little moves)
SHARP_INTERP = 2       # cv2.INTER_CUBIC: warps whose pixels are kept as they are (BoxWarper.warp's ``sharp``)
DIS_PRESET = 1         # cv2.DISOPTICAL_FLOW_PRESET_FAST: 5x cheaper than MEDIUM, as close (the flow is smoothed)


class RepairWindow:
    """A repair window's frames as the planes the repair averages: BGR (one three-channel plane) or
    I420 (Y at full size, U and V at half). A 4:2:0 clip is averaged in its own planes: no frame takes
    a chroma round trip through BGR, its chroma is averaged at the resolution it is written at, and
    each warp moves 1.5 bytes a pixel instead of 3."""

    def __init__(self, frames: list[np.ndarray], planar: bool):
        self.frames, self.planar = frames, planar
        if planar:
            self.size = (frames[0].shape[1], frames[0].shape[0] * 2 // 3)
            self.scales = (1, 2, 2)
        else:
            self.size = (frames[0].shape[1], frames[0].shape[0])
            self.scales = (1,)
        self.lumas = [self.luma(f) for f in frames]
        self._small: dict[int, np.ndarray] = {}

    def luma(self, frame: np.ndarray) -> np.ndarray:
        return luma_i420(frame) if self.planar else small_luma(frame)

    def planes(self, frame: np.ndarray) -> list[np.ndarray]:
        """Views of ``frame``'s planes (writing to them writes the frame)."""
        if not self.planar:
            return [frame]
        from broll.repair.planar import _planes

        return list(_planes(frame)[:3])

    def small(self, k: int) -> np.ndarray:
        """Frame ``k`` as BGR at the analysis luma's size."""
        if k not in self._small:
            hs, ws = self.lumas[k].shape[:2]
            if self.planar:
                from broll.repair.planar import small_bgr

                img = small_bgr(self.frames[k], SMALL_SIDE)
            else:
                import cv2

                img = self.frames[k]
                if img.shape[:2] != (hs, ws):
                    img = cv2.resize(img, (ws, hs), interpolation=cv2.INTER_AREA)
            self._small[k] = img
        return self._small[k]

    def grey(self, planes: list[np.ndarray]) -> np.ndarray:
        """Luma-like values (grey code values) of a box of planes, for telling two pictures apart."""
        if self.planar:
            return planes[0] * np.float32(255.0 / 219.0)
        return planes[0].mean(axis=2)


class WindowFlows:
    """DIS flow between two frames of the window, on blurred small luma (the shimmer, being blobby
    noise, would otherwise steer it), smoothed (boil is where little moves) and kept: the worth-it
    test, both passes and the motion gate ask for many of the same pairs."""

    def __init__(self, lumas: list[np.ndarray]):
        import cv2

        self.cv2 = cv2
        self.small = [cv2.GaussianBlur(g, (0, 0), 1.5) for g in lumas]
        self.dis = cv2.DISOpticalFlow_create(DIS_PRESET)
        self.cache: dict[tuple[int, int], np.ndarray] = {}
        hs, ws = lumas[0].shape[:2]
        # half size when that keeps the picture's scale exact (odd sides would shift the upsampled field)
        self.shape = (hs // 2, ws // 2) if hs % 2 == 0 and ws % 2 == 0 else (hs, ws)

    def get(self, t: int, k: int) -> np.ndarray:
        """Where each pixel of frame t is in frame k, smoothed, on a field of half the small luma's size
        (``shape``; in its pixels) when its sides are even: smoothed by ``FLOW_SMOOTH`` small pixels,
        it holds nothing finer, and the smoothing costs a quarter."""
        f = self.cache.get((t, k))
        if f is None:
            cv2 = self.cv2
            f = self.dis.calc(self.small[t], self.small[k], None)
            hs, ws = self.shape
            half = ws < self.small[t].shape[1]
            if half:
                f = cv2.resize(f, (ws, hs), interpolation=cv2.INTER_AREA) * np.float32(0.5)
            f = self.cache[(t, k)] = cv2.GaussianBlur(f, (0, 0), FLOW_SMOOTH / 2 if half else FLOW_SMOOTH)
        return f

    def retarget(self, t: int, luma: np.ndarray) -> None:
        """Measure flow from ``luma`` (a denoised frame t) instead of the boiling frame itself."""
        self.small[t] = self.cv2.GaussianBlur(luma, (0, 0), 1.5)
        for key in [key for key in self.cache if key[0] == t]:
            del self.cache[key]


class BoxMap:
    """The small flow field as a remap map over a box of a plane (``size``: the plane's width and
    height; ``box`` in its pixels). The field is upsampled over the box only (and a margin), not
    over the whole plane: the values a whole-plane resize gives there, at 1080p on a 12% patch 1/8
    of the work."""

    def __init__(self, size: tuple[int, int], small_shape: tuple[int, int], box: tuple[int, int, int, int]):
        w, h = size
        hs, ws = small_shape
        self.box = box
        x0, y0, x1, y1 = box
        gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
        self.grid = np.dstack([gx, gy])
        self.gain = (w / ws, h / hs)
        self._gain = (float(self.gain[0]), float(self.gain[1]), 0.0, 0.0)
        gx, gy = self.gain
        self.crop = (max(0, int(x0 / gx) - 1), max(0, int(y0 / gy) - 1),
                     min(ws, int(np.ceil(x1 / gx)) + 1), min(hs, int(np.ceil(y1 / gy)) + 1))
        cx0, cy0, cx1, cy1 = self.crop
        self.up = (int(round((cx1 - cx0) * gx)), int(round((cy1 - cy0) * gy)))
        self.offset = (x0 - int(round(cx0 * gx)), y0 - int(round(cy0 * gy)))

    def _resized(self, f: np.ndarray) -> np.ndarray:
        """The field ``f`` resized over the box, still in the field's pixels."""
        import cv2

        x0, y0, x1, y1 = self.box
        cx0, cy0, cx1, cy1 = self.crop
        ox, oy = self.offset
        f = cv2.resize(f[cy0:cy1, cx0:cx1], self.up, interpolation=cv2.INTER_LINEAR)[oy:oy + y1 - y0, ox:ox + x1 - x0]
        if f.shape[:2] != self.grid.shape[:2]:      # a rounding short at the frame's edge
            f = cv2.copyMakeBorder(f, 0, self.grid.shape[0] - f.shape[0], 0, self.grid.shape[1] - f.shape[1],
                                   cv2.BORDER_REPLICATE)
        return f

    def upsample(self, f: np.ndarray) -> np.ndarray:
        """The small flow field ``f`` over the box, in the plane's pixels."""
        import cv2

        return cv2.multiply(self._resized(f), self._gain)     # per component (numpy's broadcast: 25x slower)

    def map(self, f: np.ndarray) -> np.ndarray:
        """The remap map: where each box pixel's content is, in the plane's pixels."""
        import cv2

        r = self._resized(f)
        if self.gain[0] == self.gain[1]:
            return cv2.scaleAdd(r, self.gain[0], self.grid)          # one pass: gain and grid
        return cv2.add(cv2.multiply(r, self._gain), self.grid)

    def cut(self, plane: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.box
        return plane[y0:y1, x0:x1]


class BoxWarper:
    """Warps frame k onto frame t over the box, in every plane (each at its own resolution)."""

    def __init__(self, win: RepairWindow, flows: WindowFlows, box: tuple[int, int, int, int], small: bool = False):
        self.win, self.flows, self.small = win, flows, small
        hs, ws = flows.shape
        if small:           # the analysis-size BGR frames, whole
            h, w = win.lumas[0].shape[:2]
            self.maps = [BoxMap((w, h), (hs, ws), (0, 0, w, h))]
            self.scales: tuple[int, ...] = (1,)
        else:
            w, h = win.size
            x0, y0, x1, y1 = box
            self.scales = win.scales
            self.maps = [BoxMap((w // s, h // s), (hs, ws), (x0 // s, y0 // s, x1 // s, y1 // s))
                         for s in sorted(set(self.scales))]
        self.by_scale = dict(zip(sorted(set(self.scales)), self.maps))

    def planes(self, k: int) -> list[np.ndarray]:
        return [self.win.small(k)] if self.small else self.win.planes(self.win.frames[k])

    def here(self, k: int, planes: int | None = None) -> list[np.ndarray]:
        """Frame k's own planes over the box, as float (the first ``planes`` of them: 1, luma alone)."""
        return [self.by_scale[s].cut(p).astype(np.float32)
                for p, s in list(zip(self.planes(k), self.scales))[:planes]]

    def warp(self, k: int, t: int, sharp: bool = False, planes: int | None = None) -> list[np.ndarray]:
        """Frame k's planes over the box, moved onto frame t. Bilinear by default (an average of several
        blurs no more than it already does); ``sharp``: bicubic, for a warp whose pixels are kept nearly
        as they are (bilinear interpolation at a sub-pixel shift is a low-pass; bicubic costs ~3x its
        CPU). ``planes``: only the first that many (1: luma alone, the chroma neither mapped nor moved)."""
        import cv2

        f = self.flows.get(t, k)
        pairs = list(zip(self.planes(k), self.scales))[:planes]
        maps = {s: self.by_scale[s].map(f) for s in {s for _, s in pairs}}
        return [cv2.remap(p, maps[s], None, SHARP_INTERP if sharp and not self.small else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
                for p, s in pairs]

    def at(self, values: np.ndarray, scale: int) -> np.ndarray:
        """A full-resolution box field (mask, trust) at ``scale``."""
        import cv2

        if scale == 1:
            return values
        bm = self.by_scale[scale]
        h, w = bm.grid.shape[:2]
        return cv2.resize(values, (w, h), interpolation=cv2.INTER_AREA)
