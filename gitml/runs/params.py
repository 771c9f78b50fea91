"""Params: params files (YAML, TOML, JSON), ``-S`` overrides written for a run, sweep grids.

Values keep their types. Command-line values are read as TOML literals (``0.01`` is a
float, ``3`` an int, ``true`` a bool, ``[1, 2]`` a list) and anything else is a string.
YAML is read with PyYAML's ``safe_load`` (the maintained reference parser for Python,
C-accelerated when libyaml is present, and never constructing arbitrary objects). ``-S``
edits the files in place, keeping everything but the overridden values
(``gitml.runs.params_edit``).
"""

import itertools
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from gitml.errors import GitmlError, UsageError
from gitml.records import codec
from gitml.records.stand_ins import Params
from gitml.runs.documents import load_document
from gitml.runs.spool import dotted

PARAM_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
# Compiled on first use (``re``'s cache): a run without ``-S`` needs neither.
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*"
_CALL = r"\s*([a-z]+)\s*\((.*)\)\s*"
KINDS = ("uniform", "loguniform", "int", "logint", "choice")
"""The distributions ``-S`` may give a search (``uniform(0,1)``); see ``gitml.search.space``."""


class InvalidParams(GitmlError):
    """A params file cannot be read or does not hold a table of params."""


class Override(NamedTuple):
    """One ``-S [FILE:]KEY=V1[,V2...]`` option (several values make a sweep axis)."""

    file: str | None
    key: str
    values: tuple[Any, ...]
    text: str


