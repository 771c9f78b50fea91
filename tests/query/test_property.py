"""Property: the Python evaluator and the SQLite translation never disagree.

Random run documents (odd keys, mixed types, nulls, non-objects where objects belong) are
stored as JSON text in a real in-memory SQLite table; random query texts are parsed and
every document's three-valued result from ``evaluate`` must equal the SQL condition's.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitml.query import field_value, parse, parse_field, parse_sort, sort_docs
from gitml.query.fields import spell_key
from gitml.query.lexer import tokenize
from gitml.query.literals import ascii_lower, like_glob, like_regex
from tests.query.support import agree, load, sql_sorted

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PARAM_KEYS = ["lr", "model.depth", "opt", "é", 'a"b', "x y", "", "it's", "\\", "a`b"]
METRIC_KEYS = ["acc", "loss", "é", 'a"b']
AGGREGATES = ["min", "max", "first", "last", "steps"]

CHARS = st.one_of(
    st.sampled_from("aAbBzZ%_*?[]\\'\"` .-0189éÉß"),
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
)
TEXT = st.text(CHARS, max_size=5)
WORDS = st.sampled_from(
    ["0.01", "1", "3", "-2", "1e-05", ".5", "True", "true", "false", "FALSE", "adam", "Adam", ""]
)
NUMBERS = st.one_of(
    st.integers(-1, 3),
    st.integers(-(2**53), 2**53),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 3, 0.01, 0.1, -0.0, 1e-05, 2.5]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, WORDS)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=2),
    st.dictionaries(st.sampled_from(["k", "min", "é", "lr"]), SCALARS, max_size=2),
)
OFFSETS = st.sampled_from([None, 0, 330, -480, 60])
MOMENTS = st.builds(
    lambda moment, offset: moment.replace(
        microsecond=moment.microsecond // 1000 * 1000,
        tzinfo=None if offset is None else timezone(timedelta(minutes=offset)),
    ),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    OFFSETS,
)
STAMPS = MOMENTS.map(lambda m: m.isoformat(timespec="milliseconds"))
# Stored times are ISO strings or not strings at all: SQLite's julianday() also reads
# strings Python does not ("2460000.5"), so free text is not a time the two agree on.
TIMES = st.one_of(STAMPS, st.none(), st.booleans(), NUMBERS, st.lists(SCALARS, max_size=1))


def _maybe_not_object(objects: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(objects, objects, objects, SCALARS, st.lists(SCALARS, max_size=1))


STATS = _maybe_not_object(
    st.fixed_dictionaries({}, optional={name: st.one_of(NUMBERS, SCALARS) for name in AGGREGATES})
)
DOCS = st.fixed_dictionaries(
    {},
    optional={
        "id": TEXT,
        "name": st.one_of(TEXT, WORDS),
        "status": st.one_of(st.sampled_from(["completed", "failed", "interrupted"]), VALUES),
        "started": TIMES,
        "ended": TIMES,
        "duration_s": st.one_of(NUMBERS, VALUES),
        "exit_code": st.one_of(st.integers(-1, 2), VALUES),
        "host": st.one_of(WORDS, VALUES),
        "params": _maybe_not_object(
            st.dictionaries(st.sampled_from(PARAM_KEYS), VALUES, max_size=5)
        ),
        "metrics": _maybe_not_object(
            st.dictionaries(st.sampled_from(METRIC_KEYS), st.one_of(NUMBERS, SCALARS), max_size=3)
        ),
        "metric_stats": _maybe_not_object(
            st.dictionaries(st.sampled_from(METRIC_KEYS), STATS, max_size=3)
        ),
        "tags": _maybe_not_object(st.dictionaries(st.sampled_from(PARAM_KEYS), TEXT, max_size=3)),
        "code": _maybe_not_object(
            st.fixed_dictionaries(
                {},
                optional={
                    "commit": TEXT,
                    "branch": TEXT,
                    "dirty": st.one_of(st.booleans(), VALUES),
                },
            )
        ),
        "inputs": st.dictionaries(st.sampled_from(["train", "model.pkl"]), TEXT, max_size=2),
        "user": st.fixed_dictionaries({}, optional={"name": VALUES}),
    },
)

VALUE_FIELDS = [
    *(spell_key("params", key) for key in PARAM_KEYS),
    *(spell_key("metrics", key) for key in METRIC_KEYS),
    *(f"{agg}({spell_key('metrics', key)})" for agg in AGGREGATES for key in METRIC_KEYS),
    "params.`model.depth`",
    'params."x y"',
    "`params.x y`",
    "metrics.é",
    "name",
    "attributes.run_id",
    "duration_s",
    "exit_code",
    "status",
    "host",
    "code.commit",
    "git.branch",
    "code.dirty",
    "data.train",
    "data.model.pkl",
    spell_key("tags", "é"),
    "tags.opt",
    "user",
    "user.email",
]
TIME_FIELDS = ["started", "ended", "attributes.start_time"]


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _number(value: float) -> str:
    return repr(value)


VALUE_LITERALS = st.one_of(
    NUMBERS.map(_number),
    TEXT.map(_quote),
    WORDS.map(_quote),
    WORDS.map(lambda w: '"' + w + '"'),
    st.sampled_from(["true", "false", "TRUE", "'FINISHED'", "'killed'", "'completed'"]),
)
TIME_LITERALS = st.one_of(
    STAMPS.map(_quote),
    MOMENTS.map(lambda m: _quote(m.date().isoformat())),
    st.integers(0, 5_000_000_000_000).map(str),
)
COMPARATORS = st.sampled_from(["=", "==", "!=", "<>", "<", "<=", ">", ">="])
PATTERNS = st.text(st.sampled_from("aAé%_\\*?[]0."), max_size=5).map(_quote)


def _moved(stamp: str, minutes: int) -> str:
    """The same instant written with another UTC offset."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone(timedelta(minutes=minutes))).isoformat(
        timespec="milliseconds"
    )


