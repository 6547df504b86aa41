"""`broll grade CLIP... --reference style.png`: match clips to a style reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from rich.markup import escape

from broll.cli.clip_args import expand_clip_args, refuse_clashing_names
from broll.cli.executor_opt import executor_option, make_executor
from broll.cli.output import console, emit_json, progress_bar, quiet_library_warnings
from broll.errors import InputError


def _method_names() -> list[str]:
    from broll.grading.fit import GRADE_METHODS
    return list(GRADE_METHODS)


def _lut_names(result, out_dir: Path) -> list[tuple[str, Path]]:
    stem = Path(result.clip).stem
    if len(result.shots) == 1:
        return [(result.shots[0].lut, out_dir / f"{stem}.cube")]
    return [(s.lut, out_dir / f"{stem}.shot{s.index + 1}.cube") for s in result.shots]


@click.command("grade")
@click.argument("clips", nargs=-1, required=True, type=click.Path())
@click.option("--reference", "-r", "references", required=True, multiple=True, type=click.Path(),
              help="Style reference: an image or a clip. Repeat it, or pass a folder of stills, for a look "
                   "book (the look becomes identifiable across stills of varied content).")
@click.option("--strength", "-s", type=click.FloatRange(0.0, 1.0), default=0.8, show_default=True,
              help="Blend between the clip (0) and the full match (1).")
@click.option("--method", "-m", default="mkl", show_default=True,
              help="Matching method: mkl, mkl-linear, reinhard, balance.")
@click.option("--max-change", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Largest mean change (dE00) a grade may make when the clip shows other content than "
                   "the reference, or is the same content by colour alone. A match confirmed by structure "
                   "is never capped.")
@click.option("--look", type=click.Path(dir_okay=False),
              help="A look LUT (.cube) the team already owns, applied after matching.")
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False), default="graded", show_default=True,
              help="Folder for graded copies (each under the clip's own file name) or LUTs.")
@click.option("--lut-only", is_flag=True, help="Write only each clip's .cube LUT(s), no video.")
@click.option("--report", is_flag=True, help="Also measure the set's consistency and write a contact sheet PNG.")
@click.option("--no-cache", is_flag=True, help="Refit even when a cached LUT exists.")
@click.option("--apply", "apply", type=click.Choice(["exact", "auto", "fast"]), default="exact", show_default=True,
              help="Graded copies: the exact LUT, or the cheaper YUV stand-in where it is within "
                   "tolerance of it (auto), or regardless (fast).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@executor_option
def grade_command(clips, references, strength, method, max_change, look, out_dir, lut_only, report, no_cache, apply,
                  as_json, executor="local") -> None:
    """Match each CLIP's colour to a style reference with one LUT per shot.

    CLIPS are files, or folders (every clip directly inside). Prints, per clip, the palette CIEDE2000 to the reference before and after, the mean change
    applied and any safeguard that fired. LUTs are cached in .broll/ in the current folder.
    """
    quiet_library_warnings()
    from broll.errors import lookup
    from broll.grading import load_reference
    from broll.grading.fit import GRADE_METHODS

    lookup(GRADE_METHODS, "grade method", method)
    out = Path(out_dir)
    clips = expand_clip_args(clips)
    refuse_clashing_names([Path(c).stem if lut_only else Path(c).name for c in clips])
    reference = references[0] if len(references) == 1 else list(references)
    ref = load_reference(reference)
    pool = make_executor(executor)
    if look:
        from broll.grading.lut import LOOK_HINT, read_cube
        if not Path(look).is_file():
            raise InputError(f"{look}: look LUT not found", "pass the path of a .cube file")
        read_cube(look, hint=LOOK_HINT)   # a malformed .cube fails here, once, naming the file and line
    options = {"max_change": max_change, "look": look}
    import tempfile
    # --no-cache fits afresh into a scratch project that disappears afterwards (only this process
    # writes to it: workers return their LUTs)
    with tempfile.TemporaryDirectory(prefix="broll-grade-") as scratch:
        cache_root = Path(scratch) if no_cache else Path.cwd()
        results, written, report_data = _grade_all(clips, ref, method, strength, out, lut_only, report, as_json,
                                                   cache_root, apply, pool, reference, options)
    _emit(results, written, report_data, ref.path, method, strength, lut_only, as_json)


def _grade_all(clips, ref, method, strength, out: Path, lut_only: bool, report: bool, as_json: bool, cache_root,
               apply: str = "exact", pool=None, reference=None, options: dict | None = None):
    """Fit (and render) every clip as one task each on ``pool``; LUT-only copies are made here."""
    import sys

    from broll.executors import get_executor
    from broll.executors.jobs import GradeRun

    pool = pool or get_executor("local")
    run = GradeRun(clips, reference or ref.path, method=method, strength=strength, cache_root=cache_root,
                   out_dir=out, lut_only=lut_only, apply=apply, options=options, reference_sha=ref.sha256)
    show = not as_json and sys.stderr.isatty()
    with progress_bar("grading", max(1, len(run.tasks)), enabled=show) as update:
        pool.run(run.tasks, on_progress=(lambda done, total: update(done)) if show else None, on_done=run.adopt)
    results, written = [], []
    for i, clip in enumerate(clips):
        result = run.result(i)            # the first failure stops the command, as before
        results.append(result)
        if lut_only:
            for src, dst in _lut_names(result, out):
                from broll.atomic import atomic_path
                with atomic_path(dst) as tmp:
                    shutil.copyfile(src, tmp)
                written.append(str(dst))
        else:
            written.append(str(out / Path(clip).name))

    report_data = _report(results, ref, out) if report else None
    return results, written, report_data


def _emit(results, written, report_data, reference, method, strength, lut_only: bool, as_json: bool) -> None:
    if as_json:
        payload = {"reference": str(reference), "method": method, "strength": strength,
                   "clips": [dict(r.to_dict(), output=w) for r, w in zip(results, written)] if not lut_only
                   else [r.to_dict() for r in results], "written": written}
        if report_data:
            payload["report"] = report_data
        emit_json(payload)
        return
    _print_table(results, written, lut_only)
    if report_data:
        _print_report(report_data)


def _report(results, ref, out: Path) -> dict:
    from broll.grading.metrics import set_spread
    from broll.grading.color import delta_e00
    from broll.grading.sheet import draw_sheet, graded_thumbnails, write_sheet
    import numpy as np

    before = [np.array(r.mean_lab_before) for r in results]
    after = [np.array(r.mean_lab_after) for r in results]
    ref_mean = np.array(results[0].reference_mean_lab)
    spread_b, spread_a = set_spread(before), set_spread(after)
    to_ref_b = float(np.mean(delta_e00(np.array(before), ref_mean[None]))) if results else 0.0
    to_ref_a = float(np.mean(delta_e00(np.array(after), ref_mean[None]))) if results else 0.0
    rows = [graded_thumbnails(r) for r in results]
    sheet = write_sheet(draw_sheet(rows, ref.image if ref.image.dtype == np.uint8 else
                                   (ref.image / 257).astype(np.uint8),
                                   title=f"broll grade -> {Path(ref.path).name}"), out / "grade-report.png")
    return {"clips": len(results), "spread_before": round(spread_b, 3), "spread_after": round(spread_a, 3),
            "spread_reduction": round(1 - spread_a / spread_b, 3) if spread_b > 0 else 0.0,
            "to_reference_before": round(to_ref_b, 3), "to_reference_after": round(to_ref_a, 3),
            "contact_sheet": str(sheet)}


def _print_table(results, written, lut_only: bool) -> None:
    from rich.table import Table
    table = Table(title="broll grade: palette CIEDE2000 to the reference", title_justify="left")
    # long clip names fold instead of squeezing the figures out (pipes get 80 columns)
    table.add_column("clip", overflow="fold", min_width=12)
    table.add_column("method", overflow="fold", min_width=8)
    for figure in ("before", "after", "change"):
        table.add_column(figure, justify="right", no_wrap=True, min_width=6)
    table.add_column("safeguard", overflow="fold", min_width=15)
    for r in results:
        shots = f"\n({len(r.shots)} shots)" if len(r.shots) > 1 else ""
        table.add_row(Path(r.clip).name + shots, "\n".join(r.methods_used), f"{r.de_before:.2f}", f"{r.de_after:.2f}",
                      f"{r.change:.2f}", "\n".join(r.safeguards) or "-")
    out = console()
    out.print(table)
    for r in results:
        for line in _explain(r):
            out.print(f"{escape(Path(r.clip).name)}: {escape(line)}", soft_wrap=True)
        if "looks-like-log" in r.safeguards:
            out.print(f"note: {escape(Path(r.clip).name)} looks like log footage (lifted blacks, no true white, "
                      "washed-out colour): only white balance was applied. Apply the camera's log-to-Rec.709 "
                      "LUT first, or pass --method balance to silence this.", soft_wrap=True)
    cached = sum(r.cached for r in results)
    if cached:
        out.print(f"{cached} of {len(results)} clip(s) reused cached LUTs from .broll/ (--no-cache refits)")
    kind = "LUT" if lut_only else "graded copy"
    for w in written:
        out.print(f"wrote {kind}: {escape(str(w))}", soft_wrap=True)


def _explain(result) -> list[str]:
    """Per shot: the measured value behind every safeguard that fired, and what was transferred."""
    lines = []
    for s in result.shots:
        where = f"shot {s.index + 1}: " if len(result.shots) > 1 else ""
        fit = s.fit
        details = fit.get("details", {})
        for name in fit["safeguards"]:
            if name in details:
                lines.append(f"{where}{name}: {details[name]}")
        if fit.get("scene") == "same":
            lines.append(f"{where}same scene, full match at strength {fit['strength']:.2f}: {details.get('scene', '')}"
                         + (f"; same content by colour: {details['same content by colour']}"
                            if "same content by colour" in details else "")
                         + (f"; {details['selected']}" if "selected" in details else ""))
        elif "same content by colour" in details:
            lines.append(f"{where}same content by colour: {details['same content by colour']}")
        comps = fit.get("components") or {}
        if comps and "saturation" in comps:
            tints = ", ".join(f"{k.split()[1]} {v:.1f}" for k, v in comps.items() if k.startswith("tint "))
            tone = f"tone curve up to {comps['tone']:.1f} L*" if comps.get("tone") else "tone: none"
            lines.append(f"{where}transferred from a look book of {comps.get('stills', '?')} stills "
                         f"(x strength {fit['strength']:.2f}): neutral tint shift (a*b*) {tints}; "
                         f"saturation x{comps['saturation']:.2f}; {tone} (each weighted by the share content cannot "
                         "explain; one still of other content: nothing; tone from 3 stills)")
    return lines


def _print_report(data: dict) -> None:
    from rich.table import Table
    table = Table(title=f"set consistency ({data['clips']} clips)")
    table.add_column("measure")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_row("spread of clip means (mean pairwise dE00)", f"{data['spread_before']:.2f}", f"{data['spread_after']:.2f}")
    table.add_row("clip mean to reference mean (dE00)", f"{data['to_reference_before']:.2f}", f"{data['to_reference_after']:.2f}")
    out = console()
    out.print(table)
    out.print(f"spread reduced by {100 * data['spread_reduction']:.0f}%; contact sheet: {data['contact_sheet']}",
              soft_wrap=True)
