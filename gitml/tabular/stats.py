"""Distances and tests between a training profile and serving statistics, in numpy only.

Everything works from bin counts, category counts and samples, never from raw training
rows. scipy is not needed: the Kolmogorov distribution and the chi-squared survival
function are short series (Numerical Recipes, 3rd ed., sections 6.2 and 6.14).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# Proportion given to an empty bin before taking logarithms (Evidently uses the same).
PSI_FLOOR = 1e-4

Counts = npt.ArrayLike


def _shares(counts: Counts) -> npt.NDArray[np.float64]:
    values = np.asarray(counts, dtype=np.float64)
    total = values.sum()
    return values / total if total > 0 else values


def psi(expected: Counts, actual: Counts, floor: float = PSI_FLOOR) -> float:
    """Population Stability Index, sum of (a - e) * ln(a / e), shares floored at ``floor``."""
    e = np.maximum(_shares(expected), floor)
    a = np.maximum(_shares(actual), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def jensen_shannon(expected: Counts, actual: Counts) -> float:
    """Jensen-Shannon distance in bits: the square root of the divergence, in [0, 1]."""
    p, q = _shares(expected), _shares(actual)
    m = (p + q) / 2

    def kl(x: npt.NDArray[np.float64]) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return math.sqrt(max((kl(p) + kl(q)) / 2, 0.0))


def linf(expected: Counts, actual: Counts) -> float:
    """L-infinity distance: the largest absolute difference of shares."""
    return float(np.max(np.abs(_shares(expected) - _shares(actual)), initial=0.0))


def wasserstein(
    edges: Counts,
    expected: Counts,
    actual: Counts,
    *,
    expected_sample: Counts = (),
    actual_sample: Counts = (),
    below: tuple[int, float] = (0, 0.0),
    above: tuple[int, float] = (0, 0.0),
) -> float:
    """Wasserstein-1 distance, the area between two CDFs, from bin counts and samples.

    ``expected`` holds training counts, all within the outer edges; ``actual`` holds serving
    counts in which the first and last bins also take values beyond the outer edges, whose
    (count, summed distance to the edge) are ``below`` and ``above``. The CDFs are exact at
    every edge (from the counts) and beyond the outer edges (from ``below``/``above``).
    Within a bin each CDF follows its sample's values in that bin, scaled to the bin's
    exact mass (linear when the sample has none), so the only approximation is the
    shape of the mass inside bins, and the bin masses carry no sampling noise.
    """
    e = np.asarray(edges, dtype=np.float64)
    t = np.asarray(expected, dtype=np.float64)
    s = np.asarray(actual, dtype=np.float64).copy()
    n, m = t.sum(), s.sum()
    if n <= 0 or m <= 0:
        return 0.0
    s[0] -= below[0]
    s[-1] -= above[0]
    x_t, y_t = _cdf_knots(e, np.cumsum(np.concatenate([[0.0], t])) / n, expected_sample)
    start = below[0] / m
    x_s, y_s = _cdf_knots(e, start + np.cumsum(np.concatenate([[0.0], s])) / m, actual_sample)
    grid = np.union1d(x_t, x_s)
    d = np.interp(grid, x_t, y_t) - np.interp(grid, x_s, y_s)
    left, right, width = d[:-1], d[1:], np.diff(grid)
    same = left * right >= 0
    total = np.abs(left) + np.abs(right)
    crossing = np.divide(left**2 + right**2, 2 * total, out=np.zeros_like(total), where=total > 0)
    inside = float(np.sum(width * np.where(same, total / 2, crossing)))
    return float(inside + (below[1] + above[1]) / m)


def _cdf_knots(
    edges: npt.NDArray[np.float64], at_edges: npt.NDArray[np.float64], sample: Counts
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Knots of a piecewise-linear CDF: exact at the edges, shaped by the sample inside bins."""
    v = np.sort(np.asarray(sample, dtype=np.float64))
    v = v[(v > edges[0]) & (v < edges[-1]) & ~np.isin(v, edges)]
    if v.size == 0 or edges.size < 2:
        return edges, at_edges
    bins = np.searchsorted(edges, v) - 1
    per_bin = np.bincount(bins, minlength=edges.size - 1)
    first = np.concatenate([[0], np.cumsum(per_bin)])[bins]
    rank = np.arange(v.size) - first + 1
    mass = np.diff(at_edges)[bins]
    y = at_edges[bins] + mass * rank / (per_bin[bins] + 1)
    x = np.concatenate([edges, v])
    y = np.concatenate([at_edges, y])
    order = np.lexsort((y, x))
    x, y = x[order], y[order]
    last = np.concatenate([x[1:] != x[:-1], [True]])
    return x[last], y[last]


def ks_statistic(a: Counts, b: Counts) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between empirical CDFs."""
    x, y = np.sort(np.asarray(a, np.float64)), np.sort(np.asarray(b, np.float64))
    if x.size == 0 or y.size == 0:
        return 0.0
    grid = np.concatenate([x, y])
    fx = np.searchsorted(x, grid, side="right") / x.size
    fy = np.searchsorted(y, grid, side="right") / y.size
    return float(np.max(np.abs(fx - fy)))


def ks_pvalue(statistic: float, n: int, m: int) -> float:
    """Asymptotic two-sample KS p-value with Stephens' small-sample correction."""
    if n <= 0 or m <= 0:
        return 1.0
    en = math.sqrt(n * m / (n + m))
    return kolmogorov_sf((en + 0.12 + 0.11 / en) * statistic)


def kolmogorov_sf(z: float) -> float:
    """P(K > z) for the Kolmogorov distribution (two series, as in Numerical Recipes)."""
    if z <= 0:
        return 1.0
    if z < 1.18:
        y = math.exp(-(math.pi**2) / (8 * z * z))
        cdf = math.sqrt(2 * math.pi) / z * sum(y ** ((2 * j - 1) ** 2) for j in range(1, 8))
        return min(max(1.0 - cdf, 0.0), 1.0)
    x = math.exp(-2 * z * z)
    terms = (x ** (j * j) if j % 2 else -(x ** (j * j)) for j in range(1, 8))
    return min(max(2.0 * sum(terms), 0.0), 1.0)


def chi2_sf(statistic: float, df: int) -> float:
    """Chi-squared survival function: the regularized upper incomplete gamma Q(df/2, x/2)."""
    if df <= 0:
        return 1.0
    if statistic <= 0:
        return 1.0
    return gamma_q(df / 2, statistic / 2)


def gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma function Q(a, x), for a > 0 and x >= 0."""
    if x <= 0:
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(max(1.0 - total * math.exp(log_front), 0.0), 1.0)
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(max(math.exp(log_front) * h, 0.0), 1.0)


def chi2_homogeneity(expected: Counts, actual: Counts) -> tuple[float, int]:
    """Pearson chi-squared statistic and degrees of freedom of a 2 x k count table."""
    table = np.vstack([np.asarray(expected, np.float64), np.asarray(actual, np.float64)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 0
    fitted = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    return float(np.sum((table - fitted) ** 2 / fitted)), table.shape[1] - 1


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in input order."""
    p = np.asarray(pvalues, dtype=np.float64)
    k = p.size
    if k == 0:
        return []
    order = np.argsort(p)
    scaled = p[order] * k / np.arange(1, k + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(k)
    out[order] = adjusted
    return [float(v) for v in out]
