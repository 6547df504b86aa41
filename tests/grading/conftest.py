"""Grading fixtures: scikit-image's bundled photographs, known casts, and clips panning over them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from broll.testing.casts import STANDARD_CASTS, Cast
from broll.testing.stillclip import clip_from_image, concat_clips

PHOTOS = ("astronaut", "coffee", "chelsea")


def photo(name: str, width: int = 256) -> np.ndarray:
    import cv2
    import skimage.data
    img = getattr(skimage.data, name)()
    h = int(round(img.shape[0] * width / img.shape[1]))
    return cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)


def save_png(image: np.ndarray, path: Path) -> Path:
    import cv2
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.ascontiguousarray(image[..., ::-1]))
    return path


class GradeMedia:
    def __init__(self, root: Path):
        self.root = root
        self._cache: dict = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def still(self, name: str, cast: Cast | None = None, width: int = 480) -> Path:
        tag = "orig" if cast is None else f"cast{STANDARD_CASTS.index(cast) if cast in STANDARD_CASTS else id(cast)}"
        def make():
            img = photo(name, width)
            return save_png(img if cast is None else cast.apply(img), self.root / f"{name}-{tag}-{width}.png")
        return self._once(("still", name, tag, width), make)

    def clip(self, name: str, cast: Cast | None = None, **kwargs) -> Path:
        key = ("clip", name, repr(cast), tuple(sorted(kwargs.items())))
        def make():
            src = self.still(name, cast)
            return clip_from_image(src, self.root / f"{name}-{len(self._cache)}.mp4", **kwargs)
        return self._once(key, make)

    def two_shot(self) -> Path:
        def make():
            a = self.clip("coffee", STANDARD_CASTS[0], duration=1.0)
            b = self.clip("chelsea", STANDARD_CASTS[1], duration=1.0)
            return concat_clips([a, b], self.root / "two-shot.mp4")
        return self._once(("two-shot",), make)


@pytest.fixture(scope="session")
def grade_media(tmp_path_factory) -> GradeMedia:
    return GradeMedia(tmp_path_factory.mktemp("grade-media"))
