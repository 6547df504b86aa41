"""QC results: findings, the verdict rule, and the JSON shape other stages and scripts read.

Verdict: ``regenerate`` if any finding has severity ``regenerate``; else ``review`` if any has
``review``; else ``pass``. Findings of severity ``note`` (static clip, letterbox, levels, ...)
never change the verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

VERDICTS = ("pass", "review", "regenerate")
_RANK = {"note": 0, "review": 1, "regenerate": 2}


@dataclass
class Finding:
    """One defect or note over frames ``start_frame``..``end_frame`` (inclusive, 0-based decode order).

    ``start``/``end`` are seconds: the first frame's time and the end of the last frame's display.
    ``value`` is what was measured and ``threshold`` what it was compared with (units per kind,
    see docs/qc.md).
    """

    kind: str
    start_frame: int
    end_frame: int
    start: float
    end: float
    severity: str
    value: float
    threshold: float
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"] = round(self.start, 4)
        d["end"] = round(self.end, 4)
        d["value"] = round(float(self.value), 4)
        d["threshold"] = round(float(self.threshold), 4)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def verdict_for(findings: list[Finding]) -> str:
    worst = max((_RANK.get(f.severity, 0) for f in findings), default=0)
    return {0: "pass", 1: "review", 2: "regenerate"}[worst]


@dataclass
class QCReport:
    path: str
    verdict: str
    findings: list[Finding]
    facts: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    profile: str = "default"
    cached: bool = False

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def by_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "verdict": self.verdict, "profile": self.profile,
                "findings": [f.to_dict() for f in self.findings],
                "facts": self.facts, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, cached: bool = False) -> "QCReport":
        return cls(path=d["path"], verdict=d["verdict"], findings=[Finding.from_dict(f) for f in d["findings"]],
                   facts=d.get("facts", {}), metrics=d.get("metrics", {}), profile=d.get("profile", "default"),
                   cached=cached)
