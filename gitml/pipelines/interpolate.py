"""``${}`` interpolation in ``dvc.yaml``, by DVC's rules.

* ``${a.b[0]}`` selects from the context: ``params.yaml`` beside ``dvc.yaml`` (when it
  exists), then the top-level ``vars`` (files as ``path[:key,key]`` or inline tables),
  then a stage's own ``vars``, then ``item``/``key`` of ``foreach`` and ``matrix``.
  Defining a value twice is an error, as in DVC.
* A string that is exactly one ``${...}`` takes the value as it is (a number stays a
  number); inside longer text a value becomes text: booleans as ``true``/``false``, and,
  in ``cmd`` only, a table as command-line options (``--lr 0.1 --layers 1 2``, strings
  shell-quoted). Other tables and lists cannot be put into text.
* ``\\${`` is a literal ``${``. Keys of tables are interpolated too.

Values read from params files are remembered per stage (``tracked``), so a stage's run
records the params its command was built from.
"""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gitml.pipelines.paramfiles import ParamsCache, flatten, is_missing, select

PATTERN = re.compile(r"(?<!\\)\$\{(?P<inner>.*?)\}")
_EXPR = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[[^.\[\]]+\])*")
DEFAULT_PARAMS = "params.yaml"
PRIMITIVE = (str, int, float, bool)


class InterpolationError(Exception):
    """A ``${}`` that cannot be resolved (the caller adds file and stage)."""


