from __future__ import annotations

import math

import numpy as np
import pytest

from gitml.tabular import stats


@pytest.mark.parametrize(
    ("statistic", "df", "expected"),
    [
        (3.841458820694124, 1, 0.05),
        (0.003932140000019522, 1, 0.95),
        (18.307038053275146, 10, 0.05),
        (124.34211340400407, 100, 0.05),
        (2.0, 2, math.exp(-1.0)),
        (7.0, 4, math.exp(-3.5) * 4.5),
        (300.0, 3, 0.0),
    ],
)
def test_chi2_sf_matches_table_values(statistic: float, df: int, expected: float) -> None:
    assert stats.chi2_sf(statistic, df) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_chi2_sf_is_one_without_evidence() -> None:
    assert stats.chi2_sf(0.0, 5) == 1.0
    assert stats.chi2_sf(3.0, 0) == 1.0


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (0.5, 0.9639452436648751),
        (1.0, 0.26999967167735456),
        (1.3580986393225505, 0.05),
        (1.6276236115189, 0.01),
    ],
)
def test_kolmogorov_sf_matches_known_values(z: float, expected: float) -> None:
    assert stats.kolmogorov_sf(z) == pytest.approx(expected, rel=1e-6)


def test_kolmogorov_sf_is_continuous_where_the_series_switch() -> None:
    assert stats.kolmogorov_sf(1.18 - 1e-12) == pytest.approx(stats.kolmogorov_sf(1.18), rel=1e-10)


def test_ks_statistic_and_pvalue_on_separated_and_equal_samples() -> None:
    assert stats.ks_statistic([1, 2, 3], [4, 5, 6]) == 1.0
    assert stats.ks_statistic([1, 2, 2, 3], [3, 2, 1, 2]) == 0.0
    assert stats.ks_pvalue(0.0, 1000, 1000) == 1.0
    assert stats.ks_pvalue(0.2, 1000, 1000) < 1e-15


def test_psi_js_linf_on_hand_computed_cases() -> None:
    assert stats.psi([50, 50], [25, 75]) == pytest.approx(
        -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    )
    assert stats.psi([10, 10, 10], [10, 10, 10]) == 0.0
    assert stats.jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)
    kl_p = math.log2(1 / 0.75)
    kl_q = 0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)
    assert stats.jensen_shannon([4, 0], [1, 1]) == pytest.approx(math.sqrt((kl_p + kl_q) / 2))
    assert stats.linf([70, 20, 10], [50, 30, 20]) == pytest.approx(0.2)


def test_psi_floors_empty_bins() -> None:
    value = stats.psi([50, 50], [100, 0])
    assert math.isfinite(value)
    assert value == pytest.approx(0.5 * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5))


def test_benjamini_hochberg_adjusts_in_input_order() -> None:
    adjusted = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert stats.benjamini_hochberg([]) == []
    assert stats.benjamini_hochberg([0.9, 0.8]) == pytest.approx([0.9, 0.9])


def _binned(train: np.ndarray, serve: np.ndarray, bins: int = 20) -> dict[str, object]:
    edges = np.quantile(train, np.linspace(0, 1, bins + 1))
    inner = edges[1:-1]
    t = np.bincount(np.searchsorted(inner, train, side="right"), minlength=bins)
    s = np.bincount(np.searchsorted(inner, serve, side="right"), minlength=bins)
    low, high = edges[0], edges[-1]
    return {
        "edges": edges,
        "expected": t,
        "actual": s,
        "below": (int((serve < low).sum()), float((low - serve[serve < low]).sum())),
        "above": (int((serve > high).sum()), float((serve[serve > high] - high).sum())),
    }


@pytest.mark.parametrize(("shift", "scale"), [(0.0, 1.0), (0.5, 1.0), (0.0, 1.5), (2.0, 0.5)])
def test_wasserstein_from_bins_and_samples_tracks_the_exact_distance(
    shift: float, scale: float
) -> None:
    rng = np.random.default_rng(3)
    train = rng.normal(0, 1, 50_000)
    serve = rng.normal(shift, scale, 50_000)
    exact = float(np.mean(np.abs(np.sort(train) - np.sort(serve))))
    binned = _binned(train, serve)

    value = stats.wasserstein(
        binned["edges"],  # type: ignore[arg-type]
        binned["expected"],  # type: ignore[arg-type]
        binned["actual"],  # type: ignore[arg-type]
        expected_sample=rng.choice(train, 1000, replace=False),
        actual_sample=rng.choice(serve, 1000, replace=False),
        below=binned["below"],  # type: ignore[arg-type]
        above=binned["above"],  # type: ignore[arg-type]
    )

    assert value == pytest.approx(exact, abs=0.02 + 0.03 * exact)


def test_wasserstein_is_exact_beyond_the_training_range() -> None:
    edges = np.linspace(0.0, 1.0, 11)
    expected = np.full(10, 100)
    actual = np.zeros(10, dtype=int)
    actual[-1] = 40

    value = stats.wasserstein(edges, expected, actual, above=(40, 40 * 4.0))

    assert value == pytest.approx(4.5)


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(5).normal(0, 1, 200_000),
        np.random.default_rng(6).lognormal(0, 3, 200_000),
        np.round(np.random.default_rng(7).normal(0, 1, 200_000), 1),
        np.array([-1e300, 1e300, 0.0, 1e-300, -0.0]),
    ],
)
def test_binner_counts_equal_a_binary_search(values: np.ndarray) -> None:
    from gitml.tabular._accum import Binner, bin_index

    sample = np.sort(np.random.default_rng(8).choice(values, min(values.size, 20_000)))
    edges = np.unique(np.quantile(sample, np.linspace(0, 1, 21)))
    expected = np.bincount(bin_index(edges, values), minlength=edges.size - 1)

    assert Binner(edges).counts(values).tolist() == expected.tolist()
