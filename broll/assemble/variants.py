"""``broll build edit.yaml --variants rows.csv``: one reel per CSV row, as successive ``broll.build()`` calls.

Every row is substituted and validated (schema and media) before the first render, so a bad row (an unknown
column, a missing overlay image) stops the run with nothing rendered. The builds then run one after another in
this process and share the project's caches (QC verdicts, grades, and any other content-keyed cache the build
uses), so what is identical between variants is not computed twice. Before the first render the rows'
timelines are compared (:mod:`broll.assemble.variant_spans`): the frames where they differ (a headline
caption, a lower-third's name ...) are fenced in by segment boundaries that every row uses, so a row
re-encodes only the stretch of picture its values change, and the rest is rendered once for all rows.

Outputs are named from the variables when the edit list's ``output:`` uses one (``out/{{slug}}.mp4``); otherwise
each row's outputs get the row number: ``out/reel.mp4`` -> ``out/reel-1.mp4``, ``out/reel-2.mp4`` ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from broll.assemble.editlist import EditList, validate_data
from broll.assemble.variables import fill_variables, read_variant_rows, references
from broll.errors import EditListError


@dataclass(frozen=True)
class Variant:
    row: int                       # 1-based data row of the CSV
    values: dict[str, Any]
    edit: EditList
    timelines: tuple = ()          # (output path, resolved Timeline) per output, from the media pass

    @property
    def outputs(self) -> list[str]:
        return [o.path for o in self.edit.output]


def _numbered(path: str, row: int) -> str:
    p = Path(path)
    return str(p.with_name(f"{p.stem}-{row}{p.suffix}"))


def prepare_variants(edit_list: str | os.PathLike, rows_csv: str | os.PathLike,
                     overrides: Optional[Mapping[str, Any]] = None) -> list[Variant]:
    """Every row as a validated EditList (``--set`` values apply to all rows, a row's cells win)."""
    from broll import yamlfile
    from broll.assemble.resolve import output_jobs, check_style_media

    rows = read_variant_rows(rows_csv)
    doc = yamlfile.load_file(edit_list, what="edit list")
    if doc.data is None:
        raise EditListError("the edit list is empty", file=str(edit_list), line=1, column=1)
    data = doc.data if isinstance(doc.data, dict) else {}
    named = bool(references(data.get("output")))
    variants, seen = [], {}
    for number, row in enumerate(rows, 1):
        values = {**(overrides or {}), **row}
        try:
            filled = fill_variables(doc, values, origin=f"{rows_csv} (column)")
        except EditListError as exc:
            raise EditListError(f"row {number + 1}: {exc.bare_message}", file=exc.file, line=exc.line,
                                column=exc.column, field=exc.field, hint=exc.hint) from None
        if not named and isinstance(filled, dict):
            outs = filled.get("output")
            if isinstance(outs, str):
                filled["output"] = _numbered(outs, number)
            elif isinstance(outs, dict):
                filled["output"] = {**outs, "path": _numbered(str(outs.get("path", "")), number)}
            elif isinstance(outs, list):
                filled["output"] = [({**o, "path": _numbered(str(o.get("path", "")), number)}
                                     if isinstance(o, dict) else _numbered(str(o), number)) for o in outs]
        edit = validate_data(filled, doc.marks, str(edit_list))
        for target in edit.output:
            if target.path in seen:
                raise EditListError(f"rows {seen[target.path]} and {number + 1} both write {target.path}",
                                    file=str(rows_csv), line=number + 1,
                                    hint="name the outputs from a column that differs per row, e.g. out/{{slug}}.mp4")
            seen[target.path] = number + 1
        jobs = output_jobs(edit)                # media: missing images, caption files, voice-over ... located
        style_errors = check_style_media(edit)
        if style_errors:
            from broll.errors import EditListErrors
            raise EditListErrors(style_errors)
        variants.append(Variant(number, values, edit, tuple((job.path, job.timeline) for job in jobs)))
    return variants


def build_variants(edit_list: str | os.PathLike, rows_csv: str | os.PathLike, *,
                   overrides: Optional[Mapping[str, Any]] = None, progress: Optional[Callable] = None,
                   preview: bool = False, on_variant: Optional[Callable[[Variant], None]] = None,
                   cache: bool = True, executor: Optional[str] = None) -> list[tuple]:
    """Validate every row, then build them in turn; returns ``[(variant, BuildResult), ...]``.

    The builds share the project's caches: QC verdicts, grades, and the segment cache, so a
    segment no variable touches is rendered once for all rows (``cache``/``executor`` as in
    :func:`broll.build`)."""
    from broll.assemble.build import build

    variants = prepare_variants(edit_list, rows_csv, overrides)
    vary = varying_by_output(variants)
    results = []
    for variant in variants:
        if on_variant:
            on_variant(variant)
        results.append((variant, build(variant.edit, progress=progress, preview=preview, cache=cache,
                                       executor=executor, vary=vary.get(variant.row))))
    return results


def varying_by_output(variants: list[Variant]) -> dict[int, dict]:
    """Per row, ``{output path: VaryingSpans}``: for each output (by its place in ``output:``), the
    frames where the rows' timelines differ (:func:`broll.assemble.variant_spans.varying_spans`)."""
    from broll.assemble.variant_spans import varying_spans

    out: dict[int, dict] = {v.row: {} for v in variants}
    count = min((len(v.timelines) for v in variants), default=0)
    for k in range(count):
        spans = varying_spans([v.timelines[k][1] for v in variants])
        if spans is None:
            continue
        for v in variants:
            out[v.row][v.timelines[k][0]] = spans
    return out
