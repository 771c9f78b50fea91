"""Parsing: the AST, MLflow spellings, sort keys, field names and error columns."""

from __future__ import annotations

import pytest

from gitml.errors import GitmlError
from gitml.query import (
    Field,
    FieldKind,
    Op,
    Operand,
    QueryError,
    SortKey,
    parse,
    parse_field,
    parse_sort,
)
from gitml.query.ast import And, Compare, In, IsNull, Like, Not, Or

ACC = Field("metrics.acc", ("metrics", "acc"))
LR = Field("params.lr", ("params", "lr"))
STATUS = Field("status", ("status",), FieldKind.STATUS)


def test_parse_builds_a_typed_comparison() -> None:
    assert parse("metrics.acc > 0.5") == Compare(ACC, Op.GT, Operand("0.5", number=0.5))


def test_quoted_numbers_and_booleans_keep_every_form() -> None:
    assert parse("params.lr = '0.01'") == Compare(
        LR, Op.EQ, Operand("'0.01'", text="0.01", number=0.01)
    )
    assert parse("params.lr = 'True'") == Compare(
        LR, Op.EQ, Operand("'True'", text="True", boolean=True)
    )
    assert parse("params.lr = TRUE") == Compare(LR, Op.EQ, Operand("TRUE", boolean=True))


def test_and_binds_tighter_than_or_and_runs_flatten() -> None:
    a, b, c, d = (parse(f"metrics.{x} > 1") for x in "abcd")
    assert parse("metrics.a > 1 or metrics.b > 1 and metrics.c > 1 or metrics.d > 1") == Or(
        (a, And((b, c)), d)
    )
    assert parse("(metrics.a > 1 or metrics.b > 1) and metrics.c > 1") == And((Or((a, b)), c))
    assert parse("not metrics.a > 1 and metrics.b > 1") == And((Not(a), b))


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("metrics.acc == 0.5", "metrics.acc = 0.5"),
        ("metrics.acc <> 0.5", "metrics.acc != 0.5"),
        ("0.5 < metrics.acc", "metrics.acc > 0.5"),
        ("0.5 >= metrics.acc", "metrics.acc <= 0.5"),
        ("metric.acc > 1", "metrics.acc > 1"),
        ("`metrics.acc` > 1", "metrics.acc > 1"),
        ('metrics."acc" > 1', "metrics.acc > 1"),
        ("METRICS.acc > 1", "metrics.acc > 1"),
        ("param.lr = 1", "params.lr = 1"),
        ("parameters.lr = 1", "params.lr = 1"),
        ("tag.team = 'x'", "tags.team = 'x'"),
        ("inputs.train = 'x'", "data.train = 'x'"),
        ("attributes.status = 'x'", "status = 'x'"),
        ("attribute.run_name = 'x'", "name = 'x'"),
        ("attr.run_id = 'x'", "id = 'x'"),
        ("run.start_time > 0", "started > 0"),
        ("attributes.created > 0", "started > 0"),
        ("attributes.end_time > 0", "ended > 0"),
        ("attributes.user_id = 'x'", "user.name = 'x'"),
        ("git.commit = 'x'", "code.commit = 'x'"),
        ("Status = 'x'", "status = 'x'"),
        ("status = 'FINISHED'", "status = 'completed'"),
        ("status = 'Killed'", "status = 'interrupted'"),
        ("params.lr = null", "params.lr is null"),
        ("params.lr != null", "params.lr is not null"),
        ("params.lr not in (1)", "not params.lr in (1)"),
        ("params.lr not like 'x'", "not params.lr like 'x'"),
        ("code.dirty", "code.dirty = true"),
        ("not (code.dirty) or params.flag", "not code.dirty = true or params.flag = true"),
        ("started > '1970-01-01T00:00:01Z'", "started > 1000"),
        ("started > '1970-01-01'", "started > 0"),
    ],
)
def test_equivalent_spellings_parse_alike(text: str, same_as: str) -> None:
    left, right = parse(text), parse(same_as)
    if isinstance(left, Compare) and isinstance(right, Compare):
        forms = ("number", "text", "boolean")
        assert (left.field, left.op, *(getattr(left.operand, f) for f in forms)) == (
            right.field,
            right.op,
            *(getattr(right.operand, f) for f in forms),
        )
    else:
        assert left == right


