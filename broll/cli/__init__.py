"""The ``broll`` command: the only place that prints or exits.

Commands live one per module and load lazily (``broll --help`` stays fast); every
BrollError becomes ``Error: <message>`` plus a hint on stderr and its exit code;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from broll import __version__
from broll.errors import BrollError, EditListErrors, ExitCode

# name -> "module:attribute"; each stage adds its own line.
COMMANDS: dict[str, str] = {
    "init": "broll.cli.init_cmd:init_command",
    "generate": "broll.cli.generate_cmd:generate_command",
    "check": "broll.cli.check_cmd:check_command",
    "fix": "broll.cli.fix_cmd:fix_command",
    "grade": "broll.cli.grade_cmd:grade_command",
    "review": "broll.cli.review_cmd:review_command",
    "validate": "broll.cli.validate_cmd:validate_command",
    "plan": "broll.cli.plan_cmd:plan_command",
    "build": "broll.cli.build_cmd:build_command",
    "captions": "broll.cli.captions_cmd:captions_command",
    "demo": "broll.cli.demo_cmd:demo_command",
    "export": "broll.cli.export_cmd:export_command",
    "presets": "broll.cli.presets_cmd:presets_command",
    "probe": "broll.cli.probe_cmd:probe_command",
    "providers": "broll.cli.providers_cmd:providers_command",
    "cache": "broll.cli.cache_cmd:cache_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            from difflib import get_close_matches
            if args and args[0] not in COMMANDS:
                close = get_close_matches(args[0], list(COMMANDS), n=1)
                if close:
                    raise click.UsageError(f"no command '{args[0]}'; did you mean '{close[0]}'?") from None
            raise exc


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="broll")
@click.option("--debug", is_flag=True, envvar="BROLL_DEBUG", help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn AI-generated clips into finished, consistent B-roll reels."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _print_error(exc: BrollError) -> None:
    if isinstance(exc, EditListErrors):
        for line in exc.lines():
            click.echo(f"Error: {line}", err=True)
        return
    click.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"  hint: {exc.hint}", err=True)


def _terminate_like_ctrl_c() -> None:
    """SIGTERM (a job runner's stop, ``kill``) unwinds like Ctrl-C: FFmpeg is stopped and every
    temporary output is removed on the way out, instead of dying with ``.part`` files left behind."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the group, map errors to messages and exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or bool(os.environ.get("BROLL_DEBUG"))
    _terminate_like_ctrl_c()
    try:
        rv = main.main(args=argv, prog_name="broll", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrollError as exc:
        if debug:
            traceback.print_exc()
        _print_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
