"""An edit list's ``generate:`` section -> the batch spec (the batch model and validator, reused).

``generate: batch.yaml`` reads that file with :func:`broll.generate.spec.load_spec`; an inline
mapping goes through :func:`broll.generate.spec.spec_from_data` with the edit list's marks, so
an error names ``edit.yaml:12:7: generate.shots[1].prompt``. An inline spec's manifest batch is
the edit list's file name and its ``out:`` folder is relative to the edit list.
"""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path
from typing import Optional

from broll import yamlfile
from broll.assemble.editlist import EditList, ShotItem
from broll.errors import EditListError, EditListErrors
from broll.generate.spec import BatchSpec, load_spec, spec_from_data


def shot_items(edit: EditList) -> list[tuple[int, ShotItem]]:
    """``(timeline index, item)`` of every ``- shot:`` item."""
    return [(i, e) for i, e in enumerate(edit.timeline) if isinstance(e, ShotItem)]


def batch_spec(edit: EditList, *, check_models: bool = True) -> Optional[BatchSpec]:
    """The batch spec the edit list's ``generate:`` section names or holds (None without one)."""
    section = edit.generate
    if section is None:
        return None
    if isinstance(section, str):
        path = Path(section).expanduser()
        path = path if path.is_absolute() else edit.base_dir / path
        if not path.is_file():
            raise edit.locate(("generate",), f"batch spec {section} does not exist",
                              "give a batch spec's path relative to the edit list, or write the spec inline")
        return load_spec(path, check_models=check_models)
    marks = edit._marks or {}
    return spec_from_data(section, Path(edit.source), lambda loc: yamlfile.find_mark(marks, loc, key=True),
                          check_models=check_models, prefix=("generate",), file=edit.source)


def check_shot_references(edit: EditList, spec: Optional[BatchSpec]) -> list[str]:
    """Located errors for ``shot:`` items naming no shot (with did-you-mean); warnings for shots
    the timeline never uses."""
    items = shot_items(edit)
    if spec is None:
        if items:
            raise EditListErrors([edit.locate(("timeline", i, "shot"), f"shot '{e.shot}': the edit list has no "
                                              "generate: section", "add `generate:` (a batch spec inline, or "
                                              "`generate: batch.yaml`) naming the shots") for i, e in items])
        return []
    ids = [s.id for s in spec.shots]
    errors: list[EditListError] = []
    for i, e in items:
        if e.shot not in ids:
            close = get_close_matches(e.shot, ids, n=1, cutoff=0.6)
            errors.append(edit.locate(("timeline", i, "shot"), f"unknown shot '{e.shot}'"
                                      + (f" (did you mean '{close[0]}'?)" if close else ""),
                                      "shot ids: " + ", ".join(ids)))
    if errors:
        raise EditListErrors(errors)
    used = {e.shot for _, e in items}
    warnings = []
    for n, shot in enumerate(spec.shots):
        if shot.id not in used:
            where = f"generate.shots[{n}]" if isinstance(edit.generate, dict) else f"{edit.generate}: shots[{n}]"
            line = yamlfile.find_mark(edit._marks or {}, ("generate", "shots", n, "id"))[0] \
                if isinstance(edit.generate, dict) else None
            warnings.append(f"{edit.source}{f':{line}' if line else ''}: {where} '{shot.id}' is never used in "
                            "the timeline (it is not generated)")
    return warnings


def used_spec(edit: EditList, spec: BatchSpec) -> BatchSpec:
    """The spec cut down to the shots the timeline uses: an unused shot is never paid for."""
    used = {e.shot for _, e in shot_items(edit)}
    shots = [s for s in spec.shots if s.id in used]
    if len(shots) == len(spec.shots):
        return spec
    cut = spec.model_copy(update={"shots": shots})
    return cut


def is_edit_list(data) -> bool:
    """An edit list (``timeline:``/``output:``) rather than a batch spec (``provider:``/``shots:``)."""
    return isinstance(data, dict) and ("timeline" in data or "generate" in data) and "shots" not in data


def spec_for_file(path, *, check_models: bool = True) -> BatchSpec:
    """The batch spec a file stands for: a batch spec itself, or an edit list's ``generate:``
    section (inline or ``generate: batch.yaml``), cut to the shots its timeline uses, as
    ``broll build`` generates them. For ``broll generate status`` / ``report`` on either file."""
    doc = yamlfile.load_file(path, what="batch spec or edit list")
    if not is_edit_list(doc.data):
        return load_spec(path, check_models=check_models)
    from broll.assemble.editlist import load_edit_list
    from broll.errors import InputError
    edit = load_edit_list(path)
    spec = batch_spec(edit, check_models=check_models)
    if spec is None:
        raise InputError(f"{path}: this edit list has no generate: section, so it generates nothing",
                         "give the batch spec, or an edit list with a `generate:` section and `- shot:` items")
    check_shot_references(edit, spec)
    return used_spec(edit, spec)