def has_interpolation(value: Any) -> bool:
    if isinstance(value, str):
        return PATTERN.search(value) is not None
    if isinstance(value, Mapping):
        return any(has_interpolation(k) or has_interpolation(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_interpolation(v) for v in value)
    return False


def _normalize(expr: str) -> str:
    text = expr.strip()
    if not _EXPR.fullmatch(text):
        raise InterpolationError(f"'${{{expr}}}' is not a valid expression (use a.b[0].c)")
    return text.replace("[", ".").replace("]", "")


def _merge(into: dict[str, Any], update: Mapping[str, Any], path: str, source: str) -> None:
    for key, value in update.items():
        here = f"{path}{key}"
        if isinstance(into.get(key), dict) and isinstance(value, Mapping):
            _merge(into[key], value, here + ".", source)
        elif key in into:
            raise InterpolationError(f"cannot redefine '{here}' from '{source}': already defined")
        else:
            into[key] = copy.deepcopy(value)


class Context:
    """The values ``${}`` can select, and where each came from."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.origins: dict[str, str | None] = {}  # dotted leaf key -> params file or None
        self.imports: dict[str, list[str] | None] = {}  # file -> keys imported (None: all)
        self.reserved: set[str] = set()
        self.tracked: dict[str, dict[str, Any]] = {}  # file -> dotted key -> value

    def clone(self) -> Context:
        other = Context()
        other.data = copy.deepcopy(self.data)
        other.origins = dict(self.origins)
        other.imports = {k: None if v is None else list(v) for k, v in self.imports.items()}
        return other

    def merge(self, values: Mapping[str, Any], source: str, origin: str | None) -> None:
        clash = sorted(set(values) & self.reserved)
        if clash:
            raise InterpolationError(f"'{source}': '{clash[0]}' is reserved for foreach/matrix")
        _merge(self.data, values, "", source)
        for key in flatten(values):
            self.origins[key] = origin

    def import_file(self, cache: ParamsCache, base: Path, root: Path, item: str) -> None:
        """Load ``path[:key,key]`` (relative to ``base``) into the context."""
        name, _, keys_text = item.partition(":")
        keys = [k for k in keys_text.split(",") if k] or None
        full = Path(_norm(base / name))
        rel = _rel(full, root)
        if rel in self.imports:
            done = self.imports[rel]
            if keys is None and done is None:
                return
            if keys is None or done is None or set(keys) & set(done):
                raise InterpolationError(f"cannot load '{item}': it is loaded already")
        doc = cache.load(full, rel)
        if doc is None:
            raise InterpolationError(f"vars: '{rel}' does not exist")
        if keys is not None:
            missing = [k for k in keys if k not in doc]
            if missing:
                raise InterpolationError(f"vars: could not find '{missing[0]}' in '{rel}'")
            doc = {k: doc[k] for k in keys}
        self.merge(doc, rel, rel)
        previous = self.imports.get(rel)
        self.imports[rel] = None if keys is None else [*(previous or []), *keys]

    @contextmanager
    def temporarily(self, values: Mapping[str, Any]) -> Iterator[None]:
        """``item``/``key`` of one ``foreach``/``matrix`` member, reserved while set."""
        saved = {k: self.data[k] for k in values if k in self.data}
        self.data.update(values)
        self.reserved |= set(values)
        try:
            yield
        finally:
            self.reserved -= set(values)
            for key in values:
                self.data.pop(key, None)
            self.data.update(saved)

    def select(self, expr: str) -> Any:
        key = _normalize(expr)
        value = select(self.data, key)
        if is_missing(value):
            raise InterpolationError(f"'${{{expr}}}': '{key}' is not defined")
        self._track(key, value)
        return value

    def _track(self, key: str, value: Any) -> None:
        leaves = flatten(value, key + ".") if isinstance(value, Mapping) else {key: value}
        for leaf, leaf_value in leaves.items():
            origin = self.origins.get(leaf)
            if origin is not None:
                self.tracked.setdefault(origin, {})[leaf] = leaf_value

    def resolve(self, value: Any, key: str) -> Any:
        """``value`` with every ``${}`` resolved (``key``: the stage field, e.g. ``cmd``)."""
        if isinstance(value, str):
            return self._resolve_str(value, key)
        if isinstance(value, Mapping):
            return {self._resolve_str(str(k), key): self.resolve(v, key) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, key) for v in value]
        return value

    def _resolve_str(self, text: str, key: str) -> Any:
        matches = list(PATTERN.finditer(text))
        if not matches:
            return text.replace("\\${", "${")
        if len(matches) == 1 and matches[0].group(0) == text:
            value = self.select(matches[0]["inner"])
            _check_value(value, key, whole=True)
            return value
        out, last = [], 0
        for match in matches:
            value = self.select(match["inner"])
            _check_value(value, key, whole=False)
            out.append(text[last : match.start()])
            out.append(to_text(value))
            last = match.end()
        out.append(text[last:])
        return "".join(out).replace("\\${", "${")


def _check_value(value: Any, key: str, *, whole: bool) -> None:
    if value is None or isinstance(value, PRIMITIVE):
        return
    if key == "foreach" or (key == "matrix" and whole):
        return
    if isinstance(value, Mapping) and key == "cmd":
        return
    raise InterpolationError(f"cannot interpolate data of type '{type(value).__name__}'")


def to_text(value: Any) -> str:
    """A value as DVC writes it into text (tables as ``--key value`` options)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return _options(value)
    return str(value)


def _options(table: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key, value in flatten(table).items():
        if isinstance(value, bool):
            if value:
                parts.append(f"--{key}")
        elif isinstance(value, str):
            parts.append(f"--{key} {shlex.quote(value)}")
        elif isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, list | Mapping):
                    raise InterpolationError(f"cannot interpolate nested iterable in '{key}'")
                items.append(shlex.quote(item) if isinstance(item, str) else str(item))
            if items:
                parts.append(f"--{key} " + " ".join(items))
        else:
            parts.append(f"--{key} {value}")
    return " ".join(parts)


def _norm(path: Path) -> str:
    import os

    return os.path.normpath(path)


def _rel(full: Path, root: Path) -> str:
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return full.as_posix()


def base_context(cache: ParamsCache, folder: Path, root: Path, vars_: list[Any]) -> Context:
    """The context of one ``dvc.yaml``: ``params.yaml`` beside it, then its ``vars``."""
    ctx = Context()
    if (folder / DEFAULT_PARAMS).is_file():
        ctx.import_file(cache, folder, root, DEFAULT_PARAMS)
    load_vars(ctx, cache, folder, root, vars_, "")
    return ctx


def load_vars(
    ctx: Context, cache: ParamsCache, base: Path, root: Path, vars_: list[Any], stage: str
) -> None:
    """Add a ``vars`` list (files relative to ``base``, inline tables) to ``ctx``."""
    for index, item in enumerate(vars_):
        if isinstance(item, str):
            if has_interpolation(item):
                raise InterpolationError("interpolating is not allowed in 'vars'")
            ctx.import_file(cache, base, root, item)
        elif isinstance(item, Mapping):
            if has_interpolation(item):
                raise InterpolationError("interpolating is not allowed in 'vars'")
            dot = "." if stage else ""
            ctx.merge(item, f"{stage}{dot}vars[{index}]", None)
        else:
            raise InterpolationError(
                f"vars[{index}]: expected a file name or a table, not {type(item).__name__}"
            )
