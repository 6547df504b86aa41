"""`broll init`: write a starter project (edit list, folders, optional demo media)."""

from __future__ import annotations

import click

from broll.cli.output import console, emit_json


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False), required=False)
@click.option("--template", "-t", default="product-teaser", show_default=True,
              help="Starter to copy (see --list).")
@click.option("--demo", is_flag=True, help="Also synthesise sample media so the project builds at once.")
@click.option("--generate", is_flag=True, help="Generated clips: a generate: section (offline provider) instead "
                                               "of clip files; `broll build` then runs the whole chain.")
@click.option("--list", "list_only", is_flag=True, help="List the starter templates.")
@click.option("--force", is_flag=True, help="Overwrite an existing edit.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def init_command(folder, template, demo, generate, list_only, force, as_json):
    """Start a project in FOLDER from a template: edit.yaml with every key explained, and media folders."""
    from broll.templates.starters import init_project, starters

    if list_only or folder is None:
        table = starters()
        if as_json:
            emit_json({n: s.description for n, s in table.items()})
            return
        for name, s in table.items():
            click.echo(f"{name:16s} {s.description}")
        if folder is None and not list_only:
            click.echo("\nusage: broll init [--template NAME] [--demo] FOLDER")
        return
    err = console(stderr=True)
    report = init_project(folder, template, demo=demo, force=force, generate=generate,
                          on_file=None if as_json else (lambda f: err.print(f"synthesising {f}")))
    if as_json:
        emit_json(report)
        return
    out = console()
    out.print(f"Wrote {report['edit_list']} ({report['template']})")
    if report["missing_media"]:
        out.print("Add these files (or run again with --demo for sample media):")
        for f in report["missing_media"]:
            out.print(f"  {f}")
    if generate:
        out.print(f"Next: broll build {report['edit_list']}  (generates, checks, grades and assembles; "
                  "--dry-run first to see every request)")
        return
    out.print(f"Next: broll validate {report['edit_list']}  then  broll build {report['edit_list']}")
    if report.get("variants"):
        out.print(f"Every variant: broll build {report['edit_list']} --variants {report['variants']}")
