"""Backoff with full jitter that defers to server hints, and per-phase retry budgets."""

from __future__ import annotations

import random
from dataclasses import dataclass


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 60.0, hint: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based).

    A server hint (Retry-After, retry-after-ms, "resets in ~Ns", RetryInfo) wins, capped;
    otherwise full jitter: uniform(0, min(cap, base * 2**attempt)) (AWS architecture blog).
    """
    if hint is not None:
        return min(cap, max(0.0, hint))
    rng = rng or random
    return rng.uniform(0, min(cap, base * (2 ** attempt)))


@dataclass
class RetryBudget:
    """How many failures one phase (submit, poll, download) may absorb for one clip."""

    phase: str
    limit: int
    used: int = 0

    def spend(self) -> bool:
        """Count one failure; False when the budget is exhausted."""
        self.used += 1
        return self.used <= self.limit
