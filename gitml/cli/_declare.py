"""How a command is declared: a typer signature and docstring, and a typer-free body.

A declaration is a function whose parameters (typer ``Annotated`` options and arguments)
and docstring are the command's one definition; it has no body of its own. ``command``
registers it so that typer calls the body, a keyword-only function in a ``_*_cmds``
module, with the parsed values. The fast path (``_parse``, from the generated ``_spec``)
calls the same body with the same keywords, so both paths run the same code.
"""

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from gitml.cli._body import call_body
from gitml.cli._usage import ConventionalCommand

BODY_ATTR = "gitml_body"


def body_name(body: Callable[..., Any]) -> str:
    """``module:name`` of a body (a function, or a ``functools.partial`` of one)."""
    if isinstance(body, functools.partial):
        module = sys.modules[body.func.__module__]
        name = next(key for key, value in vars(module).items() if value is body)
        return f"{module.__name__}:{name}"
    return f"{body.__module__}:{body.__qualname__}"


def command(
    group: typer.Typer,
    name: str,
    declaration: Callable[..., Any],
    body: Callable[..., int | None],
    **settings: Any,
) -> None:
    """Register ``declaration`` as ``name`` in ``group``; typer's call runs ``body``."""
    target = body_name(body)

    @functools.wraps(declaration)
    def forward(**kwargs: Any) -> int:
        return call_body(target, kwargs)

    setattr(forward, BODY_ATTR, target)
    settings.setdefault("cls", ConventionalCommand)
    group.command(name, **settings)(forward)
