"""Silence third-party import chatter users should never see (library code, not the CLI's)."""

from __future__ import annotations

import sys
import warnings


def quiet_library_warnings() -> None:
    """colour-science warns at import about optional packages; users should not see that."""
    warnings.filterwarnings("ignore", message=".*related API features are not available.*")
    # Only once colour-science is loaded: importing it just to silence it costs ~0.5 s, which
    # a build whose LUTs are all cached never needs to pay (broll.grading.color imports it lazily
    # and calls this again afterwards).
    if "colour.utilities" in sys.modules:
        warnings.filterwarnings("ignore", category=sys.modules["colour.utilities"].ColourUsageWarning)
