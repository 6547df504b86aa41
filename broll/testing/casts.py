"""Known colour casts for testing and benchmarking matchers (pure numpy, no I/O).

A cast combines what differs between generated clips: a white-balance gain applied in
linear light, a gamma on encoded values and a saturation change, then 8-bit quantisation.
The un-cast image is the ground truth a matcher should recover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from broll.grading.color import decode, encode, to_float

REC709_LUMA = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True)
class Cast:
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)   # linear-light white balance
    gamma: float = 1.0                                     # on encoded values
    saturation: float = 1.0                                # about Rec.709 luma, encoded
    exposure: float = 1.0                                  # linear-light gain on all channels

    def apply(self, image: np.ndarray) -> np.ndarray:
        """uint8 RGB in, uint8 RGB out."""
        rgb = to_float(image)
        lin = decode(rgb) * np.asarray(self.gains) * self.exposure
        rgb = encode(lin) ** self.gamma
        luma = rgb @ REC709_LUMA
        rgb = luma[..., None] + self.saturation * (rgb - luma[..., None])
        return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


# The three casts of the reference suite, in order.
STANDARD_CASTS: tuple[Cast, ...] = (
    Cast(gains=(1.15, 1.0, 0.8), gamma=0.85, saturation=0.7),
    Cast(gains=(0.85, 1.05, 1.2), gamma=1.2, saturation=1.3),
    Cast(gains=(1.1, 0.88, 1.05), gamma=0.9, saturation=0.8),
)


def random_casts(count: int, seed: int = 0) -> list[Cast]:
    """Differently cast 'clips' of one scene, for set-consistency measurements."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        gains = tuple(float(g) for g in np.exp(rng.normal(0.0, 0.12, 3)))
        out.append(Cast(gains=gains, gamma=float(np.exp(rng.normal(0, 0.12))),
                        saturation=float(np.exp(rng.normal(0, 0.18))),
                        exposure=float(np.exp(rng.normal(0, 0.12)))))
    return out


def strong_cast(image: np.ndarray, rng: np.random.Generator, lo: float = 8.0, hi: float = 20.0,
                tries: int = 40) -> tuple[Cast, float]:
    """A random generator-like cast moving ``image`` by ``lo``..``hi`` mean CIEDE2000.

    Casts between generators differ by white balance, gamma and saturation together; the
    draw is repeated until the measured distance lands in the band (the last draw otherwise).
    """
    from broll.grading.color import delta_e00, rgb_to_lab
    sample = to_float(image).reshape(-1, 3)[::7]
    lab = rgb_to_lab(sample)
    cast, dist = Cast(), 0.0
    for i in range(tries):
        scale = 0.12 + 0.1 * (i % 4)
        cast = Cast(gains=tuple(float(g) for g in np.exp(rng.normal(0.0, scale, 3))),
                    gamma=float(np.exp(rng.normal(0, scale))), saturation=float(np.exp(rng.normal(0, scale * 1.5))),
                    exposure=float(np.exp(rng.normal(0, scale * 0.5))))
        flat = cast.apply((sample * 255).round().astype(np.uint8)[None])[0]
        dist = float(np.mean(delta_e00(rgb_to_lab(to_float(flat)), lab)))
        if lo <= dist <= hi:
            break
    return cast, dist
