"""Repair instead of regenerate: fix what QC found in place, touching only the affected frames.

Stable API (``broll fix``, the build's ``qc: {on_fail: repair}`` and the generation gate use it)::

    from broll.repair import repair_clip
    result = repair_clip("clip.mp4", "fixed/", profile="default", only=None, cache_root=None)
    result.verdict, result.output, result.repairs, result.refused, result.to_dict()

What can be repaired and how (docs/qc.md, "Repair"):

- ``glitch`` (1-2 frames) and ``black``/white flash frames inside a shot: motion-compensated
  interpolation of the neighbours (:mod:`broll.repair.interpolate`);
- short ``freeze``: the stalled frames re-timed by flow interpolation across the stall;
- ``flicker``: per-region gain and offset toward a temporally smoothed reference, or FFmpeg's
  ``deflicker``, whichever measures better (:mod:`broll.repair.flicker`);
- ``boil``: a temporal average limited to the shimmering cells and frames (:mod:`broll.repair.boil`);
- ``shake``: two-pass vid.stab with a mild crop, only when asked and measured (:mod:`broll.repair.shake`).

Cuts, long freezes, blank clips, strobes, jumps and blur are refused with a reason. Planning is pure
(:mod:`broll.repair.plan`); :mod:`broll.repair.run` decodes, rewrites and re-checks; FFmpeg runs
only in :mod:`broll.media`.
"""

from __future__ import annotations

from broll.repair.plan import NOT_REPAIRABLE, REPAIRABLE, Limits, Refusal, Step, parse_only, plan_repairs
from broll.repair.run import RepairResult, repair_clip

__all__ = ["repair_clip", "RepairResult", "plan_repairs", "parse_only", "Limits", "Step", "Refusal",
           "REPAIRABLE", "NOT_REPAIRABLE"]
