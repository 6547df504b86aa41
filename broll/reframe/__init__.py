"""Reframing: fit a picture into another aspect ratio, keeping the subject in frame.

Pure analysis (``subject``: where is the subject; ``smooth``: a camera path that glides and
holds; ``path``: geometry, keyframes, FFmpeg expression) is separate from decoding
(``analyse``) and from filter building (``filters``). Modes live in ``REFRAME_MODES``;
``timeline`` applies subject-aware ``fit: cover`` to a ``broll build`` timeline.
"""

from broll.reframe.analyse import center_path, subject_path, track_subject
from broll.reframe.filters import REFRAME_MODES, reframe_filter
from broll.reframe.path import CropGeometry, CropPath, crop_geometry

__all__ = ["REFRAME_MODES", "CropGeometry", "CropPath", "center_path", "crop_geometry",
           "reframe_filter", "subject_path", "track_subject"]
