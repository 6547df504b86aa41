"""The shared ``--executor local|ray`` option (also ``$BROLL_EXECUTOR``) and its progress glue."""

from __future__ import annotations

import click

EXECUTOR_HELP = ("Where the work runs: local (a process pool on this machine's cores) or ray "
                 "(Ray tasks on $RAY_ADDRESS, else a local Ray started for this run; pip install 'broll[ray]').")


def executor_option(fn):
    return click.option("--executor", type=click.Choice(["local", "ray"]), envvar="BROLL_EXECUTOR",
                        default="local", show_default=True, show_envvar=True, help=EXECUTOR_HELP)(fn)


def make_executor(name: str):
    """The executor by name; without the Ray extra this raises one line naming the install command."""
    from broll.executors import get_executor
    return get_executor(name)
