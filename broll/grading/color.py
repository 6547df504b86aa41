"""Colour conversions used by grading: encoded Rec.709/sRGB <-> linear <-> CIELAB, and CIEDE2000.

Fitting works on thumbnails, so the reference implementations of colour-science are fast
enough there; full-resolution measurements use OpenCV's float32 Lab (within 0.08 dE00 of
colour-science on average). Rec.709 SDR video is treated as display-referred sRGB-like
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


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Encoded RGB in [0, 1] -> CIELAB (D65) via colour-science."""
    c = colour()
    return c.XYZ_to_Lab(c.sRGB_to_XYZ(np.clip(rgb, 0.0, 1.0)))


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


def delta_e00(lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
    """Per-sample CIEDE2000 (Sharma et al. 2005) via colour-science."""
    return np.asarray(colour().delta_E(lab_a, lab_b, method="CIE 2000"))
