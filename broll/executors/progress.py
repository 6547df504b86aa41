"""One progress figure for many tasks on many workers: the sum of each task's fraction done."""

from __future__ import annotations

from typing import Callable, Optional

OnProgress = Callable[[float, int], None]    # (tasks done, counting partial ones as fractions; total tasks)


class Tracker:
    """Collects per-task fractions from any worker and reports one total to one callback."""

    def __init__(self, total: int, on_progress: Optional[OnProgress]):
        self.total = total
        self._fractions: dict[int, float] = {}
        self._on_progress = on_progress
        self._last_sent = -1.0

    def update(self, index: int, fraction: float) -> None:
        # a retried task starts again from 0; a late report never undoes a finished task
        if self._fractions.get(index, 0.0) < 1.0:
            self._fractions[index] = fraction

    def finish(self, index: int) -> None:
        self._fractions[index] = 1.0

    @property
    def done(self) -> float:
        return sum(self._fractions.values())

    def emit(self) -> None:
        if self._on_progress is None:
            return
        done = self.done
        if done != self._last_sent:
            self._last_sent = done
            self._on_progress(done, self.total)
