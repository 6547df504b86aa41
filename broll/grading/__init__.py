"""Colour matching to a style reference: make clips from different generations look like one shoot.

Public API (used by ``broll grade`` and by the build's ``style:`` block)::

    from broll.grading import match, GRADE_METHODS

    result = match("clip.mp4", "style.png", method="mkl", strength=0.8, cache_root=project_dir)
    result.shots            # one ShotGrade per shot: start/end (s), start/end frame, .cube path, fit summary
    result.de_before, result.de_after, result.change, result.safeguards
    result.ffmpeg_filter()  # "format=gbrp16le,lut3d=file=...:interp=tetrahedral[,lut3d=...:enable='...']"

Edit lists: ``style: {reference, strength, method, max_change, look}`` at the top level, ``style: off`` or a partial
override per item; the edit list's schema (:class:`broll.assemble.editlist.Style`) validates them and
:func:`broll.assemble.stages.item_style` merges them per item.

``ffmpeg_filter(start, end)`` is the chain to insert after the clip's trim (timestamps reset to 0
at ``start``); it leaves frames in ``gbrp16le``, so the caller appends its output format. A
multi-shot clip gets one LUT per shot switched by the timeline ``enable=`` option: the grade is
constant within a shot (no flicker) and never spans a cut.

How a match is made (see the modules for the why):

- :mod:`~broll.grading.shots` splits the clip at cuts (PySceneDetect ContentDetector);
- :mod:`~broll.grading.pixels` pools 8-16 frames per shot at 384 px, dropping letterbox bars,
  near-black and fully clipped pixels;
- :mod:`~broll.grading.scene` judges whether the shot shows the reference's scene on structure
  (ORB features + one homography), which a colour cast does not move; where a dense alignment is
  plausible but weak, :mod:`~broll.grading.cast_check` asks whether the colours land on the
  reference's after a cast map;
- :mod:`~broll.grading.fit` fits a method from ``GRADE_METHODS`` (``mkl`` default, ``mkl-linear``,
  ``reinhard``, ``balance``): the full, uncapped match for the same scene; for other content only
  the identifiable look of a look book (:mod:`~broll.grading.look_transfer`: neutral tint per
  lightness band, saturation, tone from 3 stills; ``method: look``), weighted by the share
  content cannot explain and capped at ``max_change``; one still of other content: nothing; blends
  ``src + strength * (T(src) - src)``; paired mode uses ``colour.colour_correction`` when the
  clip's first frame is the reference (image-to-video);
- ``match(..., look="brand.cube")`` composes a team's look LUT after the match;
- :mod:`~broll.grading.lut` bakes the result into a 33-point ``.cube``;
- :mod:`~broll.grading.cache` keeps LUTs in ``.broll/luts/`` and the project database, keyed by
  clip hash + reference hash + method + strength, so a rebuild never refits;
- :mod:`~broll.grading.metrics` measures palette CIEDE2000, change, set spread and jitter.

HDR (PQ/HLG) and log footage is refused with a clear message; 8- and 10-bit SDR Rec.709 is graded.
"""

from broll.grading.fit import DEFAULT_METHOD, DEFAULT_STRENGTH, GRADE_METHODS
from broll.grading.match import (GradeResult, Reference, ShotGrade, fit_images, load_reference, match,
                                 reference_from_images)

__all__ = ["match", "load_reference", "fit_images", "reference_from_images", "GradeResult", "ShotGrade", "Reference", "GRADE_METHODS",
           "DEFAULT_METHOD", "DEFAULT_STRENGTH"]
