"""Calling a command's body by name (``module:function``) with keyword arguments."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import inspect

_R = TypeVar("_R")


def call_body(target: str, kwargs: dict[str, Any]) -> int:
    """Import the body and call it; its return value is the exit code (None: 0)."""
    module, _, name = target.partition(":")
    body = getattr(importlib.import_module(module), name)
    code = body(**kwargs)
    return int(code or 0)


class OptionsBody(Generic[_R]):
    """A body called with one keyword per option, which it hands on as one ``options`` value.

    Its signature (``inspect.signature``) lists the flat keywords where ``options`` stands
    in the wrapped body's, so ``_generate`` checks them against the declaration as it checks
    any body; it is worked out when asked for, never while a command runs.
    """

    def __init__(self, body: Callable[..., _R], options: type[Any], names: list[str]) -> None:
        functools.update_wrapper(self, body)
        self._body = body
        self._options = options
        self._names = names

    def __call__(self, **kwargs: Any) -> _R:
        given = {name: kwargs.pop(name) for name in self._names if name in kwargs}
        return self._body(options=self._options(**given), **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        import inspect

        defaults = self._options._field_defaults
        flat = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=defaults.get(name, inspect.Parameter.empty),
            )
            for name in self._names
        ]
        own = list(inspect.signature(self._body).parameters.values())
        at = [p.name for p in own].index("options")
        return inspect.Signature([*own[:at], *flat, *own[at + 1 :]])


def options_body(
    options: type[Any], *, without: tuple[str, ...] = ()
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """A body given the fields of the NamedTuple ``options`` (but ``without``) as one value.

    Both parsers call a body with one keyword per option; the decorated body takes those
    options as ``options=OPTIONS(...)`` and its other keywords as they are.
    """
    unknown = set(without) - set(options._fields)
    if unknown:
        raise ValueError(f"{options.__name__} has no field {', '.join(sorted(unknown))}")
    names = [name for name in options._fields if name not in without]

    def wrap(body: Callable[..., _R]) -> Callable[..., _R]:
        return OptionsBody(body, options, names)

    return wrap
