"""The one error the query language raises."""

from __future__ import annotations

from gitml.errors import UsageError


class QueryError(UsageError):
    """A ``--where``/``--sort`` expression that does not parse, with the 1-based column."""

    def __init__(self, option: str, what: str, column: int, hint: str = "") -> None:
        self.option = option
        self.what = what
        self.column = column
        super().__init__(f"{option}: {what} at column {column}{'; ' + hint if hint else ''}")
