"""Tokens of the query language; every token remembers its 1-based column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gitml.query.errors import QueryError

KEYWORDS = frozenset({"and", "or", "not", "like", "ilike", "in", "is", "null", "true", "false"})
INT64_MAX = 2**63 - 1

_HEAD = re.compile(r"[^\W\d]\w*")
BARE_KEY = re.compile(r"\w[\w.\-/]*")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
_CANONICAL_OP = {"==": "=", "<>": "!="}
_SPACE = " \t\r\n"


class Kind(StrEnum):
    NAME = "name"
    KEYWORD = "keyword"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier: ``head`` before the first dot, ``key`` after it (None without a dot)."""

    head: str
    key: str | None
    bare: bool


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    column: int
    value: str | int | float | Name | None = None

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "the end of the expression"
        return self.text if self.kind is Kind.STRING else repr(self.text)


def tokenize(text: str, option: str = "--where", start: int = 1) -> list[Token]:
    """Split ``text`` into tokens, ending with one END token; ``start`` is the first column."""
    if "\x00" in text:
        raise QueryError(option, "NUL characters are not supported", start + text.index("\x00"))
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        col = start + i
        if ch in _SPACE:
            i += 1
        elif ch in "(),":
            tokens.append(Token(Kind(ch), ch, col))
            i += 1
        elif ch in "'\"":
            value, end = _quoted(text, i, option, start)
            tokens.append(Token(kind=Kind.STRING, text=text[i:end], column=col, value=value))
            i = end
        elif ch == "`":
            name, end = _quoted(text, i, option, start)
            head, dot, key = name.partition(".")
            tokens.append(
                Token(
                    kind=Kind.NAME,
                    text=text[i:end],
                    column=col,
                    value=Name(head, key if dot else None, False),
                )
            )
            i = end
        elif (op := _operator(text, i)) is not None:
            tokens.append(Token(kind=Kind.OP, text=op, column=col, value=_CANONICAL_OP.get(op, op)))
            i += len(op)
        elif m := _HEAD.match(text, i):
            token, i = _name(text, m.end(), i, option, start)
            tokens.append(token)
        elif m := _NUMBER.match(text, i):
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                raise QueryError(option, f"malformed number {text[i : end + 1]!r}", col)
            tokens.append(
                Token(kind=Kind.NUMBER, text=m.group(), column=col, value=_number(m.group()))
            )
            i = end
        else:
            raise QueryError(option, f"unexpected character {ch!r}", col)
    tokens.append(Token(Kind.END, "", start + n))
    return tokens


def _operator(text: str, i: int) -> str | None:
    for op in _OPERATORS:
        if text.startswith(op, i):
            return op
    return None


def _name(text: str, head_end: int, i: int, option: str, start: int) -> tuple[Token, int]:
    head = text[i:head_end]
    col = start + i
    if head_end >= len(text) or text[head_end] != ".":
        if head.lower() in KEYWORDS:
            return Token(kind=Kind.KEYWORD, text=head, column=col, value=head.lower()), head_end
        return Token(kind=Kind.NAME, text=head, column=col, value=Name(head, None, True)), head_end
    j = head_end + 1
    if j < len(text) and text[j] in '`"':
        key, end = _quoted(text, j, option, start)
        return Token(
            kind=Kind.NAME, text=text[i:end], column=col, value=Name(head, key, False)
        ), end
    m = BARE_KEY.match(text, j)
    if m is None:
        raise QueryError(option, f"expected a name after '{head}.'", start + j)
    return Token(
        kind=Kind.NAME, text=text[i : m.end()], column=col, value=Name(head, m.group(), True)
    ), m.end()


def _quoted(text: str, i: int, option: str, start: int) -> tuple[str, int]:
    """The content of the quoted run starting at ``text[i]`` and the index after it.

    The quote is escaped by doubling it or by a backslash; ``\\\\`` is one backslash and
    any other backslash is kept as written (LIKE patterns and Windows paths need it).
    """
    quote = text[i]
    out: list[str] = []
    j, n = i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and j + 1 < n and text[j + 1] in (quote, "\\"):
            out.append(text[j + 1])
            j += 2
        elif ch == quote:
            if j + 1 < n and text[j + 1] == quote:
                out.append(quote)
                j += 2
            else:
                return "".join(out), j + 1
        else:
            out.append(ch)
            j += 1
    what = "name" if quote == "`" else "string"
    raise QueryError(option, f"unterminated {what} starting", start + i, f"close it with {quote}")


def _number(text: str) -> int | float:
    if any(c in text for c in ".eE"):
        return float(text)
    value = int(text)
    return value if -INT64_MAX - 1 <= value <= INT64_MAX else float(value)
