"""Reframing: fit a picture into another aspect ratio, keeping the subject in frame.

Pure analysis (``subject``: where is the subject; ``smooth``: a camera path that glides and
holds; ``path``: geometry, keyframes, FFmpeg expression) is separate from decoding
(``analyse``) and from filter building (``filters``). Modes live in ``REFRAME_MODES``;
``timeline`` applies subject-aware ``fit: cover`` to a ``broll build`` timeline.
"""

from importlib import import_module

# Lazy: the tracker pulls in scipy and OpenCV (about 0.25 s), which a build without a
# subject crop never needs.
_EXPORTS = {"center_path": "analyse", "subject_path": "analyse", "track_subject": "analyse",
            "REFRAME_MODES": "filters", "reframe_filter": "filters",
            "CropGeometry": "path", "CropPath": "path", "crop_geometry": "path"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"broll.reframe.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'broll.reframe' has no attribute {name!r}")
