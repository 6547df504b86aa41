"""Give a boil repair back the detail its prediction missed: a Wiener filter on the residual.

The boil repair predicts each boiling frame from others (an aligned average, then the clean frames
either side warped onto it). Where the content changes in ways no warp follows, the prediction is
wrong, and it replaces the frame's own (right) detail along with the shimmer. The residual
``frame - prediction`` is shimmer plus that prediction error; the shimmer is band-limited (blobs of
some size, fresh every frame) and spread evenly over the patch, the error is local (edges, detail
that moved). So per tile and spatial frequency, the residual's power above the shimmer's is kept
(Wiener's gain ``C / (C + N)``, with ``C`` the power above ``BETA`` times the shimmer's) and the
rest dropped.

The shimmer's power spectrum ``N`` is measured, not assumed (:func:`noise_spectrum`): consecutive
frames, aligned, differ by two frames' shimmer inside the span and by alignment error alone in the
clean frames around it; half the difference of their spectra is the shimmer's.

Tiles overlap by half with a square-root Hann window for analysis and synthesis (their product
sums to one), processed as four non-overlapping grids, each one batched real FFT.
"""

from __future__ import annotations

import numpy as np

TILE_FRAC = 1 / 20     # tile side as a share of the picture's width: 16 px at 320, 24 at 480 (1/14: within
                       # 0.03 dB on the tuning cases)
WORK_WIDTH = 640       # px: a wider picture is filtered at 1/ceil(width / WORK_WIDTH) of its size (cost)
BETA = 3.0             # the residual's power must stand this far above the shimmer's to be kept: at 1 the
                       # photographs, which the prediction already fits, kept shimmer (-0.1 to -0.5 dB);
                       # 2 to 5 alike within 0.15 dB on the tuning cases, 3 best on the real ones
SMOOTH = 3             # bins: one tile's |F|^2 is averaged over SMOOTH x SMOOTH neighbours (5: -0.05 to -0.3 dB)


def tile_side(width: int) -> int:
    """Tile side (even) for a plane ``width`` px wide: 16 px at 320."""
    return max(8, int(round(width * TILE_FRAC / 2)) * 2)


def _window(t: int) -> np.ndarray:
    h = np.sin(np.pi * (np.arange(t, dtype=np.float32) + 0.5) / t)    # sqrt of a periodic Hann
    return np.outer(h, h)


