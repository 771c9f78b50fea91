"""Tokens, their values and their 1-based columns."""

from __future__ import annotations

import pytest

from gitml.query import QueryError
from gitml.query.lexer import Kind, Name, tokenize


def test_tokenize_records_kinds_values_and_columns() -> None:
    tokens = tokenize("metrics.acc >= 0.5 AND (x, 'y')")
    assert [(t.kind, t.column) for t in tokens] == [
        (Kind.NAME, 1),
        (Kind.OP, 13),
        (Kind.NUMBER, 16),
        (Kind.KEYWORD, 20),
        (Kind.LPAREN, 24),
        (Kind.NAME, 25),
        (Kind.COMMA, 26),
        (Kind.STRING, 28),
        (Kind.RPAREN, 31),
        (Kind.END, 32),
    ]
    assert tokens[0].value == Name("metrics", "acc", True)
    assert tokens[3].value == "and"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'C:\\data'", "C:\\data"),
        ("'a\\\\b'", "a\\b"),
        ("'100\\%'", "100\\%"),
        ("''", ""),
        ("'héllo wörld'", "héllo wörld"),
    ],
)
def test_string_escapes(source: str, value: str) -> None:
    (token, _end) = tokenize(source)
    assert token.kind is Kind.STRING
    assert token.value == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("3", 3),
        ("-3", -3),
        ("+2.5", 2.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e-3", 0.001),
        ("-1.5E+2", -150.0),
        ("99999999999999999999", 1e20),
    ],
)
def test_numbers(source: str, value: float) -> None:
    (token, _end) = tokenize(source)
    assert token.kind is Kind.NUMBER
    assert token.value == value
    assert type(token.value) is type(value)


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("params.lr", Name("params", "lr", True)),
        ("params.model.depth", Name("params", "model.depth", True)),
        ("metrics.train/loss", Name("metrics", "train/loss", True)),
        ("metrics.val-acc", Name("metrics", "val-acc", True)),
        ("params.`my key`", Name("params", "my key", False)),
        ('params."my key"', Name("params", "my key", False)),
        ("`params.my key`", Name("params", "my key", False)),
        ("`odd``name`", Name("odd`name", None, False)),
        ("params.é", Name("params", "é", True)),
        ("status", Name("status", None, True)),
    ],
)
def test_names(source: str, name: Name) -> None:
    (token, _end) = tokenize(source)
    assert token.kind is Kind.NAME
    assert token.value == name


def test_keywords_are_case_insensitive_only_when_bare() -> None:
    kinds = [t.kind for t in tokenize("AnD oR NoT `and` LIKE")]
    assert kinds == [Kind.KEYWORD, Kind.KEYWORD, Kind.KEYWORD, Kind.NAME, Kind.KEYWORD, Kind.END]


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("name = 'abc", 8, "unterminated string"),
        ('name = "abc', 8, "unterminated string"),
        ("`params.x = 1", 1, "unterminated name"),
        ("params.`x = 1", 8, "unterminated name"),
        ("name = 'a\\'", 8, "unterminated string"),
        ("a ; b", 3, "unexpected character ';'"),
        ("a = 1.2.3", 5, "malformed number"),
        ("a = 5x", 5, "malformed number"),
        ("params. = 1", 8, "expected a name after 'params.'"),
        ("a = -", 5, "unexpected character '-'"),
        ("name = 'a\x00b'", 10, "NUL characters are not supported"),
    ],
)
def test_lexical_errors_name_the_column(source: str, column: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        tokenize(source)
    assert info.value.column == column
    assert fragment in str(info.value)
    assert f"at column {column}" in str(info.value)
