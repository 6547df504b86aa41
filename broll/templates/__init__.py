"""Data, not code: export presets for social formats and starter edit lists."""