def _padded(img: np.ndarray, t: int) -> np.ndarray:
    """``img`` reflected by half a tile before and enough after that both half-shifted grids cover it."""
    hop = t // 2
    h, w = img.shape
    hp, wp = -(-(h + 2 * hop) // t) * t + hop, -(-(w + 2 * hop) // t) * t + hop
    import cv2

    return cv2.copyMakeBorder(img, hop, hp - h - hop, hop, wp - w - hop, cv2.BORDER_REFLECT)


def _grids(p: np.ndarray, t: int):
    """The four half-shifted tile grids of a padded plane: (row offset, column offset, tiles ny x nx x t x t)."""
    hop = t // 2
    hp, wp = p.shape
    ny, nx = (hp - hop) // t, (wp - hop) // t
    for oy in (0, hop):
        for ox in (0, hop):
            yield oy, ox, p[oy:oy + ny * t, ox:ox + nx * t].reshape(ny, t, nx, t).transpose(0, 2, 1, 3)


def _untile(tiles: np.ndarray) -> np.ndarray:
    ny, nx, t, _ = tiles.shape
    return tiles.transpose(0, 2, 1, 3).reshape(ny * t, nx * t)


def tile_power(img: np.ndarray, weight: np.ndarray, t: int) -> tuple[np.ndarray, int]:
    """Sum of |rFFT|^2 over the windowed tiles of ``img`` lying 90% inside ``weight`` > 0.5, and their count."""
    win = _window(t)
    p, m = _padded(img, t), _padded((weight > 0.5).astype(np.float32), t)
    acc = np.zeros((t, t // 2 + 1), np.float64)
    count = 0
    for (_, _, tiles), (_, _, mt) in zip(_grids(p, t), _grids(m, t)):
        keep = mt.mean(axis=(2, 3)) >= 0.9
        if keep.any():
            f = np.fft.rfft2(tiles[keep] * win)
            acc += (f.real ** 2 + f.imag ** 2).sum(axis=0)
            count += int(keep.sum())
    return acc, count


def _smooth(pw: np.ndarray) -> np.ndarray:
    """|F|^2 averaged over SMOOTH x SMOOTH neighbouring bins (one tile's spectrum is a noisy estimate)."""
    if SMOOTH <= 1:
        return pw
    r = SMOOTH // 2
    acc = pw.copy()
    for d in range(1, r + 1):                       # the full axis wraps (periodic)
        acc += np.roll(pw, d, axis=-2) + np.roll(pw, -d, axis=-2)
    out = acc.copy()
    for d in range(1, r + 1):                       # the half axis: edges repeated
        out[..., d:] += acc[..., :-d]
        out[..., :d] += acc[..., :1]
        out[..., :-d] += acc[..., d:]
        out[..., -d:] += acc[..., -1:]
    return out * np.float32(1.0 / SMOOTH ** 2)


def wiener(resid: np.ndarray, noise: np.ndarray, t: int) -> np.ndarray:
    """``resid`` with, per tile and frequency, its power above ``BETA`` x ``noise`` kept (Wiener's gain)."""
    win = _window(t)
    h, w = resid.shape
    hop = t // 2
    p = _padded(resid.astype(np.float32, copy=False), t)
    out = np.zeros_like(p)
    noise = noise.astype(np.float32)
    for oy, ox, tiles in _grids(p, t):
        f = np.fft.rfft2(tiles * win)
        pw = _smooth(f.real ** 2 + f.imag ** 2)
        c = np.maximum(pw - BETA * noise, 0)
        back = np.fft.irfft2(f * (c / (c + noise + np.float32(1e-6))), s=(t, t)) * win
        ny, nx = back.shape[:2]
        out[oy:oy + ny * t, ox:ox + nx * t] += _untile(back)
    return out[hop:hop + h, hop:hop + w]


class ResidualWiener:
    """The filter over one repair box of a ``width`` px picture: at most ``WORK_WIDTH`` px wide (a 1080p
    box is filtered at a third of its size: the FFTs at full size cost ~0.15 s CPU a frame, and the
    shimmer QC finds at 1080p is coarse, made at a generator's latent scale); what lies above the
    reduced size's band is kept as the frame has it."""

    def __init__(self, width: int, box_shape: tuple[int, int]):
        self.f = max(1, -(-width // WORK_WIDTH))
        h, w = box_shape
        self.full = (w, h)
        self.small = (max(1, int(round(w / self.f))), max(1, int(round(h / self.f))))
        self.tile = tile_side(width // self.f)

    def down(self, img: np.ndarray) -> np.ndarray:
        """A box-sized plane at the working size (float)."""
        import cv2

        img = img.astype(np.float32, copy=False)
        return img if self.f == 1 else cv2.resize(img, self.small, interpolation=cv2.INTER_AREA)

    def up(self, img: np.ndarray) -> np.ndarray:
        """A working-size plane back at the box's size."""
        import cv2

        return img if self.f == 1 else cv2.resize(img, self.full, interpolation=cv2.INTER_LINEAR)

    def filter(self, resid: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """:func:`wiener` of a residual already at the working size."""
        return wiener(resid, noise, self.tile)

    def power(self, diff: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, int]:
        """:func:`tile_power` of a difference of two aligned frames over the box."""
        return tile_power(self.down(diff), self.down(weight), self.tile)

    def detail(self, resid: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """What of a frame's ``resid`` against its prediction is not shimmer: its detail above ``noise``
        (and, filtered at a reduced size, all of it above that size's band)."""
        r = self.down(resid)
        return resid - self.up(r - wiener(r, noise, self.tile))
