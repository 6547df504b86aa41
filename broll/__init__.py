"""broll: turn AI-generated video clips into finished, consistent B-roll reels.

Stages, each usable alone: generate -> qc -> grading -> review -> assemble, with export
presets in templates. The CLI (``broll``) is a thin layer over these modules.
"""

__version__ = "0.1.0"

from broll.errors import BrollError  # noqa: E402
from broll.media.probe import MediaInfo, probe  # noqa: E402

__all__ = ["__version__", "BrollError", "MediaInfo", "probe"]
