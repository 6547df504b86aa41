"""`broll providers`: providers, models, capabilities, list prices and when each was checked."""

from __future__ import annotations

import sys

import click

from broll.cli.output import console, emit_json


@click.command("providers")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (every capability field).")
@click.option("--markdown", is_flag=True, help="The Markdown table docs/generate.md carries.")
def providers_command(as_json: bool, markdown: bool) -> None:
    """List every provider and model: seed, references, lengths, aspects, resolutions, price, date checked."""
    from broll.generate import catalog
    if as_json:
        emit_json(catalog.catalog())
        return
    if markdown:
        click.echo(catalog.markdown(), nl=False)
        return
    from rich import box
    from rich.table import Table
    table = Table(title="Video providers (broll generate; * = default model)", box=box.SIMPLE_HEAD,
                  title_justify="left")
    cols = catalog.COLUMNS
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in catalog.rows():
        table.add_row(*[row[c] for c in cols])
    out = console()
    if not sys.stdout.isatty():
        out.width = 240
    out.print(table)
    out.print("Prices marked third-party or estimate were not confirmed on the provider's own pages; "
              "override them per batch with `prices:`.", markup=False)
