"""How a command is declared: a typer signature and docstring, and a typer-free body.

A declaration is a function whose parameters (typer ``Annotated`` options and arguments)
and docstring are the command's one definition; it has no body of its own. A command that
takes another's options but a few is declared as that declaration ``narrowed``; options
several commands end with are declared once, as a group, and appended with ``followed_by``.
``command`` registers a declaration so that typer calls the body, a keyword-only function
named ``module:function`` in ``gitml.cli.bodies``, with the parsed values; ``commands``
registers several whose names say their body. Bodies are named, not imported, so building
the typer app loads none. The fast path (``_parse``, from the generated ``_spec``) calls
the same body with the same keywords, so both paths run the same code.
"""

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import typer

from gitml.cli._body import call_body
from gitml.cli._usage import ConventionalCommand

BODY_ATTR = "gitml_body"
BODIES = "gitml.cli.bodies"


def narrowed(
    declaration: Callable[..., Any],
    *,
    name: str,
    without: tuple[str, ...] = (),
    doc: str,
    retyped: Mapping[str, Any] | None = None,
) -> Callable[..., None]:
    """Declaration ``name``: the parameters of ``declaration`` but ``without``, and help ``doc``.

    ``retyped`` gives some of those parameters another annotation (their own help).
    """
    signature = inspect.signature(declaration)
    retyped = retyped or {}
    unknown = (set(without) | set(retyped)) - set(signature.parameters)
    if unknown:
        raise ValueError(f"{declaration.__name__} has no parameter {', '.join(sorted(unknown))}")
    params = [
        p.replace(annotation=retyped.get(name, p.annotation))
        for name, p in signature.parameters.items()
        if name not in without
    ]
    return _declared(name, doc, signature.replace(parameters=params))


def followed_by(
    *groups: Callable[..., None],
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a declaration: its parameters, then those of each group, in order.

    A group is a declaration of options several commands end with (``output_options``),
    so each such list is written once.
    """

    def extend(declaration: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(declaration)
        params = list(signature.parameters.values())
        for group in groups:
            params += inspect.signature(group).parameters.values()
        names = [p.name for p in params]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"{declaration.__name__} takes {', '.join(twice)} twice")
        return _declared(
            declaration.__name__, declaration.__doc__, signature.replace(parameters=params)
        )

    return extend


def _declared(name: str, doc: str | None, signature: inspect.Signature) -> Callable[..., None]:
    """A declaration named ``name`` with help ``doc`` and the parameters of ``signature``."""

    def declared() -> None:
        pass

    declared.__name__ = declared.__qualname__ = name
    declared.__doc__ = doc
    declared.__signature__ = signature  # type: ignore[attr-defined]
    params = signature.parameters.values()
    declared.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return declared


def command(
    group: typer.Typer,
    name: str,
    declaration: Callable[..., Any],
    body: str,
    **settings: Any,
) -> None:
    """Register ``declaration`` as ``name`` in ``group``; typer's call runs ``body``.

    ``body`` is ``module:function``, the module named within ``gitml.cli.bodies``
    (``data_add:add``) or in full (``gitml.cli._runs_cmds:run``).
    """
    target = body if body.startswith("gitml.") else f"{BODIES}.{body}"

    @functools.wraps(declaration)
    def forward(**kwargs: Any) -> int:
        return call_body(target, kwargs)

    setattr(forward, BODY_ATTR, target)
    settings.setdefault("cls", ConventionalCommand)
    group.command(name, **settings)(forward)


def commands(group: typer.Typer, prefix: str, *declarations: Callable[..., Any]) -> None:
    """Register each declaration in ``group`` under its name less a ``_cmd`` suffix.

    The body is the function of that name in the bodies module ``prefix`` + name
    (``data_add:add`` for ``add`` with prefix ``data_``).
    """
    for declaration in declarations:
        name = declaration.__name__.removesuffix("_cmd")
        command(group, name, declaration, f"{prefix}{name}:{name}")
