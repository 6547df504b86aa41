"""Every error broll raises on purpose, in one tree.

Library code raises these with a one-line ``message`` (what went wrong, naming the
file, field or frame) and an optional ``hint`` (what to do). The CLI maps each to
``Error: ...`` on stderr and an exit code; anything else escaping is a bug.

    BrollError                     exit 2 unless a subclass says otherwise
    ├── InputError                 the user's input is wrong (exit 2)
    │   ├── EditListError          a located problem in an edit list / batch spec / profile
    │   ├── MediaError             a media file is missing, unreadable or unsupported
    │   ├── ProjectError           .broll/project.db is unusable or from a newer broll
    │   └── UnknownNameError       an unknown preset / method / detector / provider name
    ├── ToolError                  an external tool failed (exit 3)
    │   ├── FFmpegError            FFmpeg exited non-zero; carries the tail of its stderr
    │   └── InstallError           part of broll, or a library it needs, cannot be imported
    ├── ProviderError              a video-generation API refused or failed (exit 4)
    │   ├── AuthError              missing or rejected key
    │   └── BudgetExceeded         the run would spend more than the cap (exit 5)
    ├── ReviewRequired             review gate refused a build (exit 6)
    └── Interrupted                the user pressed Ctrl-C (exit 130)
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable


class ExitCode:
    OK = 0
    CHECK_FAILED = 1  # e.g. `broll check` found a clip to regenerate
    INPUT = 2
    TOOL = 3
    PROVIDER = 4
    BUDGET = 5
    REVIEW = 6
    INTERRUPTED = 130


class BrollError(Exception):
    """Base of every intentional error: a message and an optional hint."""

    exit_code = ExitCode.INPUT

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(BrollError):
    """The user's input (file, option, field) is wrong."""


class EditListError(InputError):
    """A problem located in a YAML file: file:line:column and the field path."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, field: str | None = None, hint: str | None = None):
        self.file, self.line, self.column, self.field = file, line, column, field
        where = file or ""
        if file and line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        prefix = f"{where}: " if where else ""
        if field:
            prefix += f"{field}: "
        super().__init__(prefix + message, hint)
        self.bare_message = message


class EditListErrors(EditListError):
    """Several located problems found in one pass, reported together."""

    def __init__(self, errors: list[EditListError]):
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first.bare_message + more, file=first.file, line=first.line,
                         column=first.column, field=first.field, hint=first.hint)

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


class MediaError(InputError):
    """A media file is missing, unreadable, or of a kind broll refuses."""


class ProjectError(InputError):
    """The project database cannot be used: damaged, or written by a newer broll."""


class UnknownNameError(InputError):
    """An unknown name looked up in a methods table; lists the valid ones."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]):
        valid = sorted(valid)
        close = get_close_matches(name, valid, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += "valid: " + ", ".join(valid)
        super().__init__(f"unknown {kind} '{name}'", hint)
        self.name, self.valid = name, valid


class ToolError(BrollError):
    exit_code = ExitCode.TOOL


class FFmpegError(ToolError):
    """FFmpeg failed; ``stderr_tail`` holds its last meaningful lines."""

    def __init__(self, message: str, stderr_tail: str = "", hint: str | None = None):
        self.stderr_tail = stderr_tail
        full = message if not stderr_tail else f"{message}\n{stderr_tail}"
        super().__init__(full, hint)


class InstallError(ToolError):
    """Part of broll or a library it needs cannot be imported: a broken install, never skipped silently."""


class ProviderError(BrollError):
    exit_code = ExitCode.PROVIDER


class AuthError(ProviderError):
    pass


class BudgetExceeded(ProviderError):
    exit_code = ExitCode.BUDGET


class ReviewRequired(BrollError):
    exit_code = ExitCode.REVIEW


class Interrupted(BrollError):
    exit_code = ExitCode.INTERRUPTED


def lookup(table: dict, kind: str, name: str):
    """Look ``name`` up in a methods table, or raise UnknownNameError listing the valid names."""
    try:
        return table[name]
    except KeyError:
        raise UnknownNameError(kind, str(name), table.keys()) from None
