"""Spending cap: reserve an estimate before each submit, settle or release it afterwards.

Money already committed in earlier runs (from the manifest) counts against the cap, so a
resumed batch can never spend more in total than the spec allows.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from broll.errors import BudgetExceeded


@lru_cache(maxsize=1)
def default_prices() -> dict:
    # libyaml's parser where PyYAML has it: the pure-Python one costs ~50 ms before the first create
    text = (Path(__file__).parent / "prices.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def merged_prices(provider: str, overrides: dict | None) -> dict:
    prices = {k: dict(v) for k, v in default_prices().items()}
    if overrides:
        prices.setdefault(provider, {}).update(overrides)
    return prices


class Budget:
    """Thread-safe ledger: ``spent`` (charged), ``reserved`` (in flight), against ``cap``."""

    def __init__(self, cap: Decimal | None, spent: Decimal = Decimal("0"), reserved: Decimal = Decimal("0")):
        self.cap, self.spent, self.reserved = cap, spent, reserved
        self._lock = threading.Lock()
        self.stopped: str | None = None   # reason the provider refused more work (no credit)

    def reserve(self, amount: Decimal, what: str) -> None:
        with self._lock:
            if self.stopped:
                raise BudgetExceeded(f"{what}: not submitted, {self.stopped}")
            if self.cap is not None and self.spent + self.reserved + amount > self.cap:
                raise BudgetExceeded(
                    f"{what}: estimate ${amount:.2f} would exceed the budget "
                    f"(${self.spent:.2f} spent + ${self.reserved:.2f} in flight of ${self.cap:.2f})",
                    "raise `budget:` in the batch spec and re-run to resume")
            self.reserved += amount

    def hold(self, amount: Decimal) -> None:
        """Re-hold the reservation of a task found in flight on resume."""
        with self._lock:
            self.reserved += amount

    def charge(self, amount: Decimal) -> None:
        with self._lock:
            self.reserved -= amount
            self.spent += amount

    def release(self, amount: Decimal) -> None:
        with self._lock:
            self.reserved -= amount

    def stop(self, reason: str) -> None:
        with self._lock:
            self.stopped = reason
