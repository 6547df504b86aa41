"""``- shot:`` items -> ``- clip:`` items on the chosen takes, and the generation's style by default.

The result is an ordinary edit list, so resolve, the gates, the grade, the plan and the render
see clips and nothing else. Items keep their index (labels, located errors and per-item styles
stay right); a shot without a take is left out (``broll validate`` / ``broll plan`` before the
first build). The grade defaults to the style reference the generation used: the batch's for
the whole edit, a shot's own on its items, unless the edit list says ``style:`` (``style: null``
turns grading off).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from broll.assemble.editlist import ClipItem, EditList, ShotItem, Style, StyleOverride
from broll.generate.spec import BatchSpec


def _local(ref: Optional[str]) -> Optional[str]:
    return ref if ref and not ref.startswith(("http://", "https://")) and Path(ref).is_file() else None


def as_clip(item: ShotItem, path: Path) -> ClipItem:
    """The same item with ``clip:`` set to the take (every other field kept as written)."""
    values = {name: getattr(item, name) for name in ClipItem.model_fields}
    values["clip"] = str(path)
    fields_set = (item.model_fields_set - {"shot"}) | {"clip"}
    return ClipItem.model_construct(_fields_set=fields_set, **values)


def bind_takes(edit: EditList, spec: BatchSpec, takes: dict[str, Path]) -> EditList:
    shots = {s.id: s for s in spec.shots}
    base_ref = _local(spec.style_reference and str(spec.root / spec.style_reference)
                      if spec.style_reference and not Path(spec.style_reference).is_absolute()
                      else spec.style_reference)
    default_style = "style" not in edit.model_fields_set and base_ref is not None
    items = []
    for item in edit.timeline:
        if not isinstance(item, ShotItem):
            items.append(item)
            continue
        if item.shot not in takes:
            continue
        clip = as_clip(item, takes[item.shot])
        own = _local(spec.reference_for(shots[item.shot])) if item.shot in shots else None
        if "style" not in edit.model_fields_set and item.style is None and own and own != base_ref:
            clip = clip.model_copy(update={"style": StyleOverride(reference=own)})
        items.append(clip)
    update: dict = {"timeline": items}
    if default_style:
        update["style"] = Style(reference=base_ref)
    bound = edit.model_copy(update=update)
    bound._source, bound._marks = edit._source, edit._marks
    return bound
