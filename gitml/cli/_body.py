"""Calling a command's body by name (``module:function``) with keyword arguments."""

import functools
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

_R = TypeVar("_R")


def call_body(target: str, kwargs: dict[str, Any]) -> int:
    """Import the body and call it; its return value is the exit code (None: 0)."""
    module, _, name = target.partition(":")
    body = getattr(importlib.import_module(module), name)
    code = body(**kwargs)
    return int(code or 0)


def options_body(
    options: type[Any], *, without: tuple[str, ...] = ()
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """A body given the fields of the dataclass ``options`` (but ``without``) as one value.

    Both parsers call a body with one keyword per option; the decorated body takes those
    options as ``options=OPTIONS(...)`` and its other keywords as they are. Its signature
    lists the flat keywords (the fields where ``options`` stands), so ``_generate`` checks
    them against the declaration as it checks any body.
    """
    import dataclasses  # with inspect, a few milliseconds no plain command needs
    import inspect

    unknown = set(without) - {f.name for f in dataclasses.fields(options)}
    if unknown:
        raise ValueError(f"{options.__name__} has no field {', '.join(sorted(unknown))}")
    fields = [f for f in dataclasses.fields(options) if f.name not in without]
    names = [f.name for f in fields]
    flat = [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default) for f in fields
    ]

    def wrap(body: Callable[..., _R]) -> Callable[..., _R]:
        own = list(inspect.signature(body).parameters.values())
        at = [p.name for p in own].index("options")

        @functools.wraps(body)
        def call(**kwargs: Any) -> _R:
            given = {name: kwargs.pop(name) for name in names if name in kwargs}
            return body(options=options(**given), **kwargs)

        call.__signature__ = inspect.Signature([*own[:at], *flat, *own[at + 1 :]])  # type: ignore[attr-defined]
        return call

    return wrap
