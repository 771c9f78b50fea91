"""Compare serving data with a training profile: schema skew, feature drift, prediction drift.

Drift is judged by effect sizes, not p-values, so a large serving batch does not turn a
trivial shift into an alert. Defaults (``DEFAULT_THRESHOLDS``), each alerting when the
value is greater than the threshold:

- ``psi`` 0.1 on the training histogram bins: the conventional "moderate shift" line of
  credit scoring; on 20 equal-mass bins a normal feature reaches it at a mean shift of
  about 0.3 standard deviations.
- ``wasserstein`` 0.2: Wasserstein-1 distance divided by the training standard deviation,
  so the value reads as "standard deviations moved"; 0.2 is Cohen's "small" effect.
  Evidently uses 0.1, which with large data flags shifts nobody acts on.
- ``jensen_shannon`` 0.1: Jensen-Shannon distance (base 2, in [0, 1]) on the training
  bins or category shares, Evidently's default; about a 0.23 sd shift for a normal.
- ``linf`` 0.1: the largest change of any category's share, 10 percentage points.
- ``null_rate_change`` 0.05: the missing share moved by 5 percentage points.
- ``unseen_categories`` 0.0: any serving value of a categorical column never seen in
  training (only decidable when the profile lists every category, i.e. ``other == 0``).
- ``missing_column`` and ``type_changed`` 0.5 (value 1.0: always alert); ``new_column``
  1.0 (value 1.0: reported, never an alert, since extra columns do not reach the model).
  Set a threshold to 1.0 to silence a check or to 0.0 to make ``new_column`` alert.
- ``min_count`` 1000: statistical findings (drift and null rate) alert only when the
  serving column has at least max(min_count, 50 per bin or category) values; below that,
  sampling noise alone approaches the thresholds (for k bins and n values the expected
  PSI is about (k - 1) / n).
- ``p_value`` 0.05: with ``p_values=True``, KS on the samples (numeric) and chi-squared
  on the counts (categorical) add findings whose value is the Benjamini-Hochberg adjusted
  p-value; these alert when the value is *below* the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gitml.errors import UsageError
from gitml.tabular.read import PathLike
from gitml.tabular.serving import ServingAccumulator, ServingColumn, accumulate

DEFAULT_THRESHOLDS: Mapping[str, float] = {
    "missing_column": 0.5,
    "new_column": 1.0,
    "type_changed": 0.5,
    "null_rate_change": 0.05,
    "unseen_categories": 0.0,
    "psi": 0.1,
    "wasserstein": 0.2,
    "jensen_shannon": 0.1,
    "linf": 0.1,
    "p_value": 0.05,
    "min_count": 1000,
}
PER_BIN_MIN = 50
P_VALUE_METHODS = ("ks", "chi_squared")
Kind = Literal["schema", "drift", "prediction"]


@dataclass(frozen=True, slots=True)
class DriftFinding:
    """One check of one column; ``alert`` says whether it crossed its threshold."""

    column: str
    kind: Kind
    method: str
    value: float
    threshold: float
    alert: bool
    message: str
    judged: bool = True  # False: too few serving values to decide; shown, never an alert


def compare(
    profile: Mapping[str, Any],
    serving: ServingAccumulator | PathLike,
    thresholds: Mapping[str, float] | None = None,
    p_values: bool = False,
    *,
    column_thresholds: Mapping[str, Mapping[str, float]] | None = None,
    prediction: str | None = None,
    format: str | None = None,
    declared: Collection[str] = (),
    label: str | None = None,
) -> list[DriftFinding]:
    """Every finding for ``serving`` (an accumulator, or a file streamed into one).

    ``thresholds`` overrides ``DEFAULT_THRESHOLDS``; ``column_thresholds`` overrides them
    per column (``{"age": {"psi": 0.2}}``). Findings on the ``prediction`` column have
    kind "prediction". Serving columns the caller ``declared`` (the prediction, the label)
    are never "new"; the ``label`` is no feature, so it is not checked for drift (the
    performance findings judge it). Order: training columns by position, then new
    columns, then tests.
    """
    limits = _limits(DEFAULT_THRESHOLDS, thresholds, "thresholds")
    per_column = {
        name: _limits(limits, over, f"column_thresholds[{name!r}]")
        for name, over in (column_thresholds or {}).items()
    }
    trained: Mapping[str, Any] = profile["columns"]
    if prediction is not None and prediction not in trained:
        raise UsageError(
            f"prediction column {prediction!r} is not in the training profile; "
            f"profiled columns: {', '.join(sorted(trained)) or '(none)'}"
        )
    acc = (
        serving
        if isinstance(serving, ServingAccumulator)
        else accumulate(profile, serving, format=format)
    )
    findings: list[DriftFinding] = []
    tests: list[tuple[str, str, float, str]] = []
    for name in sorted(trained, key=lambda n: trained[n]["position"]):
        if name == label:
            continue
        lim = per_column.get(name, limits)
        kind: Kind = "prediction" if name == prediction else "drift"
        state = acc.columns.get(name)
        if state is None:
            findings.append(
                _flag(
                    name,
                    "missing_column",
                    lim,
                    "is in the training profile but not in the serving data",
                )
            )
            continue
        if state.type_changed:
            findings.append(
                _flag(
                    name,
                    "type_changed",
                    lim,
                    f"was {trained[name]['type']} ({trained[name]['dtype']}) in training, "
                    f"is {'/'.join(state.dtypes)} in serving data",
                )
            )
            continue
        findings.extend(
            _column(
                _Column(
                    name=name, trained=trained[name], state=state, lim=lim, kind=kind, tests=tests
                )
            )
        )
    for name, state in acc.columns.items():
        if name not in trained and name not in declared and name != label:
            lim = per_column.get(name, limits)
            findings.append(
                _flag(
                    name,
                    "new_column",
                    lim,
                    f"is in the serving data ({'/'.join(state.dtypes)}) but not in training",
                )
            )
    if p_values and tests:
        findings.extend(_tests(tests, limits, per_column, prediction))
    return findings


def _limits(
    base: Mapping[str, float], over: Mapping[str, float] | None, where: str
) -> dict[str, float]:
    merged = dict(base)
    for key, value in (over or {}).items():
        if key not in DEFAULT_THRESHOLDS:
            raise UsageError(
                f"{where}: unknown threshold {key!r}; known: {', '.join(DEFAULT_THRESHOLDS)}"
            )
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise UsageError(f"{where}: {key} must be a finite number, got {value!r}")
        merged[key] = float(value)
    return merged


def _flag(column: str, method: str, lim: Mapping[str, float], what: str) -> DriftFinding:
    threshold = lim[method]
    return DriftFinding(
        column=column,
        kind="schema",
        method=method,
        value=1.0,
        threshold=threshold,
        alert=threshold < 1.0,
        message=f"column {column!r} {what}",
    )


def _finding(
    column: str,
    kind: Kind,
    method: str,
    value: float,
    lim: Mapping[str, float],
    what: str,
    short_of: int = 0,
) -> DriftFinding:
    threshold = lim[method]
    value = _tidy(value)
    alert = not short_of and value > threshold
    verdict = "above" if value > threshold else "within"
    note = f"; not judged: fewer than {short_of} serving values" if short_of else ""
    return DriftFinding(
        column=column,
        kind=kind,
        method=method,
        value=value,
        threshold=threshold,
        alert=alert,
        message=f"{what} {value:.4g} ({verdict} {threshold:g}){note}",
        judged=not short_of,
    )


def _short_of(lim: Mapping[str, float], cells: int, count: int) -> int:
    """The serving count needed to judge ``cells`` bins or categories, or 0 if ``count`` has it."""
    needed = max(int(lim["min_count"]), PER_BIN_MIN * cells)
    return needed if count < needed else 0


@dataclass(frozen=True, kw_only=True)
class _Column:
    """One training column and its serving state, judged under limits ``lim``.

    ``kind`` labels its distribution findings; p-value tests are appended to ``tests``
    and judged together at the end.
    """

    name: str
    trained: Mapping[str, Any]
    state: ServingColumn
    lim: Mapping[str, float]
    kind: Kind
    tests: list[tuple[str, str, float, str]]

    def finding(
        self, method: str, value: float, what: str, *, short_of: int = 0, kind: Kind | None = None
    ) -> DriftFinding:
        """A finding of ``method`` on this column (of this column's kind unless ``kind``)."""
        return _finding(
            self.name, kind or self.kind, method, value, self.lim, what, short_of=short_of
        )

    def short_of(self, cells: int, count: int) -> int:
        """The serving count needed to judge ``cells`` bins, or 0 if ``count`` has it."""
        return _short_of(self.lim, cells, count)

    def test(self, method: str, p_value: float, what: str) -> None:
        """Keep a p-value test of this column for the joint judgement."""
        self.tests.append((self.name, method, p_value, what))


def _column(col: _Column) -> list[DriftFinding]:
    trained, state = col.trained, col.state
    out: list[DriftFinding] = []
    rows_t = trained["count"] + trained["missing"]
    rows_s = state.count + state.missing
    if rows_t and rows_s:
        rate_t, rate_s = trained["missing"] / rows_t, state.missing / rows_s
        out.append(
            col.finding(
                "null_rate_change",
                abs(rate_s - rate_t),
                f"missing share {rate_s:.2%} vs {rate_t:.2%} in training: change",
                short_of=col.short_of(0, rows_s),
                kind="schema",
            )
        )
    if trained["type"] == "numeric" and "histogram" in trained and state.moments.count:
        out.extend(_numeric(col))
    elif trained["type"] in ("categorical", "boolean") and trained["count"] and state.count:
        out.extend(_categorical(col))
    return out


def _numeric(col: _Column) -> list[DriftFinding]:
    from gitml.tabular import stats

    trained, state = col.trained, col.state

    edges = trained["histogram"]["edges"]
    counts = trained["histogram"]["counts"]
    serving_sample = state.reservoir.sample()
    short = col.short_of(len(counts), state.moments.count)
    std = float(trained["std"])
    w1 = stats.wasserstein(
        edges,
        counts,
        state.bins,
        expected_sample=trained.get("sample", ()),
        actual_sample=serving_sample,
        below=(state.n_below, state.below),
        above=(state.n_above, state.above),
    )
    shift = f"serving mean {state.moments.mean:.4g} vs {trained['mean']:.4g};"
    out = [
        col.finding(
            "psi",
            stats.psi(counts, state.bins),
            f"{shift} PSI on {len(counts)} training bins",
            short_of=short,
        ),
        col.finding(
            "wasserstein",
            w1 / std if std > 0 else w1,
            f"{shift} Wasserstein distance / training std"
            + ("" if std > 0 else " (std is 0: not normalized)"),
            short_of=short,
        ),
        col.finding(
            "jensen_shannon",
            stats.jensen_shannon(counts, state.bins),
            f"{shift} Jensen-Shannon distance on the training bins",
            short_of=short,
        ),
    ]
    sample = trained.get("sample", [])
    if sample and serving_sample.size:
        d = stats.ks_statistic(sample, serving_sample)
        p = stats.ks_pvalue(d, len(sample), int(serving_sample.size))
        col.test(
            "ks", p, f"KS statistic {d:.4g} on samples of {len(sample)} and {serving_sample.size}"
        )
    return out


def _categorical(col: _Column) -> list[DriftFinding]:
    from gitml.tabular import stats

    trained, state = col.trained, col.state

    top: Mapping[str, int] = trained["top"]
    labels = list(top)
    expected = [top[v] for v in labels] + [trained["other"]]
    seen = state.counter.counts
    in_top = [seen.get(v, 0) for v in labels]
    actual = [*in_top, state.count - sum(in_top)]
    short = col.short_of(len(expected), state.count)
    out: list[DriftFinding] = []
    if trained["type"] == "categorical" and trained["other"] == 0:
        unseen = sorted(((n, v) for v, n in seen.items() if v not in top), reverse=True)
        share = actual[-1] / state.count
        examples = ", ".join(repr(v) for _, v in unseen[:3])
        out.append(
            col.finding(
                "unseen_categories",
                share,
                f"{len(unseen)} value(s) never seen in training ({examples or 'none'}); share",
                kind="schema",
            )
        )
    out += [
        col.finding(
            "linf",
            stats.linf(expected, actual),
            "largest change of a category share",
            short_of=short,
        ),
        col.finding(
            "jensen_shannon",
            stats.jensen_shannon(expected, actual),
            "Jensen-Shannon distance of category shares",
            short_of=short,
        ),
    ]
    chi2, df = stats.chi2_homogeneity(expected, actual)
    if df:
        col.test("chi_squared", stats.chi2_sf(chi2, df), f"chi-squared {chi2:.4g} on {df} df")
    return out


def _tests(
    tests: list[tuple[str, str, float, str]],
    limits: Mapping[str, float],
    per_column: Mapping[str, Mapping[str, float]],
    prediction: str | None,
) -> list[DriftFinding]:
    from gitml.tabular.stats import benjamini_hochberg

    adjusted = benjamini_hochberg([p for _, _, p, _ in tests])
    out = []
    for (column, method, raw, what), q in zip(tests, adjusted, strict=True):
        alpha = per_column.get(column, limits)["p_value"]
        kind: Kind = "prediction" if column == prediction else "drift"
        out.append(
            DriftFinding(
                column=column,
                kind=kind,
                method=method,
                value=_tidy(q),
                threshold=alpha,
                alert=q < alpha,
                message=f"{what}: p = {raw:.3g}, Benjamini-Hochberg adjusted {q:.3g} "
                f"({'below' if q < alpha else 'not below'} {alpha:g})",
            )
        )
    return out


def _tidy(value: float) -> float:
    """Six significant digits, and never NaN or infinity (reports are stored as TOML)."""
    if not math.isfinite(value):
        return 1e300 if value > 0 else 0.0
    if value == 0:
        return 0.0
    return float(round(value, 5 - math.floor(math.log10(abs(value)))))
