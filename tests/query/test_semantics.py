"""What a query selects, checked on the same documents in Python and in SQLite."""

from __future__ import annotations

import pytest

from gitml.query import matches, parse, parse_sort, sort_docs
from tests.query.corpus import RUNS
from tests.query.support import select


def ids(where: str) -> list[str]:
    return select(RUNS, where)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        # MLflow's own filter strings, unchanged.
        ("metrics.acc > 0.5 and params.lr = '0.01'", ["r1", "r2"]),
        ("metrics.acc > 0.5 AND params.lr = '0.01'", ["r1", "r2"]),
        ('metrics."val-acc" >= 0.85', ["r1"]),
        ("metrics.`val-acc` >= 0.85", ["r1"]),
        ("tags.`mlflow.source.git.commit` LIKE 'abc%'", ["r1"]),
        ("params.lr > '0.01'", ["r3"]),
        ("attributes.status = 'FINISHED'", ["r1", "r4"]),
        ("attributes.run_id IN ('r1', 'r3')", ["r1", "r3"]),
        ("attributes.run_name = 'calm-fox'", ["r2"]),
        ("attributes.start_time >= 1767225600000", ["r1", "r2"]),
        ("tags.team ILIKE '%ISI%'", ["r1"]),
        ("tags.team IS NULL", ["r3", "r4"]),
        ("params.opt IS NOT NULL", ["r1", "r2", "r3"]),
        ("metric.acc > 0.9 and param.opt = 'adam' and tag.team = 'vision'", ["r1"]),
        ("parameters.opt != 'adam'", ["r2", "r3"]),
        ("attr.status = 'KILLED' or run.status = 'Failed'", ["r2", "r3"]),
    ],
)
def test_mlflow_filters_select_the_same_runs(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("params.lr = 0.01", ["r1"]),
        ("params.lr = '0.01'", ["r1", "r2"]),
        ("params.lr >= 0.05", ["r3"]),
        ("params.model.depth = '3'", ["r1"]),
        ("params.`model.depth` > 4", ["r2"]),
        ("params.flag = true", ["r1"]),
        ("params.flag = 'True'", ["r1", "r3"]),
        ("params.flag = 'true'", ["r1"]),
        ("params.flag != true", ["r2", "r3"]),
        ("params.layers != 1", ["r1"]),
        ("params.layers = '[64, 32]'", []),
        ("metrics.acc >= 9.1e-1", ["r1", "r3"]),
        ("0.9 < metrics.acc", ["r1", "r3"]),
        ("'adam' = params.opt", ["r1"]),
        ("exit_code == 0", ["r1"]),
        ("exit_code <> 0", ["r2"]),
        ("duration_s >= 60", ["r1"]),
        ("name < 'c'", ["r1"]),
    ],
)
def test_comparisons_are_typed(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("metrics.loss < 100", ["r1", "r2"]),
        ("not metrics.loss < 100", []),
        ("not (metrics.loss < 100 and status = 'completed')", ["r2", "r3"]),
        ("metrics.loss < 100 or status = 'interrupted'", ["r1", "r2", "r3"]),
        ("metrics.loss is null", ["r3", "r4"]),
        ("params.lr is null", ["r4"]),
        ("params.lr = null", ["r4"]),
        ("params.lr != null", ["r1", "r2", "r3"]),
        ("params.lr is not null", ["r1", "r2", "r3"]),
        ("params.nothing != 'x'", []),
        ("params.nothing not in ('x')", []),
        ("params.nothing not like 'x'", []),
    ],
)
def test_missing_values_never_match_a_comparison(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("(status = 'failed' or status = 'interrupted') and not metrics.acc < 0.9", ["r3"]),
        ("status = 'failed' or status = 'completed' and metrics.acc > 0.9", ["r1", "r2"]),
        ("(status = 'failed' or status = 'completed') and metrics.acc > 0.9", ["r1"]),
        ("not not status = 'failed'", ["r2"]),
        ("NOT Status = 'failed' AND METRICS.acc > 0.5", ["r1", "r3"]),
        ("((((name = 'calm-fox'))))", ["r2"]),
    ],
)
def test_boolean_structure_follows_precedence(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("params.opt like 'a%'", ["r1"]),
        ("params.opt ilike 'a%'", ["r1", "r3"]),
        ("params.opt not like 'a%'", ["r2", "r3"]),
        ("params.opt not ilike 'A%'", ["r2"]),
        ("name like 'c_lm-fox'", ["r2"]),
        ("name like '%\\%'", ["r4"]),
        ("name like 'quiet\\_%'", ["r4"]),
        ("name like 'quiet%'", ["r4"]),
        ("name like '*'", []),
        ("name like '%-%'", ["r1", "r2", "r3"]),
        ("params.lr like '0.0%'", ["r2"]),
        ("params.lr not like '0.0%'", ["r1", "r3"]),
        ("code.branch like 'exp/%'", ["r2"]),
    ],
)
def test_like_patterns(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("status in ('failed', 'interrupted')", ["r2", "r3"]),
        ("status not in ('failed', 'interrupted')", ["r1", "r4"]),
        ("params.model.depth in (3, 5)", ["r1", "r2"]),
        ("params.opt not in ('adam')", ["r2", "r3"]),
        ("params.lr in (0.1, '0.01')", ["r1", "r2", "r3"]),
        ("status in ('FINISHED', 'killed')", ["r1", "r3", "r4"]),
    ],
)
def test_in_lists(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("min(metrics.loss) < 0.5", ["r1"]),
        ("max(metrics.loss) >= 2", ["r2"]),
        ("first(metrics.loss) > 1", ["r1", "r2"]),
        ("last(metric.loss) = 0.9", ["r2"]),
        ("steps(metrics.loss) >= 100", ["r1"]),
        ("MIN(metrics.loss) is null", ["r3", "r4"]),
    ],
)
def test_aggregates_read_the_metric_history(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("code.dirty = true", ["r2"]),
        ("code.dirty = false", ["r1"]),
        ("code.dirty", ["r2"]),
        ("not code.dirty and status = 'completed'", ["r1"]),
        ("code.commit like 'abc%'", ["r1"]),
        ("git.branch = 'main'", ["r1"]),
        ("code.checkpoint is not null", ["r1"]),
        ("data.train = 'xxh3-128:" + "1" * 32 + "'", ["r1"]),
        ("data.train is not null", ["r1", "r3"]),
        ("inputs.train like '%333'", ["r3"]),
        ("outputs.model.pkl like 'xxh3-128:%'", ["r1"]),
        ("tags.team = 'vision'", ["r1"]),
        ("user.name = 'Ada'", ["r1"]),
        ("attributes.user_id = 'Ada'", ["r1"]),
        ("user.email like '%@example.com'", ["r1"]),
        ("sweep = 's1' and parent = 'r1'", ["r2"]),
        ("id = 'r4'", ["r4"]),
        ("message = 'baseline' and host = 'gpu-1'", ["r1"]),
    ],
)
def test_git_data_and_attribute_fields(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("started > '2026-01-01'", ["r1", "r2"]),
        ("started >= '2026-01-02T22:00:00Z'", ["r2"]),
        ("started = '2026-01-02T03:04:05.123Z'", ["r1"]),
        ("started = '2026-01-02T08:04:05.123+05:00'", ["r1"]),
        ("started < 1767225600000", ["r3"]),
        ("attributes.created > '2025-12-31T23:59:59.998'", ["r1", "r2", "r3"]),
        ("started like '2026-01-0%'", ["r1", "r2"]),
        ("started in ('2025-12-31T23:59:59.999Z', 0)", ["r3"]),
        ("ended is null", ["r2", "r3", "r4"]),
    ],
)
def test_times_compare_chronologically(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("params.é = 1", ["r3"]),
        ('params.`a"b` = 2', ["r3"]),
        ('params."x y" = 3', ["r3"]),
        ("`params.x y` = 3", ["r3"]),
        ("params.`x y` in (3)", ["r3"]),
        ("params.é is not null", ["r3"]),
    ],
)
def test_keys_that_need_quoting(where: str, expected: list[str]) -> None:
    assert ids(where) == expected


def test_nan_counts_as_missing() -> None:
    nan_run = {"id": "nan", "metrics": {"loss": float("nan")}}
    assert matches(parse("metrics.loss is null"), nan_run)
    assert not matches(parse("metrics.loss < 1 or not metrics.loss < 1"), nan_run)
    assert not matches(parse("metrics.loss != 1"), nan_run)
    runs = [nan_run, {"id": "one", "metrics": {"loss": 1.0}}]
    assert [r["id"] for r in sort_docs(runs, [parse_sort("-metrics.loss")])] == ["one", "nan"]