def _finite(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def parse_value(text: str) -> Any:
    """A command-line value as a typed TOML literal, else the string itself."""
    stripped = text.strip()
    if not stripped:
        return text
    try:
        value = codec.parse(f"v = {stripped}")["v"]
    except codec.TOMLDecodeError:
        return text
    return value if _finite(value) else text


def split_values(text: str) -> list[str]:
    """Split ``a,b,[c,d],'e,f'`` on the commas outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _split_assignment(text: str, option: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(
            f"{option} {text!r}: expected KEY=VALUE (for example {option} train.lr=0.01)"
        )
    return key, value


def _check_key(key: str, text: str, option: str) -> None:
    if not re.fullmatch(_KEY, key) or ".." in key or key.endswith("."):
        raise UsageError(
            f"{option} {text!r}: {key!r} is not a valid key "
            "(letters, digits, '_', '-' and dots between parts)"
        )


def parse_override(text: str) -> Override:
    """Parse ``-S [FILE:]KEY=V1[,V2...]``."""
    key, value = _split_assignment(text, "-S")
    file = None
    head, colon, rest = key.partition(":")
    if colon and head.endswith(PARAM_SUFFIXES):
        file, key = head, rest.strip()
    _check_key(key, text, "-S")
    pieces = split_values(value)
    if any(not p.strip() for p in pieces) and len(pieces) > 1:
        raise UsageError(f"-S {text!r}: empty value in the list; write -S {key}=A,B,C")
    if not value.strip():
        raise UsageError(
            f"-S {text!r}: no value after '='; write -S {key}=VALUE (-S {key}=\"\" for an "
            "empty string)"
        )
    return Override(file=file, key=key, values=tuple(parse_value(p) for p in pieces), text=text)


def parse_param(text: str) -> tuple[str, Any]:
    """Parse ``-P KEY=VALUE`` (an ad-hoc param; commas stay in the value)."""
    key, value = _split_assignment(text, "-P")
    _check_key(key, text, "-P")
    return key, parse_value(value)


def parse_tag(text: str) -> tuple[str, str]:
    """Parse ``-t KEY=VALUE`` (tags are strings)."""
    key, value = _split_assignment(text, "-t")
    _check_key(key, text, "-t")
    return key, value


def flatten(doc: Mapping[str, Any], prefix: str = "") -> Params:
    """Nested tables to dotted keys; lists and scalars are values; nulls are dropped."""
    return {name: _jsonish(value) for name, value in dotted(doc, prefix) if value is not None}


def _jsonish(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_jsonish(v) for v in value if v is not None]
    if isinstance(value, Mapping):
        return {str(k): _jsonish(v) for k, v in value.items() if v is not None}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def parse_params_text(text: str, rel: str) -> Params:
    """The nested table of a params file's text (format by suffix)."""
    doc = load_document(text, rel, InvalidParams, "params")
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InvalidParams(
            f"{rel}: must hold a table of params at the top, not {type(doc).__name__}"
        )
    return {str(k): v for k, v in doc.items()}


def read_params_text(path: Path, rel: str) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParams(f"{rel}: cannot read: {exc}") from None


def load_params_file(path: Path, rel: str) -> Params:
    return parse_params_text(read_params_text(path, rel), rel)


def check_inside(workdir: Path, cwd: Path, name: str) -> None:
    """A params file (relative to ``cwd``) must lie inside the repository, links resolved.

    A params file is recorded in full and pushed with the run, so one outside the work
    tree (``~/.docker/config.json``) would publish whatever it holds.
    """
    resolved = (cwd / name).resolve()
    if resolved != workdir and workdir in resolved.parents:
        return
    raise InvalidParams(
        f"params file {name!r} lies outside the repository ({resolved}); params files must be "
        f"inside it (runs.params_files in .gitml/config.toml, or --params-file)"
    )


def find_params_files(cwd: Path, names: Sequence[str]) -> list[str]:
    """The params files (relative to ``cwd``) that exist, in configured order."""
    seen: list[str] = []
    for name in names:
        if name not in seen and (cwd / name).is_file():
            seen.append(name)
    return seen


def read_params(cwd: Path, files: Sequence[str]) -> Params:
    """Flattened params of every file (a later file wins on the same key)."""
    out: Params = {}
    for rel in files:
        out.update(flatten(load_params_file(cwd / rel, rel)))
    return out


def plan_overrides(
    cwd: Path, files: Sequence[str], assignments: Mapping[tuple[str | None, str], Any]
) -> dict[str, str]:
    """New text per params file for a set of ``(file, key) -> value`` overrides.

    Each file is edited in place (``gitml.runs.params_edit``): only the overridden values
    change, so the run's checkpoint shows exactly what ``-S`` set.
    """
    texts: dict[str, str] = {}
    docs: dict[str, Params] = {}

    def load(rel: str) -> None:
        texts[rel] = read_params_text(cwd / rel, rel)
        docs[rel] = parse_params_text(texts[rel], rel)

    for rel in files:
        load(rel)
    changes: dict[str, list[tuple[str, Any, bool]]] = {}
    for (file, key), value in assignments.items():
        if file is not None:
            if file not in docs:
                if not (cwd / file).is_file():
                    raise InvalidParams(f"-S {file}:{key}: {file} does not exist")
                load(file)
            changes.setdefault(file, []).append((key, value, True))
            continue
        target = next((rel for rel in files if key in flatten(docs[rel])), None)
        if target is None:
            if not files:
                raise UsageError(
                    f"-S {key}: there is no params file here; create params.yaml "
                    "(or use -P to record an ad-hoc param)"
                )
            known = sorted(k for rel in files for k in flatten(docs[rel]))
            hint = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
            raise UsageError(
                f"-S {key}: no such param in {', '.join(files)} (known: {hint or 'none'}); "
                f"to add a new one write -S {files[0]}:{key}=VALUE"
            )
        changes.setdefault(target, []).append((key, value, False))
    if not changes:
        return {}
    from gitml.runs.params_edit import edit_text

    return {rel: edit_text(texts[rel], rel, todo) for rel, todo in changes.items()}


@contextmanager
def overridden(cwd: Path, new_texts: Mapping[str, str]) -> Iterator[None]:
    """Write overridden params files for the duration; restore bytes and mtime after."""
    saved: list[tuple[Path, bytes, int, int]] = []
    try:
        for rel, text in new_texts.items():
            path = cwd / rel
            st = path.stat()
            saved.append((path, path.read_bytes(), st.st_atime_ns, st.st_mtime_ns))
            path.write_text(text, encoding="utf-8")
        yield
    finally:
        for path, data, atime, mtime in reversed(saved):
            path.write_bytes(data)
            os.utime(path, ns=(atime, mtime))


def distribution_of(override: Override) -> tuple[str, str] | None:
    """``(kind, arguments)`` when ``-S`` gives a distribution (``uniform(0,1)``), else None."""
    value = override.text.partition("=")[2]
    found = re.fullmatch(_CALL, value, re.DOTALL)
    if found is None or found.group(1) not in KINDS:
        return None
    return found.group(1), found.group(2)


def reject_distributions(overrides: Sequence[Override]) -> None:
    """A grid takes values only: refuse ``-S key=uniform(...)`` without ``--search``."""
    for override in overrides:
        if distribution_of(override) is not None:
            raise UsageError(
                f"-S {override.text!r}: a distribution needs a search; add --search random "
                "or --search optuna with --trials N (a grid takes values: -S key=1,2,3)"
            )


def expand_grid(overrides: Sequence[Override]) -> list[dict[tuple[str | None, str], Any]]:
    """The cartesian product of every override's values, in the order given."""
    if not overrides:
        return [{}]
    axes = [[((o.file, o.key), v) for v in o.values] for o in overrides]
    return [dict(combo) for combo in itertools.product(*axes)]


def describe(assignment: Mapping[tuple[str | None, str], Any]) -> str:
    """``lr=0.1 depth=3`` for messages."""
    return " ".join(f"{key}={value!r}" for (_, key), value in assignment.items())
