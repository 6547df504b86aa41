"""`broll review [PROJECT_DIR|batch.yaml|edit.yaml]`: a local page to approve or reject each clip."""

from __future__ import annotations

import webbrowser

import click

from broll.cli.output import console, emit_json


def _list(target: str | None, as_json: bool) -> None:
    from broll.review.decisions import history, review_states
    from broll.review.sources import resolve_source

    src = resolve_source(target)
    states = review_states(src.root, [c.path for c in src.clips])
    known = {s.clip_path for s in states}
    # decisions on clips this review does not list (removed, or not in this edit list) still
    # show: the record is the record
    from broll.review.decisions import latest_decisions
    gone = [d for k, d in latest_decisions(src.root).items() if k not in known]
    if as_json:
        emit_json({"project": str(src.root), "source": src.kind, "clips": [s.to_dict() for s in states],
                   "not_listed": [d.to_dict() for d in gone], "missing": src.missing,
                   "history": len(history(src.root))})
        return
    out = console()
    if not states and not gone and not src.missing:
        out.print(f"no clips found in {src.spec or src.root}")
        return
    from rich.table import Table

    table = Table(title=f"review decisions in {src.root}", title_justify="left")
    for col in ("clip", "state", "by", "when", "note"):
        table.add_column(col, overflow="fold")
    colour = {"approved": "green", "rejected": "red", "changed-since-approval": "yellow"}
    for s in states:
        d = s.decision
        label = s.state if not d or d.clip_sha == s.current_sha else f"{s.state} (was {d.decision})"
        table.add_row(s.clip_path, f"[{colour.get(s.state, 'default')}]{label}[/]",
                      d.reviewer if d else "", _when(d.decided_at) if d else "", d.note if d else "")
    for d in gone:
        table.add_row(d.clip_path, f"[dim]not listed ({d.decision})[/]", d.reviewer, _when(d.decided_at), d.note)
    for m in src.missing:
        table.add_row(m, "[red]missing[/]", "", "", "")
    out.print(table)
    counts: dict[str, int] = {"missing": len(src.missing)} if src.missing else {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    out.print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no clips")


def _send_back(target: str | None, dry_run: bool, as_json: bool) -> None:
    from broll.review.sendback import send_back
    from broll.review.sources import resolve_source

    src = resolve_source(target)
    sent = send_back(src.root, [c.path for c in src.clips], dry_run=dry_run)
    if as_json:
        emit_json({"dry_run": dry_run, "sent_back": [s.to_dict() for s in sent]})
        return
    verb = "would send back" if dry_run else "sent back"
    if not sent:
        click.echo("nothing to send back: no rejected clip here came from `broll generate`")
        return
    for s in sent:
        click.echo(f"{verb} {s.clip} (shot {s.shot}, take {s.attempt} next; rejected file -> {s.kept_as})")
    if not dry_run:
        spec = src.spec.name if src.kind == "batch" and src.spec else "batch.yaml"
        click.echo(f"run `broll generate {spec}` for the new takes, then `broll review` them")


def _open_browser(url: str) -> bool:
    """Open the page in a graphical browser; never a text browser in this terminal (which the
    server's output shares), so on a Linux box with no display we only print the URL."""
    import os
    import sys

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        return bool(webbrowser.open(url, new=2))
    except Exception:
        return False


def _when(iso: str) -> str:
    """2026-11-23T21:41:02+00:00 -> 2026-11-23 21:41Z (the table is for people; JSON keeps seconds)."""
    return iso[:16].replace("T", " ") + "Z" if iso.endswith("+00:00") else iso


@click.command("review")
@click.argument("target", required=False, type=click.Path())
@click.option("--port", default=8765, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback exposes your clips to the network.")
@click.option("--no-browser", is_flag=True, help="Only print the URL.")
@click.option("--list", "list_", is_flag=True, help="Print the decisions instead of serving the page.")
@click.option("--send-back", is_flag=True,
              help="Mark rejected generated clips for a new take by the next `broll generate` run.")
@click.option("--dry-run", is_flag=True, help="With --send-back: say what would be sent back, change nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --list or --send-back: machine-readable output.")
def review_command(target: str | None, port: int, host: str, no_browser: bool, list_: bool, send_back: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Review every clip in a browser: play, frame-step, see QC findings, approve or reject.

    TARGET is a project folder (default: here), a batch.yaml (its out: folder) or an
    edit.yaml (its timeline clips). Decisions go into .broll/project.db.
    """
    if list_ and send_back:
        raise click.UsageError("--list and --send-back are separate runs")
    if list_:
        _list(target, as_json)
        return
    if send_back:
        _send_back(target, dry_run, as_json)
        return
    if as_json:
        raise click.UsageError("--json goes with --list or --send-back")
    if dry_run:
        raise click.UsageError("--dry-run goes with --send-back")
    from broll.review.server import ReviewServer

    server = ReviewServer(target, host=host, port=port)
    n = len(server.app.source.clips)
    err = console(stderr=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning:[/] listening on {host}: anyone who can reach it can watch these clips")
    click.echo(server.url)
    err.print(f"{n} clip{'s' if n != 1 else ''} in {server.app.root}; reviewing as {server.app.user}. "
              "Ctrl-C to stop.")
    if not no_browser and not _open_browser(server.url):
        click.echo(f"no display here: open the URL in your browser "
                   f"(over SSH: ssh -L {server.port}:127.0.0.1:{server.port} HOST)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    err.print("review server stopped")
