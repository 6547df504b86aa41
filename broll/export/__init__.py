"""Re-target a finished video to platform presets: size, fps, codec limits, loudness, reframing."""

from broll.export.aliases import ALIASES, parse_preset_list, resolve_preset
from broll.export.plan import DEFAULT_STRATEGY, STRATEGIES, ExportSource, ExportTarget, build_argv
from broll.export.render import ExportedFile, plan_export, run_export

__all__ = ["ALIASES", "DEFAULT_STRATEGY", "STRATEGIES", "ExportSource", "ExportTarget", "ExportedFile",
           "build_argv", "parse_preset_list", "plan_export", "resolve_preset", "run_export"]