@pytest.mark.parametrize(
    "text",
    [
        # Every filter in the MLflow notes and its search-runs documentation.
        'metrics."val-acc" >= 0.9',
        "tags.`mlflow.source.git.commit` LIKE 'abc%'",
        "metrics.acc > 0.5 OR params.lr = '0.01'",
        "params.lr > '0.01'",
        "metrics.rmse < 1 and params.model = 'tree'",
        "attributes.status = 'FINISHED'",
        "attributes.run_name = 'my-run'",
        "attributes.run_id IN ('a1', 'b2')",
        "attributes.run_id NOT IN ('a1')",
        "attributes.start_time >= 1600000000000",
        "attributes.end_time < 1700000000000",
        "attributes.user_id = 'me'",
        "tags.`my tag` = 'x'",
        'tags."my tag" = "x"',
        "params.`my param` = 'x'",
        "metrics.`my-metric` > 0",
        "tags.x IS NULL",
        "params.x IS NOT NULL",
        "params.lr ILIKE '%0.0%'",
        "params.lr LIKE '0.0%'",
        "tags.mlflow.source.type = 'LOCAL'",
        "metric.acc > 1 and param.p = 'a' and tag.t = 'b' and attribute.status != 'FAILED'",
    ],
)
def test_mlflow_filters_parse(text: str) -> None:
    assert parse(text) is not None


def test_in_keeps_every_item() -> None:
    expr = parse("params.lr in (1, 'a', true)")
    assert isinstance(expr, In)
    assert [o.source for o in expr.operands] == ["1", "'a'", "true"]


def test_like_and_ilike() -> None:
    assert parse("name like 'a%'") == Like(Field("name", ("name",)), "a%", False)
    assert parse("name ILIKE 'a%'") == Like(Field("name", ("name",)), "a%", True)


def test_is_null() -> None:
    assert parse("status is null") == IsNull(STATUS)
    assert parse("status IS NOT NULL") == Not(IsNull(STATUS))


@pytest.mark.parametrize(
    ("text", "name", "path"),
    [
        ("metrics.acc", "metrics.acc", ("metrics", "acc")),
        ("params.model.depth", "params.model.depth", ("params", "model.depth")),
        ("params.`model depth`", "params.`model depth`", ("params", "model depth")),
        ('params."a`b"', "params.`a``b`", ("params", "a`b")),
        ("max(metric.acc)", "max(metrics.acc)", ("metric_stats", "acc", "max")),
        ("steps( metrics.`a b` )", "steps(metrics.`a b`)", ("metric_stats", "a b", "steps")),
        ("data.train", "data.train", ("inputs", "train")),
        ("outputs.model.pkl", "outputs.model.pkl", ("outputs", "model.pkl")),
        ("code.dirty", "code.dirty", ("code", "dirty")),
        ("attributes.run_name", "name", ("name",)),
        ("user", "user.name", ("user", "name")),
    ],
)
def test_parse_field_names_canonically(text: str, name: str, path: tuple[str, ...]) -> None:
    field = parse_field(text)
    assert (field.name, field.path) == (name, path)
    assert parse_field(field.name) == field


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("metrics.acc", SortKey(ACC)),
        ("-metrics.acc", SortKey(ACC, descending=True)),
        ("+metrics.acc", SortKey(ACC)),
        ("  -metrics.acc  ", SortKey(ACC, descending=True)),
        ("metrics.acc desc", SortKey(ACC, descending=True)),
        ("metrics.acc ASC", SortKey(ACC)),
        ("`metrics.acc` DESC", SortKey(ACC, descending=True)),
    ],
)
def test_parse_sort(text: str, key: SortKey) -> None:
    assert parse_sort(text) == key


