"""Which QC findings can be repaired in place, how, and over which frames: pure, no media.

A :class:`Step` is one repair (kind, inclusive frame range, method, the context frames it reads
around that range); a :class:`Refusal` is a finding that cannot be repaired and why. The runner
(:mod:`broll.repair.run`) executes steps; nothing here decodes or encodes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

from broll.errors import UnknownNameError
from broll.qc.report import Finding

# kinds broll fix can act on; `shake` has no QC detector: it runs only when asked (--only shake)
REPAIRABLE = ("flicker", "flash", "glitch", "black", "freeze", "boil", "shake")
# kinds QC reports that no in-place repair can fix, and why
NOT_REPAIRABLE = {
    "cut": "a hard cut joins two shots: trimming or regenerating is the fix, not interpolation",
    "blank": "the whole clip is degenerate: there is no good picture to repair from",
    "jump": "a structural jump (morph, teleport) has no clean frame on one side to rebuild from",
    "blur": "detail that was never generated cannot be restored",
    "low_detail": "detail that was never generated cannot be restored",
}


@dataclass(frozen=True)
class Limits:
    """How far an in-place repair is trusted (frames at the clip's frame rate)."""

    max_glitch_frames: int = 2        # glitch: 1-2 extraneous frames
    max_black_frames: int = 6         # a flash/black insert longer than this is a gap, not a flash frame
    max_freeze_frames: int = 15       # half a second at 30 fps: longer stalls lose too much motion to invent
    flicker_context: float = 0.75     # seconds read either side of a flicker span for its smoothed reference
    max_flash_share: float = 0.6      # a strobe over more of the clip than this has no clean frames to bridge from
    boil_context: int = 16            # frames read either side of a boil span: the clean baseline, and room to
                                      # widen QC's span to the boil's real extent (boil.GROW)


@dataclass
class Step:
    kind: str
    start: int                  # inclusive frame range the repair rewrites
    end: int
    method: str
    context: int                # frames read either side of the range
    severity: str = ""
    scope: str = ""             # flicker: "global" | "regional"
    measure: dict = field(default_factory=dict)   # filled by the runner: name, before, after, unit

    @property
    def window(self) -> tuple[int, int]:
        return self.start - self.context, self.end + self.context

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("context")
        return d


@dataclass
class Refusal:
    kind: str
    start: int
    end: int
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def parse_only(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``--only flicker,glitch`` -> kinds; an unknown kind is an error listing the valid ones."""
    if text is None:
        return tuple(k for k in REPAIRABLE if k != "shake")
    items = text.split(",") if isinstance(text, str) else list(text)
    kinds = tuple(dict.fromkeys(k.strip() for k in items if k.strip()))
    for k in kinds:
        if k not in REPAIRABLE:
            raise UnknownNameError("repair kind", k, REPAIRABLE)
    return kinds


def plan_repairs(findings: list[Finding], frames: int, fps: float, *, only: tuple[str, ...] | None = None,
                 limits: Limits = Limits()) -> tuple[list[Step], list[Refusal]]:
    """Steps for the findings that matter (severity review or regenerate) and refusals for the rest."""
    only = parse_only(None) if only is None else only
    steps: list[Step] = []
    refusals: list[Refusal] = []
    last = max(0, frames - 1)
    for f in findings:
        if f.severity == "note":
            continue
        s, e, n = f.start_frame, f.end_frame, f.end_frame - f.start_frame + 1
        if f.kind in NOT_REPAIRABLE:
            refusals.append(Refusal(f.kind, s, e, NOT_REPAIRABLE[f.kind]))
            continue
        if f.kind not in REPAIRABLE:
            refusals.append(Refusal(f.kind, s, e, "no in-place repair for this kind"))
            continue
        if f.kind not in only:
            refusals.append(Refusal(f.kind, s, e, "not selected (--only)"))
            continue
        if f.kind in ("glitch", "black", "freeze"):
            cap = {"glitch": limits.max_glitch_frames, "black": limits.max_black_frames,
                   "freeze": limits.max_freeze_frames}[f.kind]
            if s <= 0 or e >= last:
                refusals.append(Refusal(f.kind, s, e, "touches the clip's first or last frame: no picture on "
                                                      "both sides to interpolate from (trim it)"))
                continue
            if n > cap:
                what = {"freeze": "long freeze", "black": "long black/uniform run", "glitch": "long glitch"}[f.kind]
                refusals.append(Refusal(f.kind, s, e, f"{what} of {n} frames (> {cap}): too much motion to "
                                                      "invent; regenerate"))
                continue
            method = "flow-retime" if f.kind == "freeze" else "flow-interpolate"
            steps.append(Step(f.kind, s, e, method, context=1, severity=f.severity))
        elif f.kind == "flicker":
            scope = "regional" if f.message.startswith("regional") else "global"
            ctx = max(4, int(round(limits.flicker_context * fps)))
            steps.append(Step("flicker", s, e, "auto", context=ctx, severity=f.severity, scope=scope))
        elif f.kind == "flash":
            if n > limits.max_flash_share * frames or s < 3 or e > last - 3:
                refusals.append(Refusal("flash", s, e, f"photosensitive flashing over {n} of {frames} frames "
                                                      "(or touching the clip's edge): no clean picture on both "
                                                      "sides to restore it from; regenerate"))
                continue
            ctx = max(4, int(round(limits.flicker_context * fps)))
            steps.append(Step("flash", s, e, "auto", context=ctx, severity=f.severity, scope="global"))
        elif f.kind == "boil":
            steps.append(Step("boil", s, e, "temporal-denoise", context=limits.boil_context, severity=f.severity))
    return _merge(steps), refusals


def shake_step(frames: int) -> Step:
    """Stabilisation covers the whole clip (the camera path is smoothed end to end)."""
    return Step("shake", 0, max(0, frames - 1), "vidstab", context=0)


def _merge(steps: list[Step]) -> list[Step]:
    """Overlapping steps of one kind become one; frame-replacing steps run before filtering ones."""
    order = {"black": 0, "glitch": 0, "freeze": 0, "flash": 1, "flicker": 1, "boil": 2}
    out: list[Step] = []
    for st in sorted(steps, key=lambda x: (order.get(x.kind, 3), x.kind, x.start)):
        prev = out[-1] if out else None
        if prev is not None and prev.kind == st.kind and st.start <= prev.end + 1:
            prev.end = max(prev.end, st.end)
            prev.scope = "regional" if "regional" in (prev.scope, st.scope) else prev.scope
            continue
        out.append(st)
    return out


def segments(steps: list[Step], frames: int) -> list[tuple[int, int]]:
    """Merged inclusive frame windows the runner must hold in memory (step range + context)."""
    spans = sorted((max(0, a), min(frames - 1, b)) for a, b in (st.window for st in steps if st.kind != "shake"))
    out: list[list[int]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]