def _spelled(value: Any, time: bool) -> list[str]:
    """Literals that spell a stored value, so comparisons often hit."""
    if time:
        if isinstance(value, str):
            return [_quote(value), _quote(_moved(value, 90))]
        plain_number = isinstance(value, int | float) and not isinstance(value, bool)
        return [_number(value)] if plain_number else []
    if isinstance(value, bool):
        word = str(value)
        return [word.lower(), _quote(word), _quote(word.lower()), str(int(value))]
    if isinstance(value, int | float):
        crossed = ["true" if value else "false"] if value in (0, 1) else []
        return [_number(value), _quote(_number(value)), *crossed]
    if not isinstance(value, str):
        return []
    return [_quote(value), _quote(value.upper()), _quote(value.lower())]


@st.composite
def _pattern(draw: st.DrawFn, values: list[str]) -> str:
    """A LIKE pattern, often derived from a stored string by wildcarding parts of it."""
    if not values or draw(st.booleans()):
        return draw(PATTERNS)
    out = []
    for ch in draw(st.sampled_from(values)):
        action = draw(st.sampled_from(["keep", "keep", "keep", "one", "any", "case", "raw"]))
        if action == "one":
            out.append("_")
        elif action == "any":
            out.append("%")
        elif action == "case":
            out.append(ch.swapcase())
        elif action == "raw" or ch not in "%_\\":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return _quote("".join(out))