def test_parse_sort_reads_aggregates_and_times() -> None:
    assert parse_sort("-max(metrics.acc)").field.path == ("metric_stats", "acc", "max")
    assert parse_sort("start_time desc").field.kind is FieldKind.TIME


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("-metrics.acc desc", 14, "both '-' and 'desc'"),
        ("metrics.acc sideways", 13, "expected 'asc', 'desc'"),
        ("", 1, "expected a field"),
        ("  -", 4, "expected a field"),
        ("metrix.acc", 1, "unknown field 'metrix.acc'"),
        ("-metrix.acc", 2, "unknown field 'metrix.acc'"),
    ],
)
def test_sort_errors_name_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_sort(text)
    assert str(info.value).startswith("--sort: ")
    assert fragment in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("metrics.acc > ", 15, "expected a value after '>'"),
        ("metrics.acc > and status = 'x'", 15, "expected a value after '>', found 'and'"),
        ("metrix.acc > 1", 1, "unknown field 'metrix.acc'"),
        ("metrics.acc > 1 and metrix.acc > 1", 21, "did you mean 'metrics.acc'?"),
        ("stauts = 'x'", 1, "did you mean 'status'?"),
        ("acc > 1", 1, "unknown field 'acc'"),
        ("metrics > 1", 1, "add a name: metrics.NAME"),
        ("datasets.digest = 'x'", 1, "use data.NAME"),
        ("code.author = 'x'", 1, "code. takes one of commit"),
        ("attributes.lifecycle_stage = 'active'", 1, "unknown field"),
        ("name = 'abc", 8, "unterminated string"),
        ("metrics.acc 0.5", 13, "expected an operator"),
        ("(metrics.acc > 1", 17, "expected ')' to close the '(' at column 1"),
        ("metrics.acc > 1)", 16, "expected 'and', 'or' or the end"),
        ("metrics.acc > 1 metrics.loss < 2", 17, "expected 'and', 'or' or the end"),
        ("metrics.acc > 1 and", 20, "expected a condition"),
        ("", 1, "expected a condition"),
        ("   ", 4, "expected a condition"),
        ("()", 2, "expected a condition"),
        ("not", 4, "expected a condition"),
        ("= 1", 1, "expected a field"),
        ("min(params.x) > 1", 5, "min() takes a metric"),
        ("min(metrics.x > 1", 15, "expected ')' after 'metrics.x'"),
        ("min > 1", 1, "use min(metrics.NAME)"),
        ("metrics.acc like 5", 18, "expected a quoted pattern after 'like'"),
        ("metrics.acc not = 5", 17, "expected 'like', 'ilike' or 'in' after 'not'"),
        ("metrics.acc is 5", 16, "expected 'null' after 'is'"),
        ("metrics.acc is not 5", 20, "expected 'null' after 'is'"),
        ("metrics.acc in 5", 16, "expected '(' after 'in'"),
        ("metrics.acc in (1 2)", 19, "expected ',' or ')' in the list"),
        ("metrics.acc in ()", 17, "expected a value after '('"),
        ("metrics.acc in (1,)", 19, "expected a value after ','"),
        ("metrics.acc in (null)", 17, "null cannot be in a list"),
        ("metrics.acc < null", 15, "null cannot be compared with '<'"),
        ("metrics.acc > metrics.loss", 15, "expected a value after '>', found 'metrics.loss'"),
        ("started > 'yesterday'", 11, "expected a date such as '2026-01-02'"),
        ("started > true", 11, "not a boolean"),
        ("__import__('os') > 1", 1, "unknown field '__import__'"),
        ("__import__('os').system('ls')", 17, "unexpected character '.'"),
        ("metrics.acc > 1; drop table runs", 16, "unexpected character ';'"),
    ],
)
def test_errors_name_the_column_of_the_bad_token(text: str, column: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    message = str(info.value)
    assert fragment in message
    assert info.value.column == column
    assert message.startswith("--where: ")
    assert f"at column {column}" in message
    assert "\n" not in message


def test_query_error_is_a_usage_error() -> None:
    with pytest.raises(GitmlError) as info:
        parse("nope")
    assert info.value.exit_code == 2


def test_option_name_is_configurable() -> None:
    with pytest.raises(QueryError, match=r"^--filter: unknown field"):
        parse("nope > 1", option="--filter")
    with pytest.raises(QueryError, match=r"^--columns: unknown field"):
        parse_field("nope")
