"""A small router: path templates such as ``/api/runs/{run}`` mapped to handlers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

from gitml.storage.repo import open_repo
from gitml.ui.http import HttpError, Response

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

Kind = Literal["api", "page", "static"]
_PARAM = re.compile(r"\{([a-z_]+)\}")


@dataclass
class Request:
    """One GET request: path parameters, query parameters and the repository."""

    root: Path
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    _repo: GitRepo | None = None

    def repo(self) -> GitRepo:
        """The repository, opened once per request (so every request sees new records)."""
        if self._repo is None:
            self._repo = open_repo(self.root)
        return self._repo

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)

    def int_arg(self, name: str, default: int, low: int, high: int) -> int:
        text = self.query.get(name, "")
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            raise HttpError(
                400, f"query parameter {name!r}: {text!r} is not a whole number"
            ) from None
        if not low <= value <= high:
            raise HttpError(400, f"query parameter {name!r}: {value} is not in {low}..{high}")
        return value

    def flag(self, name: str) -> bool:
        return self.query.get(name, "") in ("1", "true", "yes", "on")


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    kind: Kind
    template: str
    handler: Handler
    summary: str
    regex: re.Pattern[str]


class Router:
    """Routes in the order added; the first template that matches the whole path wins."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, kind: Kind, template: str, handler: Handler, summary: str) -> None:
        parts = _PARAM.split(template)
        # split() alternates literal text and parameter names.
        pattern = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        self._routes.append(
            Route(
                kind=kind,
                template=template,
                handler=handler,
                summary=summary,
                regex=re.compile(pattern),
            )
        )

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            found = route.regex.fullmatch(path)
            if found is not None:
                return route, _decode(found.groupdict())
        return None


def _decode(params: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, value in params.items():
        text = unquote(value, errors="strict")
        if "\x00" in text or "/" in text:
            raise HttpError(404, f"no such path segment {text!r}")
        out[key] = text
    return out