def queries(docs: list[dict[str, Any]]) -> st.SearchStrategy[str]:
    """Query texts over the fields ``docs`` fill, with literals taken from their values."""
    stored: dict[str, list[Any]] = {}
    for name in VALUE_FIELDS + TIME_FIELDS:
        field = parse_field(name)
        found = [field_value(field, doc) for doc in docs]
        stored[name] = [value for value in found if value is not None]
    present = [name for name, values in stored.items() if values] or VALUE_FIELDS

    @st.composite
    def predicates(draw: st.DrawFn) -> str:
        anywhere = st.sampled_from(VALUE_FIELDS + TIME_FIELDS)
        field = draw(st.one_of(*[st.sampled_from(present)] * 3, anywhere))
        time = field in TIME_FIELDS
        spelled = [text for value in stored[field] for text in _spelled(value, time)]
        randoms = TIME_LITERALS if time else VALUE_LITERALS
        literals = st.one_of(st.sampled_from(spelled), randoms) if spelled else randoms
        strings = [value for value in stored[field] if isinstance(value, str)]
        shape = draw(st.sampled_from(["compare", "flipped", "null", "like", "in", "is"]))
        negated = draw(st.sampled_from(["", "not ", "NOT "]))
        if shape == "compare":
            return f"{field} {draw(COMPARATORS)} {draw(literals)}"
        if shape == "flipped":
            return f"{draw(literals)} {draw(COMPARATORS)} {field}"
        if shape == "null":
            return f"{field} {draw(st.sampled_from(['=', '!=']))} null"
        if shape == "like":
            operator = draw(st.sampled_from(["like", "ilike"]))
            return f"{field} {negated}{operator} {draw(_pattern(strings))}"
        if shape == "in":
            items = draw(st.lists(literals, min_size=1, max_size=3))
            return f"{field} {negated}in ({', '.join(items)})"
        return f"{field} is {negated}null"

    return st.recursive(predicates(), _combine, max_leaves=6)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" and ".join),
        st.lists(inner, min_size=2, max_size=3).map(" OR ".join),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
    )


SORT_KEYS = st.builds(
    lambda field, direction: direction.format(field),
    st.sampled_from(VALUE_FIELDS + TIME_FIELDS),
    st.sampled_from(["{}", "-{}", "+{}", "{} desc", "{} ASC"]),
)


@SETTINGS
@given(docs=st.lists(DOCS, min_size=1, max_size=8), data=st.data())
def test_python_and_sql_agree_on_every_document(
    docs: list[dict[str, Any]], data: st.DataObject
) -> None:
    where = data.draw(queries(docs), label="where")
    conn = sqlite3.connect(":memory:")
    try:
        load(conn, docs)
        agree(conn, docs, parse(where))
    finally:
        conn.close()


@SETTINGS
@given(
    docs=st.lists(DOCS, min_size=1, max_size=8), keys=st.lists(SORT_KEYS, min_size=1, max_size=3)
)
def test_sort_sql_and_sort_docs_agree(docs: list[dict[str, Any]], keys: list[str]) -> None:
    sort_keys = [parse_sort(key) for key in keys]
    conn = sqlite3.connect(":memory:")
    try:
        load(conn, docs)
        python = sort_docs(list(enumerate(docs)), sort_keys, doc=lambda pair: pair[1])
        assert sql_sorted(conn, sort_keys) == [n for n, _ in python]
    finally:
        conn.close()


@SETTINGS
@given(field=st.sampled_from(VALUE_FIELDS + TIME_FIELDS))
def test_field_names_round_trip(field: str) -> None:
    parsed = parse_field(field)
    assert parse_field(parsed.name) == parsed


LIKE_TEXT = st.text(st.sampled_from("aAzZéÉ%_\\*?[]^!-."), max_size=6)


@SETTINGS
@given(subject=LIKE_TEXT, data=st.data(), insensitive=st.booleans())
def test_like_regex_and_glob_agree(subject: str, data: st.DataObject, insensitive: bool) -> None:
    pattern = data.draw(
        st.one_of(LIKE_TEXT, _pattern([subject]).map(lambda quoted: parse_literal(quoted))),
        label="pattern",
    )
    conn = sqlite3.connect(":memory:")
    try:
        glob = like_glob(pattern, insensitive)
        lowered = "lower(?)" if insensitive else "?"
        (by_sql,) = conn.execute(f"SELECT {lowered} GLOB ?", (subject, glob)).fetchone()
    finally:
        conn.close()
    text = ascii_lower(subject) if insensitive else subject
    assert bool(by_sql) == (like_regex(pattern, insensitive).fullmatch(text) is not None)


def parse_literal(quoted: str) -> str:
    """The string a quoted query literal stands for."""
    (token, _end) = tokenize(quoted)
    assert isinstance(token.value, str)
    return token.value
