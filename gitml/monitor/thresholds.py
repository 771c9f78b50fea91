"""Monitoring thresholds from ``.gitml/policy.toml``, over documented defaults.

Defaults are ``gitml.tabular.drift.DEFAULT_THRESHOLDS`` plus ``performance_drop`` 0.05.
Precedence, lowest first: defaults, ``[monitor.thresholds]``, ``[model.<m>.monitor]``;
``[monitor.columns.<col>]`` overrides per column on top. The policy spells two names
for readers (``null_rate``, ``unseen_share``); they map to the statistics' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitml.config import POLICY_FILE
from gitml.governance.policy import load_policy

PERFORMANCE_DROP = 0.05
POLICY_NAMES = {"null_rate": "null_rate_change", "unseen_share": "unseen_categories"}


@dataclass(frozen=True)
class Limits:
    thresholds: dict[str, float] = field(default_factory=dict)
    columns: dict[str, dict[str, float]] = field(default_factory=dict)
    p_values: bool = False
    performance_drop: float = PERFORMANCE_DROP


def _rename(table: Mapping[str, Any]) -> dict[str, float]:
    return {POLICY_NAMES.get(k, k): float(v) for k, v in table.items()}


def load_limits(workdir: Path, model: str) -> Limits:
    """The limits for ``model`` from the work tree's policy (defaults when absent)."""

    path = workdir / POLICY_FILE
    policy = load_policy(path.read_bytes() if path.is_file() else None)
    section = policy.get("monitor", {})
    merged = _rename(section.get("thresholds", {}))
    merged.update(_rename(policy.get("model", {}).get(model, {}).get("monitor", {})))
    drop = merged.pop("performance_drop", PERFORMANCE_DROP)
    columns = {}
    for name, table in section.get("columns", {}).items():
        over = _rename(table)
        over.pop("performance_drop", None)
        columns[name] = over
    return Limits(
        thresholds=merged,
        columns=columns,
        p_values=bool(section.get("p_values", False)),
        performance_drop=drop,
    )
