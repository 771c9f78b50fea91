"""Recursive-descent parser: query text -> Expr, sort text -> SortKey.

Grammar (keywords case-insensitive)::

    expr      := conj ("or" conj)*
    conj      := neg ("and" neg)*
    neg       := "not" neg | "(" expr ")" | predicate
    predicate := field OP value | value OP field | field      (a flag: field = true)
               | field ["not"] ("like" | "ilike") string
               | field ["not"] "in" "(" value ("," value)* ")"
               | field "is" ["not"] "null"
    field     := NAME | AGG "(" NAME ")"
    value     := NUMBER | STRING | "true" | "false" | "null"
"""

from __future__ import annotations

from collections.abc import Callable

from gitml.query.ast import (
    And,
    Compare,
    Expr,
    Field,
    In,
    IsNull,
    Like,
    Not,
    Op,
    Operand,
    Or,
    SortKey,
)
from gitml.query.errors import QueryError
from gitml.query.fields import AGGREGATES, aggregate, resolve
from gitml.query.lexer import Kind, Name, Token, tokenize
from gitml.query.literals import Literal, LiteralError, operand

_OPS_TEXT = "=, !=, <, <=, >, >=, like, ilike, in, is null"
MAX_NESTING = 24
"""Deepest nesting of parentheses and ``not`` (the SQL each level adds must stay parseable)."""
MAX_TERMS = 200
"""Most conditions in one expression."""
MAX_LIST = 1000
"""Most values in one ``in (...)`` list."""


def parse(text: str, option: str = "--where") -> Expr:
    """Parse a ``--where`` expression; raises QueryError naming the column of the bad token."""
    parser = _Parser(tokenize(text, option), option)
    expr = parser.expression()
    parser.expect_end("'and', 'or' or the end of the expression")
    return expr


def parse_field(text: str, option: str = "--columns") -> Field:
    """Parse one field name such as ``metrics.acc`` or ``max(metrics.acc)``."""
    parser = _Parser(tokenize(text, option), option)
    field = parser.field()
    parser.expect_end("the end of the field name")
    return field


