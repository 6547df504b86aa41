"""Re-check a repaired copy by measuring only what the repair rewrote.

A repaired H.264 MP4 keeps the source's packets before the first re-encoded frame
(:mod:`broll.media.splice`), so those frames decode to exactly the pictures QC measured in the
source, and every signal of them (and all the meter's running state: the last frames, flow,
scene detector, flash counters, maxima) would come out bit-identical. The first QC pass keeps
checkpoints of its signal meter (:class:`MeterCheckpoints`, every few frames); the re-check
restores the last checkpoint at or before the first re-encoded frame, measures the first pass's own
frames up to that one (kept in memory) and decodes the written file from its first re-encoded frame
on (a seek to its IDR frame): nothing of the copied prefix is decoded again. The detectors then run over the
whole clip's signals, as a full re-check's do: same signals, same verdict
(``tests/repair/test_recheck.py`` compares the two on several defects).

A source that cannot be spliced, a cached first report (no checkpoints) or a repair from frame 0
falls back to a full re-check.
"""

from __future__ import annotations

import copy
import os
import types

# a checkpoint costs ~1.5 MB (the meter's last frames and flows at analysis size): every 8th frame,
# but never more than MAX_CHECKPOINTS per clip (a long clip spaces them further apart); the first
# KEEP frames after each are kept too (~86 KB each), so a clip of up to 64 x 8 frames keeps them
# all and any first re-encoded frame can be resumed without decoding the copied prefix
EVERY = 8
MAX_CHECKPOINTS = 64
KEEP = EVERY


def _shared(value) -> bool:
    """Held by reference in a checkpoint: modules, classes and OpenCV objects (stateless between calls)."""
    kind = type(value)
    return isinstance(value, (types.ModuleType, type)) or kind.__module__.startswith("cv2")


class _Part:
    """A checkpoint of one of the meter's own parts (e.g. its shimmer meter): its class and its
    attributes, frozen by the same rules as the meter's, so its growing series are shared too."""

    __slots__ = ("cls", "state")

    def __init__(self, cls: type, state: dict):
        self.cls, self.state = cls, state


def _own_part(value) -> bool:
    """An object of QC's own (``broll.qc``) with plain attributes: frozen attribute by attribute."""
    return type(value).__module__.startswith("broll.qc") and hasattr(value, "__dict__")


def _series_dict(value) -> bool:
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


def _freeze(value):
    """``value`` as a checkpoint holds it: QC's own parts attribute by attribute, everything else
    as :func:`_copied` copies it."""
    if _own_part(value):
        return _Part(type(value), {k: _freeze(v) for k, v in vars(value).items()})
    return _copied(value)


def _thaw(value):
    """A live copy of a frozen value (the checkpoint stays reusable)."""
    if isinstance(value, _Part):
        obj = value.cls.__new__(value.cls)
        for k, v in value.state.items():
            setattr(obj, k, _thaw(v))
        return obj
    return _copied(value)


def _copied(value):
    """Per-frame series (lists, dicts of lists) as lists of references (they only grow; their last
    entries, which a later frame may still fill in, are copied), modules and OpenCV objects
    shared, everything else deep-copied."""
    if _shared(value):
        return value
    if isinstance(value, list):
        return _copy_series(value)
    if _series_dict(value):
        return {k: _copy_series(v) for k, v in value.items()}
    return copy.deepcopy(value)


def snapshot(meter) -> dict:
    """The meter's whole state at this frame, cheap to take: no per-frame series is copied, its own
    or its parts' (the shimmer meter's rows grow with the clip: copying them at every checkpoint
    cost O(frames x checkpoints), ~50 MB on a 30 s clip); see :func:`_freeze`."""
    return {key: _freeze(value) for key, value in vars(meter).items()}


def _copy_series(values: list) -> list:
    out = list(values)
    for i in range(max(0, len(out) - 4), len(out)):
        out[i] = copy.deepcopy(out[i])
    return out


def restore(state: dict):
    """A new meter in the state :func:`snapshot` saw (the checkpoint itself stays reusable)."""
    from broll.qc.signals import SignalMeter

    meter = SignalMeter.__new__(SignalMeter)
    for key, value in state.items():
        setattr(meter, key, _thaw(value))
    return meter


class MeterCheckpoints:
    """Snapshots of the QC signal meter taken during the first pass (``before_add`` hook), and the
    first pass's frames from each checkpoint on (compact: the small I420 picture, ~86 KB at
    320x180), so a re-check resumed at a checkpoint feeds the meter the frames up to the first
    re-encoded one from memory and decodes the written file from there (a seek): the copied
    prefix is not decoded again."""

    def __init__(self, frames: int):
        self.every = max(EVERY, -(-max(1, frames) // MAX_CHECKPOINTS))
        self.states: dict[int, dict] = {}
        self.frames: dict[int, object] = {}       # index -> compact AnalysisFrame, the first KEEP after each checkpoint
        self.times: list[float] = []               # every frame's time, as the first pass decoded it
        self.failed = False

    def __call__(self, meter, frame) -> None:
        index = frame.index
        if index == len(self.times):
            self.times.append(frame.time)
        if self.failed or index <= 0:
            return
        if index >= self.every and index % self.every < KEEP and frame.i420 is not None:
            self.frames[index] = frame.compact()
        if index % self.every:
            return
        try:
            self.states[index] = snapshot(meter)
        except (TypeError, copy.Error):
            # a meter holding something that cannot be copied: no checkpoints, the re-check measures
            # everything (slower, never wrong); tests/repair/test_recheck.py fails on it
            self.failed = True
            self.states.clear()
            self.frames.clear()

    def before(self, frame: int) -> int:
        """The last checkpointed frame at or before ``frame`` (0: none, measure from the start)."""
        return max((k for k in self.states if k <= frame), default=0)

    def resume(self, frame: int):
        """``(meter, k)`` for :func:`broll.qc.signals.measure`, or None to measure everything."""
        k = self.before(frame)
        return (restore(self.states[k]), k) if k else None

    def replay(self, frame: int):
        """``(frames, t)`` for :func:`broll.qc.signals.measure`: the kept frames from the checkpoint
        :meth:`resume` picks up to ``frame`` (excluded) and ``frame``'s time; None when some are not
        kept (the file is then decoded from its start)."""
        k = self.before(frame)
        kept = [self.frames.get(i) for i in range(k, frame)]
        if not k or frame >= len(self.times) or any(fr is None for fr in kept):
            return None
        return kept, self.times[frame]


def first_check(path: str | os.PathLike, profile, cache_root, frames: int):
    """QC the source, keeping checkpoints for the re-check; ``(report, checkpoints)``.

    A report read from the cache has no checkpoints (``None``): the re-check then measures everything.
    """
    from broll.qc import check

    marks = MeterCheckpoints(frames)
    report = check(path, profile, cache_root, measure_hooks={"before_add": marks})
    return report, (marks if marks.states and not marks.failed else None)


def recheck(path: str | os.PathLike, profile, cache_root, marks: MeterCheckpoints | None, first_changed: int):
    """QC the repaired copy ``path``, whose frames before ``first_changed`` are the source's own packets."""
    from broll.qc import check

    hooks = None
    if marks is not None and first_changed > 0:
        resume = marks.resume(first_changed)
        if resume is not None:
            hooks = {"resume": resume, "replay": marks.replay(first_changed)}
    return check(path, profile, cache_root, measure_hooks=hooks)
