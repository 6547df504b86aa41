"""Colour conversions used by grading: encoded Rec.709/sRGB <-> linear <-> CIELAB, and CIEDE2000.

Fitting works on thumbnails with colour-science's formulas and constants for CIELAB and
CIEDE2000, written out here (the fit converts and compares tens of thousands of pixels some
twenty times per shot); full-resolution measurements use OpenCV's float32 Lab (within 0.08 dE00
of colour-science on average). Rec.709 SDR video is treated as display-referred sRGB-like
encoded RGB with a D65 white, which is what an editor's viewer shows.
"""

from __future__ import annotations

import warnings

import numpy as np

_colour = None


def colour():
    """colour-science, imported once with its optional-package warnings silenced."""
    global _colour
    if _colour is None:
        from broll.libwarnings import quiet_library_warnings
        quiet_library_warnings()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import colour as mod
        quiet_library_warnings()
        _colour = mod
    return _colour


REC709_LUMA = np.array([0.2126, 0.7152, 0.0722])


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8/uint16 RGB -> float64 in [0, 1]."""
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float64) / 65535.0
    return np.asarray(image, dtype=np.float64)


def luma(image: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of an RGB image as float64 in [0, 1] (the structure checks compare luma,
    which a colour cast moves least)."""
    return to_float(image) @ REC709_LUMA


def decode(rgb: np.ndarray) -> np.ndarray:
    """Encoded (sRGB curve) -> linear light. Closed form: faster than a generic cctf call."""
    rgb = np.clip(rgb, 0.0, 1.0)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def encode(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


_SRGB_KNEE = 1.055 * 0.0031308 ** (1 / 2.4) - 0.055   # colour-science's decoding threshold
_lab_constants: tuple[np.ndarray, np.ndarray] | None = None


def _to_xyz_and_white() -> tuple[np.ndarray, np.ndarray]:
    """colour-science's own sRGB -> XYZ matrix (its D65 -> D65 adaptation folded in) and D65 white."""
    global _lab_constants
    if _lab_constants is None:
        c = colour()
        matrix = np.asarray(c.sRGB_to_XYZ(np.eye(3), apply_cctf_decoding=False), dtype=np.float64).T
        xy = c.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
        _lab_constants = (matrix, np.asarray(c.xyY_to_XYZ(c.xy_to_xyY(xy)), dtype=np.float64))
    return _lab_constants


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Encoded RGB in [0, 1] -> CIELAB (D65): colour-science's ``XYZ_to_Lab(sRGB_to_XYZ(.))``
    (same constants and formulas, within 1e-12) written out per channel. The fit converts tens of
    thousands of pixels some twenty times per shot; colour-science's generic path cost a quarter
    of the fit's CPU, and a matrix product would start BLAS threads (costly on a busy machine)."""
    rgb = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0)
    matrix, white = _to_xyz_and_white()
    lin = rgb + 0.055                       # the decoding in place: fewer temporaries than np.where
    lin /= 1.055
    np.power(lin, 2.4, out=lin)
    low = rgb <= _SRGB_KNEE
    lin[low] = rgb[low] / 12.92
    r, g, b = lin[..., 0], lin[..., 1], lin[..., 2]
    f = []
    for row, n in zip(matrix, white):
        t = (row[0] * r + row[1] * g + row[2] * b) / n
        f.append(np.where(t > (24 / 116) ** 3, np.cbrt(t), (841 / 108) * t + 16 / 116))
    out = np.empty(rgb.shape, dtype=np.float64)
    out[..., 0] = 116 * f[1] - 16
    out[..., 1] = 500 * (f[0] - f[1])
    out[..., 2] = 200 * (f[1] - f[2])
    return out


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    c = colour()
    return c.XYZ_to_sRGB(c.Lab_to_XYZ(lab))


def rgb_to_lab_fast(rgb: np.ndarray) -> np.ndarray:
    """OpenCV float32 Lab: for full-resolution metrics (same D65 sRGB definition)."""
    import cv2
    arr = np.clip(np.asarray(rgb, dtype=np.float32), 0.0, 1.0)
    shape = arr.shape
    flat = arr.reshape(-1, 1, 3)
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(shape).astype(np.float64)


def _pow7(x: np.ndarray) -> np.ndarray:
    x2 = x * x
    return x2 * x2 * x2 * x            # ``x ** 7`` is a generic power, ten times slower


def delta_e00(lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
    """Per-sample CIEDE2000 (Sharma et al. 2005): colour-science's formulas (its
    ``delta_E(.., method="CIE 2000")`` to 1e-9) with the hue angles in radians and no generic
    array plumbing, about 1.3x as fast: every candidate fit is judged on thousands of pixels."""
    lab_a, lab_b = np.asarray(lab_a, dtype=np.float64), np.asarray(lab_b, dtype=np.float64)
    l1, a1, b1 = lab_a[..., 0], lab_a[..., 1], lab_a[..., 2]
    l2, a2, b2 = lab_b[..., 0], lab_b[..., 1], lab_b[..., 2]
    c_bar7 = _pow7((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2)
    g1 = 1.5 - 0.5 * np.sqrt(c_bar7 / (c_bar7 + 25.0 ** 7))          # 1 + G
    ap1, ap2 = g1 * a1, g1 * a2
    cp1, cp2 = np.hypot(ap1, b1), np.hypot(ap2, b2)
    tau = 2 * np.pi
    hp1, hp2 = np.arctan2(b1, ap1), np.arctan2(b2, ap2)
    hp1, hp2 = np.where(hp1 < 0, hp1 + tau, hp1), np.where(hp2 < 0, hp2 + tau, hp2)
    cp12 = cp1 * cp2
    dh = hp2 - hp1
    dh = np.where(dh > np.pi, dh - tau, np.where(dh < -np.pi, dh + tau, dh))
    dh = np.where(cp12 == 0, 0.0, dh)
    d_hp = 2 * np.sqrt(cp12) * np.sin(dh / 2)
    hsum = hp1 + hp2
    h_bar = np.where(np.fabs(hp1 - hp2) <= np.pi, hsum / 2, np.where(hsum < tau, (hsum + tau) / 2, (hsum - tau) / 2))
    h_bar = np.where(cp12 == 0, hsum, h_bar)
    t = (1 - 0.17 * np.cos(h_bar - np.pi / 6) + 0.24 * np.cos(2 * h_bar)
         + 0.32 * np.cos(3 * h_bar + np.pi / 30) - 0.20 * np.cos(4 * h_bar - 0.35 * np.pi))
    d_theta = (np.pi / 6) * np.exp(-(((np.degrees(h_bar) - 275) / 25) ** 2))
    c_bar_p = (cp1 + cp2) / 2
    c_bar_p7 = _pow7(c_bar_p)
    r_c = 2 * np.sqrt(c_bar_p7 / (c_bar_p7 + 25.0 ** 7))
    l_bar2 = ((l1 + l2) / 2 - 50) ** 2
    dl = (l2 - l1) / (1 + 0.015 * l_bar2 / np.sqrt(20 + l_bar2))
    dc = (cp2 - cp1) / (1 + 0.045 * c_bar_p)
    dhh = d_hp / (1 + 0.015 * c_bar_p * t)
    return np.sqrt(dl * dl + dc * dc + dhh * dhh - np.sin(2 * d_theta) * r_c * dc * dhh)
