"""`broll cache [PATH] [--clear]`: show or empty a project's segment cache (.broll/segments/)."""

from __future__ import annotations

import click

from broll.cli.output import console, emit_json


@click.command("cache")
@click.argument("path", required=False, default=".", type=click.Path(exists=True))
@click.option("--clear", is_flag=True, help="Delete every cached segment and sound.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def cache_command(path: str, clear: bool, as_json: bool) -> None:
    """Show (or with --clear, empty) the segment cache of the project holding PATH (an edit list or folder).

    Rebuilds reuse cached segments; the cache keeps the most recently used ones under
    $BROLL_SEGMENT_CACHE_MB megabytes (default 4096).
    """
    from broll.assemble.segment_cache import SegmentCache
    from broll.project import find_project

    cache = SegmentCache(find_project(path))
    freed = cache.clear() if clear else 0
    stats = cache.stats()
    if as_json:
        emit_json({**stats.to_dict(), "cleared_bytes": freed})
        return
    err = console(stderr=True)
    if clear:
        err.print(f"cleared {freed / 1e6:.1f} MB from {stats.folder}")
    click.echo(f"{stats.folder}: {stats.entries} entries, {stats.bytes / 1e6:.1f} MB "
               f"(cap {stats.cap / 1e6:.0f} MB, least recently used evicted first)")
