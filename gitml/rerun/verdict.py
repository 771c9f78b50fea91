"""Judging a rerun: metrics compared within a relative tolerance, and the verdict.

A metric matches when ``|actual - expected| <= tolerance * max(|actual|, |expected|)``
(so 0 matches only 0). Tolerances come, most specific first, from ``--tolerance
NAME=REL``, ``[runs.tolerance] NAME = REL`` in ``.gitml/config.toml``, ``--tolerance REL``,
``[runs.tolerance] default = REL``, and 1e-6.

Verdicts: ``failed`` when the command did not complete; ``differs`` when a metric is
outside its tolerance or present on one side only, or when ``--set`` changed params (a
what-if rerun answers another question, so it is never ``reproduced``); ``reproduced``
otherwise. A run without metrics is judged by its outputs' digests instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gitml.errors import UsageError

if TYPE_CHECKING:
    from gitml.records.shapes import (
        JsonObject,
        MetricCheckTable,
        OutputState,
        RerunTable,
        RunRecord,
    )

DEFAULT_TOLERANCE = 1e-6
DEFAULT_KEY = "default"


class Verdict(StrEnum):
    REPRODUCED = "reproduced"
    DIFFERS = "differs"
    FAILED = "failed"


@dataclass(frozen=True)
class Tolerances:
    """The relative tolerance of each metric."""

    default: float = DEFAULT_TOLERANCE
    per_metric: Mapping[str, float] = field(default_factory=dict)

    def of(self, name: str) -> float:
        return self.per_metric.get(name, self.default)


def parse_tolerance(text: str) -> tuple[str | None, float]:
    """``REL`` or ``NAME=REL`` of ``--tolerance``."""
    name, eq, value = text.rpartition("=")
    if not eq:
        value, name = text, ""
    try:
        rel = float(value)
    except ValueError:
        rel = -1.0
    if not rel >= 0 or rel == float("inf") or (eq and not name.strip()):
        raise UsageError(
            f"--tolerance {text!r}: expected a relative tolerance such as 1e-4, "
            "or METRIC=REL such as acc=0.01"
        )
    return (name.strip() or None), rel


def tolerances(config: Mapping[str, float], given: Sequence[str] = ()) -> Tolerances:
    """Tolerances from the config's ``[runs.tolerance]`` and ``--tolerance`` options."""
    per_metric = {k: float(v) for k, v in config.items() if k != DEFAULT_KEY}
    default = float(config.get(DEFAULT_KEY, DEFAULT_TOLERANCE))
    for text in given:
        name, rel = parse_tolerance(text)
        if name is None:
            default = rel
        else:
            per_metric[name] = rel
    return Tolerances(default, per_metric)


@dataclass(frozen=True)
class MetricCheck:
    """One metric of the original run against the rerun."""

    name: str
    expected: float | None
    actual: float | None
    tolerance: float

    @property
    def delta(self) -> float | None:
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    @property
    def rel(self) -> float | None:
        if self.expected is None or self.actual is None:
            return None
        scale = max(abs(self.expected), abs(self.actual))
        return abs(self.actual - self.expected) / scale if scale else 0.0

    @property
    def ok(self) -> bool:
        rel = self.rel
        return rel is not None and rel <= self.tolerance

    def table(self) -> MetricCheckTable:
        """The metric's entry in the record's ``rerun.metrics`` (unknown values left out)."""
        found: MetricCheckTable = {"tolerance": self.tolerance, "ok": self.ok}
        if self.expected is not None:
            found["expected"] = self.expected
        if self.actual is not None:
            found["actual"] = self.actual
        if self.delta is not None:
            found["delta"] = self.delta
        if self.rel is not None:
            found["rel"] = self.rel
        return found

    def as_dict(self) -> JsonObject:
        return {
            "name": self.name,
            "expected": self.expected,
            "actual": self.actual,
            "delta": self.delta,
            "rel": self.rel,
            "tolerance": self.tolerance,
            "ok": self.ok,
        }

    def reason(self) -> str:
        if self.actual is None:
            return f"metric {self.name}: recorded {self.expected:.6g}, missing in the rerun"
        if self.expected is None:
            return f"metric {self.name}: {self.actual:.6g} in the rerun, not in the original run"
        return (
            f"metric {self.name}: {self.expected:.6g} -> {self.actual:.6g} (relative "
            f"difference {self.rel:.3g} > tolerance {self.tolerance:g})"
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def compare_metrics(
    expected: Mapping[str, Any], actual: Mapping[str, Any], tol: Tolerances
) -> list[MetricCheck]:
    """Every metric of either run, by name."""
    names = sorted(set(expected) | set(actual))
    return [
        MetricCheck(
            name=n,
            expected=_number(expected.get(n)),
            actual=_number(actual.get(n)),
            tolerance=tol.of(n),
        )
        for n in names
    ]


def compare_outputs(
    expected: Mapping[str, str], actual: Mapping[str, str]
) -> dict[str, OutputState]:
    """``path -> same | differs | missing | new`` for every output of either run."""
    out: dict[str, OutputState] = {}
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            out[path] = "missing"
        elif path not in expected:
            out[path] = "new"
        else:
            out[path] = "same" if expected[path] == actual[path] else "differs"
    return out


@dataclass(frozen=True)
class Judgement:
    """What a rerun showed: the verdict, why, and the comparisons behind it."""

    verdict: Verdict
    reasons: tuple[str, ...]
    metrics: tuple[MetricCheck, ...]
    outputs: Mapping[str, OutputState]
    tolerance: float
    what_if: tuple[str, ...] = ()

    def table(self, env_fields: Sequence[str] = ()) -> RerunTable:
        """The record's ``rerun`` table."""
        table: RerunTable = {
            "verdict": self.verdict.value,
            "tolerance": self.tolerance,
            "reasons": list(self.reasons),
            "metrics": {m.name: m.table() for m in self.metrics},
        }
        if self.what_if:
            table["what_if"] = list(self.what_if)
        if self.outputs:
            table["outputs"] = dict(self.outputs)
        if env_fields:
            table["env"] = list(env_fields)
        return table


def judge(
    original: RunRecord,
    rerun: Mapping[str, Any],
    tol: Tolerances,
    what_if: Sequence[str] = (),
) -> Judgement:
    """Compare a rerun's record with the original's."""
    metrics = tuple(compare_metrics(original.get("metrics") or {}, rerun.get("metrics") or {}, tol))
    outputs = compare_outputs(original.get("outputs") or {}, rerun.get("outputs") or {})
    reasons: list[str] = []
    if rerun.get("status") != "completed":
        reasons.append(f"the command {rerun.get('status')} with exit code {rerun.get('exit_code')}")
        if original.get("status") != "completed":
            reasons.append(
                f"the original run {original.get('status')} too "
                f"(exit code {original.get('exit_code')})"
            )
        verdict = Verdict.FAILED
    else:
        if what_if:
            reasons.append(
                f"params changed with --set ({', '.join(what_if)}): a what-if rerun is "
                "never 'reproduced'"
            )
        reasons.extend(m.reason() for m in metrics if not m.ok)
        if not metrics:
            changed = [p for p, state in outputs.items() if state != "same"]
            reasons.extend(f"output {p}: {outputs[p]}" for p in changed)
        verdict = Verdict.DIFFERS if reasons else Verdict.REPRODUCED
        if not metrics and not outputs:
            reasons.append("no metrics or outputs were recorded; only the exit status was checked")
    return Judgement(
        verdict=verdict,
        reasons=tuple(reasons),
        metrics=metrics,
        outputs=outputs,
        tolerance=tol.default,
        what_if=tuple(what_if),
    )