def parse_sort(text: str, option: str = "--sort") -> SortKey:
    """Parse ``metrics.acc``, ``-metrics.acc``, ``+name`` or ``metrics.acc desc``."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped) + 1
    sign = stripped[:1] if stripped[:1] in ("-", "+") else ""
    parser = _Parser(tokenize(stripped[len(sign) :], option, offset + len(sign)), option)
    field = parser.field()
    descending = sign == "-"
    token = parser.peek()
    if token.kind is Kind.NAME and isinstance(token.value, Name) and token.value.bare:
        word = token.text.lower()
        if word in ("asc", "desc"):
            if sign:
                raise QueryError(option, f"both {sign!r} and {word!r} given", token.column)
            descending = word == "desc"
            parser.advance()
    parser.expect_end("'asc', 'desc' or the end of the sort key")
    return SortKey(field, descending)


class _Parser:
    def __init__(self, tokens: list[Token], option: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.option = option
        self.depth = 0
        self.terms = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind is Kind.KEYWORD and token.value in words

    def error(self, what: str, token: Token, hint: str = "") -> QueryError:
        return QueryError(self.option, what, token.column, hint)

    def unexpected(self, expected: str, token: Token) -> QueryError:
        """The error for ``token``, found where ``expected`` should stand."""
        return self.error(f"expected {expected}, found {token.describe()}", token)

    def expect_end(self, expected: str) -> None:
        token = self.peek()
        if token.kind is not Kind.END:
            raise self.unexpected(expected, token)

    def expression(self) -> Expr:
        return self._joined("or", self.conjunction, Or)

    def conjunction(self) -> Expr:
        return self._joined("and", self.negation, And)

    def _joined(
        self, word: str, term: Callable[[], Expr], node: Callable[[tuple[Expr, ...]], Expr]
    ) -> Expr:
        """One ``term``, or several joined by the keyword ``word`` as one ``node``."""
        terms = [term()]
        while self.keyword(word):
            self.advance()
            terms.append(term())
        return terms[0] if len(terms) == 1 else node(tuple(terms))

    def negation(self) -> Expr:
        token = self.peek()
        if self.keyword("not") or token.kind is Kind.LPAREN:
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(
                    f"more than {MAX_NESTING} nested parentheses or 'not'",
                    token,
                    "simplify the expression",
                )
            try:
                return self._nested(token)
            finally:
                self.depth -= 1
        if token.kind is Kind.END or token.kind is Kind.RPAREN:
            found = "" if token.kind is Kind.END else f", found {token.describe()}"
            raise self.error(f"expected a condition such as metrics.acc > 0.9{found}", token)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"more than {MAX_TERMS} conditions", token, "simplify the expression")
        return self.predicate()

    def _nested(self, token: Token) -> Expr:
        """``not X`` or ``( X )``, starting at ``token``."""
        self.advance()
        if token.kind is not Kind.LPAREN:
            return Not(self.negation())
        expr = self.expression()
        closing = self.peek()
        if closing.kind is not Kind.RPAREN:
            raise self.unexpected(f"')' to close the '(' at column {token.column}", closing)
        self.advance()
        return expr

    def predicate(self) -> Expr:
        if self._starts_with_value():
            value_token = self.advance()
            op_token = self.advance()
            field = self.field()
            return self._compare(field, Op(str(op_token.value)).flipped(), op_token, value_token)
        field = self.field()
        token = self.peek()
        if token.kind in (Kind.END, Kind.RPAREN) or self.keyword("and", "or"):
            # A bare field is a flag: `code.dirty` means `code.dirty = true`.
            return Compare(field, Op.EQ, Operand("true", boolean=True))
        if token.kind is Kind.OP:
            self.advance()
            return self._compare(field, Op(str(token.value)), token, self.advance())
        negated = self.keyword("not")
        if negated:
            self.advance()
            if not self.keyword("like", "ilike", "in"):
                found = self.peek()
                raise self.unexpected("'like', 'ilike' or 'in' after 'not'", found)
        operator = self.peek()
        if self.keyword("like", "ilike"):
            self.advance()
            pattern = self.advance()
            if pattern.kind is not Kind.STRING:
                raise self.unexpected(f"a quoted pattern after {operator.text!r}", pattern)
            expr: Expr = Like(field, str(pattern.value), operator.value == "ilike")
        elif self.keyword("in"):
            self.advance()
            expr = In(field, self._list(field))
        elif self.keyword("is"):
            self.advance()
            if self.keyword("not"):
                self.advance()
                negated = True
            null = self.advance()
            if not (null.kind is Kind.KEYWORD and null.value == "null"):
                raise self.unexpected("'null' after 'is'", null)
            expr = IsNull(field)
        else:
            raise self.unexpected(f"an operator ({_OPS_TEXT}) after {field.name!r}", token)
        return Not(expr) if negated else expr

    def field(self) -> Field:
        token = self.advance()
        if token.kind is not Kind.NAME or not isinstance(token.value, Name):
            raise self.unexpected("a field such as metrics.acc", token)
        name = token.value
        function = name.head.lower()
        if (
            name.bare
            and name.key is None
            and function in AGGREGATES
            and self.peek().kind is Kind.LPAREN
        ):
            self.advance()
            inner_token = self.peek()
            inner = self.field()
            closing = self.advance()
            if closing.kind is not Kind.RPAREN:
                raise self.unexpected(f"')' after {inner.name!r}", closing)
            return aggregate(function, inner, inner_token.text, inner_token.column, self.option)
        return resolve(name, token.text, token.column, self.option)

    def _starts_with_value(self) -> bool:
        first = self.peek()
        is_value = first.kind in (Kind.NUMBER, Kind.STRING) or (
            first.kind is Kind.KEYWORD and first.value in ("true", "false")
        )
        return is_value and self.peek(1).kind is Kind.OP and self.peek(2).kind is Kind.NAME

    def _operand(self, field: Field, token: Token, after: Token) -> Operand | None:
        """The literal ``token`` (which follows ``after``) as an Operand; None for null."""
        value: Literal
        if token.kind is Kind.NUMBER or token.kind is Kind.STRING:
            assert isinstance(token.value, str | int | float)
            value = token.value
        elif token.kind is Kind.KEYWORD and token.value in ("true", "false"):
            value = token.value == "true"
        elif token.kind is Kind.KEYWORD and token.value == "null":
            return None
        else:
            found = "" if token.kind is Kind.END else f", found {token.describe()}"
            raise self.error(
                f"expected a value after {after.text!r}{found}",
                token,
                "values are numbers, 'quoted strings', true, false or null",
            )
        try:
            return operand(value, token.text, field.kind)
        except LiteralError as exc:
            raise self.error(str(exc), token) from None

    def _compare(self, field: Field, op: Op, op_token: Token, value_token: Token) -> Expr:
        found = self._operand(field, value_token, op_token)
        if found is not None:
            return Compare(field, op, found)
        if op is Op.EQ:
            return IsNull(field)
        if op is Op.NE:
            return Not(IsNull(field))
        raise self.error(
            f"null cannot be compared with {op_token.text!r}",
            value_token,
            "use 'is null' or 'is not null'",
        )

    def _list(self, field: Field) -> tuple[Operand, ...]:
        opening = self.advance()
        if opening.kind is not Kind.LPAREN:
            raise self.unexpected("'(' after 'in'", opening)
        items: list[Operand] = []
        after = opening
        while True:
            token = self.advance()
            found = self._operand(field, token, after)
            if found is None:
                raise self.error("null cannot be in a list", token, "use 'is null'")
            items.append(found)
            if len(items) > MAX_LIST:
                raise self.error(f"more than {MAX_LIST} values in the list", token)
            after = self.advance()
            if after.kind is Kind.RPAREN:
                return tuple(items)
            if after.kind is not Kind.COMMA:
                raise self.unexpected("',' or ')' in the list", after)
