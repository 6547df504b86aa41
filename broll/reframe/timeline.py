"""Subject-aware ``fit: cover`` for ``broll build``: crop each clip to the output's aspect with
a window that follows its subject, before the build's own cover scaling.

The crop goes into the item's ``video_filter`` slot, which the plan applies right after the
trim and speed change, so the path is on that clock: seconds from ``in``, divided by speed.
``auto`` follows the subject only when the crop throws away a lot (more than
``AUTO_THRESHOLD`` of the frame, e.g. 16:9 into 9:16, 1:1 or 4:5); small crops stay central.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from broll.reframe.path import CropPath

AUTO_THRESHOLD = 0.25        # share of the frame a cover crop removes before auto follows the subject


@lru_cache(maxsize=256)
def _track(path: str, start: float, end: float) -> tuple[tuple, tuple[float, ...]]:
    from broll.reframe.analyse import track_subject   # scipy + OpenCV: only when a crop follows a subject
    samples, cuts = track_subject(path, start=start or None, end=end)
    return tuple(samples), tuple(cuts)


def subject_crop(item, width: int, height: int) -> tuple[str, CropPath] | None:
    """The crop filter (and its path) for one timeline item, or None when a centred cover will do;
    an empty filter when the analysis found no confident subject (``path.strategy == "blur"``).
    See :func:`_analyse` for the path of a subject found centred and still."""
    found = _analyse(item, width, height)
    if found is None or found[0] is None:
        return None
    return found  # type: ignore[return-value]


def _analyse(item, width: int, height: int) -> tuple[str | None, CropPath] | None:
    """None where no analysis runs (not a subject/auto cover crop, or nothing to move); else the
    filter (None: the subject sits centred and still, so the plain cover does) and the path.

    Where the path widens, the filter is a chain with labels of its own (``ITEM_TAG`` stands
    for the item's prefix): the widened window over the blurred fill, at the output's size."""
    src = item.source
    if item.kind != "clip" or item.fit != "cover" or src is None or src.sar != 1:
        return None
    mode = item.reframe
    if mode not in ("subject", "auto"):
        return None
    from broll.reframe.path import crop_geometry    # numpy: only for items that may be cropped
    g = crop_geometry(src.width, src.height, width, height)
    if not g.axis or g.travel <= 0:
        return None
    if mode == "auto" and 1 - g.window / g.span <= AUTO_THRESHOLD + 1e-9:
        return None
    from broll.reframe.analyse import path_from_samples
    samples, cuts = _track(src.path, float(item.src_in), float(item.src_out))
    # the same path as ``broll export``: the window widens (over the one blurred fill) while the
    # subject is wider than the output's aspect
    path = path_from_samples(list(samples), list(cuts), g).retimed(1 / float(item.speed))
    if path.strategy != "subject":
        return "", path                  # no confident subject: the caller contains it over a blurred fill
    if path.is_static and not path.widened and abs(path.offset_at(0) - g.travel / 2) < 1:
        return None, path
    from broll.reframe.filters import crop_filter, widened_chain
    if path.widened:
        # the item's picture runs at the source's rate times the speed (the reel's rate for a
        # pre-rendered ``retime: motion`` picture); zoompan numbers its frames at that rate
        return widened_chain(path, (width, height), rate=_item_rate(item), tag=ITEM_TAG), path
    return crop_filter(path), path


ITEM_TAG = "@item@"          # in a remembered filter, stands for the item's own label prefix


def _item_rate(item) -> Fraction:
    """The frame rate of the item's picture where its filter runs (after trim and speed change)."""
    if item.picture is not None:
        return Fraction(item.picture.fps or 30)
    return Fraction(item.source.fps or 30) * Fraction(item.speed)


def with_subject_crops(timeline):
    """A copy of ``timeline`` whose subject/auto cover items carry their crop (others unchanged).

    An item whose subject is not found with confidence becomes ``fit: blur`` (the whole
    picture over a blurred fill of itself) rather than a crop in the wrong place.
    """
    changed = {}
    for index, item in enumerate(timeline.items):
        found = _remembered_crop(item, timeline.width, timeline.height)
        if found is None:
            continue
        crop = found["filter"]
        framing = (found["strategy"], found["confidence"], found["widened"])
        if crop is None:
            changed[index] = replace(item, framing=framing)
        elif not crop:
            changed[index] = replace(item, fit="blur", framing=framing)
        else:
            # a widened window's chain has labels of its own: unique per item within the graph
            crop = crop.replace(ITEM_TAG, f"rf{index}")
            changed[index] = replace(item, video_filter=",".join(f for f in (item.video_filter, crop) if f),
                                     framing=framing)
    if not changed:
        return timeline
    return replace(timeline, items=tuple(changed.get(i, it) for i, it in enumerate(timeline.items)))


def _remembered_crop(item, width: int, height: int) -> dict | None:
    """:func:`_analyse` as a dict (``filter``: "" for a blurred fill, None for a centred cover;
    ``strategy``, ``confidence``, ``widened`` for the build's report), None where nothing was
    analysed; remembered in the project's file memo (broll.file_memo) by the clip's stat, what of
    the item the crop depends on, and the analysis code: a rebuild does not track the subject again."""
    src = item.source
    if item.kind != "clip" or item.fit != "cover" or src is None or src.sar != 1 or item.reframe not in ("subject", "auto"):
        return None
    from pathlib import Path

    from broll.file_memo import active, remembered
    if active() is None:
        return _described(item, width, height)
    what = (src.width, src.height, width, height, item.reframe, str(item.src_in), str(item.src_out), str(item.speed),
            str(_item_rate(item)))
    kind = f"subject-crop/{_crop_code()}/" + "/".join(map(str, what))
    found = remembered(str(Path(src.path).resolve()), kind, lambda: {"found": _described(item, width, height)})
    return found["found"]


def _described(item, width: int, height: int) -> dict | None:
    found = _analyse(item, width, height)
    if found is None:
        return None
    crop, path = found
    return {"filter": crop, "strategy": path.strategy, "confidence": round(path.confidence, 3),
            "widened": bool(path.widened)}


@lru_cache(maxsize=1)
def _crop_code() -> str:
    from broll.file_memo import code_stamp
    return code_stamp("broll.reframe", "broll.media.frames", "broll.media.decode", "broll.media.sampled_frames",
                      "broll.media.analysis_frames", "broll.filtergraph", "cv2", "numpy", "scipy")
