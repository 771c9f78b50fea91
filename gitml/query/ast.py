"""The parsed form of a query: small immutable nodes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Op(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def flipped(self) -> Op:
        """The operator with its operands swapped (``1 < x`` is ``x > 1``)."""
        return _FLIPPED.get(self, self)


_FLIPPED = {Op.LT: Op.GT, Op.LE: Op.GE, Op.GT: Op.LT, Op.GE: Op.LE}


class FieldKind(StrEnum):
    VALUE = "value"
    TIME = "time"  # an ISO-8601 string compared as milliseconds since 1970
    STATUS = "status"  # literals are normalised (case, MLflow status names)


@dataclass(frozen=True, slots=True)
class Field:
    """A place in the run document: ``path`` of object keys from the root."""

    name: str
    path: tuple[str, ...]
    kind: FieldKind = FieldKind.VALUE

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Operand:
    """A literal in each form it can meet a stored value in.

    A stored string compares with ``text``, a stored number with ``number`` and a stored
    boolean with ``boolean``; a stored value whose form is None here is unequal to it.
    """

    source: str
    text: str | None = None
    number: int | float | None = None
    boolean: bool | None = None


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: Op
    operand: Operand


@dataclass(frozen=True, slots=True)
class Like:
    """``field like pattern`` with ``%`` and ``_`` wildcards and ``\\`` as escape."""

    field: Field
    pattern: str
    insensitive: bool = False


@dataclass(frozen=True, slots=True)
class In:
    field: Field
    operands: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class IsNull:
    field: Field


@dataclass(frozen=True, slots=True)
class Not:
    expr: Expr


@dataclass(frozen=True, slots=True)
class And:
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    exprs: tuple[Expr, ...]


Expr = Compare | Like | In | IsNull | Not | And | Or


def fields_of(expr: Expr) -> Iterator[Field]:
    """The fields ``expr`` tests, left to right."""
    match expr:
        case Not(inner):
            yield from fields_of(inner)
        case And(exprs) | Or(exprs):
            for part in exprs:
                yield from fields_of(part)
        case Compare(field) | Like(field) | In(field) | IsNull(field):
            yield field


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ``--sort`` key; missing values sort last in either direction."""

    field: Field
    descending: bool = False
