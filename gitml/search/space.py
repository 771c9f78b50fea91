"""A search space from ``-S`` options: what each param may take in a random or Optuna search.

    -S train.lr=loguniform(1e-4,1e-1)     a float, uniform in log space (bounds included)
    -S train.dropout=uniform(0,0.5)       a float
    -S train.depth=int(2,8)               an integer, both bounds included
    -S train.units=logint(16,512)         an integer, uniform in log space
    -S train.opt=choice(adam,sgd)         one of the values (also: -S train.opt=adam,sgd)
    -S train.epochs=20                    fixed for every trial

Values are read as TOML literals, as ``-S`` reads them everywhere. A grid (no ``--search``)
takes lists of values only; a distribution there is refused with a pointer to ``--search``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitml.errors import UsageError
from gitml.runs.params import Override, distribution_of, parse_value, split_values


@dataclass(frozen=True)
class Dimension:
    """One param of the space: a ``kind`` of ``runs.params.KINDS`` with bounds, or the values to choose from."""

    file: str | None
    key: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    values: tuple[Any, ...] = ()
    text: str = ""

    @property
    def log(self) -> bool:
        return self.kind in ("loguniform", "logint")

    @property
    def is_int(self) -> bool:
        return self.kind in ("int", "logint")

    def describe(self) -> str:
        """How the space is shown and recorded: ``loguniform(0.0001, 0.1)``, ``choice(a, b)``."""
        if self.kind == "choice":
            return f"choice({', '.join(str(v) for v in self.values)})"
        low, high = (int(self.low), int(self.high)) if self.is_int else (self.low, self.high)
        return f"{self.kind}({low}, {high})"


def _number(text: str, override: Override) -> float:
    value = parse_value(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"-S {override.text!r}: {text.strip()!r} is not a number")
    return float(value)


def dimension(override: Override) -> Dimension:
    """The dimension one ``-S`` option describes (see the module doc)."""
    found = distribution_of(override)
    if found is None:
        return Dimension(override.file, override.key, "choice", values=override.values)
    kind, arguments = found
    parts = split_values(arguments)
    if kind == "choice":
        if not arguments.strip() or any(not p.strip() for p in parts):
            raise UsageError(f"-S {override.text!r}: choice() needs values, e.g. choice(a,b)")
        values = tuple(parse_value(p.strip()) for p in parts)
        return Dimension(override.file, override.key, kind, values=values, text=override.text)
    if len(parts) != 2:
        raise UsageError(f"-S {override.text!r}: {kind}() takes two bounds, e.g. {kind}(1,10)")
    low, high = (_number(p, override) for p in parts)
    if not low < high:
        raise UsageError(f"-S {override.text!r}: the low bound must be below the high one")
    if kind in ("loguniform", "logint") and low <= 0:
        raise UsageError(f"-S {override.text!r}: {kind}() needs bounds above 0")
    if kind in ("int", "logint") and not (low.is_integer() and high.is_integer()):
        raise UsageError(f"-S {override.text!r}: {kind}() takes whole-number bounds")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UsageError(f"-S {override.text!r}: bounds must be finite")
    return Dimension(
        file=override.file, key=override.key, kind=kind, low=low, high=high, text=override.text
    )


def parse_space(overrides: Sequence[Override]) -> list[Dimension]:
    """Every ``-S`` option as a dimension; a search needs at least one that varies."""
    space = [dimension(o) for o in overrides]
    if not any(d.kind != "choice" or len(d.values) > 1 for d in space):
        raise UsageError(
            "a search needs a param to vary: give -S KEY=uniform(LOW,HIGH), int(LOW,HIGH), "
            "loguniform(...), choice(A,B) or A,B"
        )
    return space


def describe_space(space: Sequence[Dimension]) -> dict[str, str]:
    """``{key: "loguniform(0.0001, 0.1)"}`` for the study's record."""
    return {d.key: d.describe() for d in space}
