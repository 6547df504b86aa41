"""broll: turn AI-generated video clips into finished, consistent B-roll reels.

Stages, each usable alone: generate -> qc -> grading -> review -> assemble, with export
presets in templates. The CLI (``broll``) is a thin layer over these modules; ``broll.build``
is the one build sequence both share.

Imports are lazy: ``import broll`` loads nothing heavy (the build's start-up time counts).
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "BrollError": "broll.errors",
    "MediaInfo": "broll.media.probe", "probe": "broll.media.probe",
    "build": "broll.assemble.build", "plan_build": "broll.assemble.build",
    "BuildResult": "broll.assemble.build", "BuiltOutput": "broll.assemble.build",
    "BuildPlan": "broll.assemble.build", "Progress": "broll.assemble.build",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'broll' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
