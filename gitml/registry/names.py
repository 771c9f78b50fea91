"""Model names, stage names and versions: one documented charset each, and version order.

* Model names: ``^[a-z0-9][a-z0-9._-]{0,63}$`` (lower case, so they are safe as paths on
  every file system and in branch names; the same pattern as ``schemas/stages.schema.json``).
* Versions: SemVer ``MAJOR.MINOR.PATCH[-PRE][+BUILD]`` (a leading ``v`` is accepted and
  dropped: ``v1.4.0`` is ``1.4.0``) or a positive integer (``1``, ``2``, ...), never mixed
  within one model. Omitted versions are auto-incremented: the next integer, or the next
  patch release.
* Stages: the ones configured in ``.gitml/config.toml`` (``[stages] order``/``terminal``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from gitml.errors import GitmlError

MODEL_PATTERN = r"[a-z0-9][a-z0-9._-]{0,63}"
MODEL_RE = re.compile(MODEL_PATTERN)
INT_RE = re.compile(r"[1-9][0-9]{0,17}")
# Matched through re's cache: compiled by the first SemVer version a command reads (about
# 0.4 ms), not by every import (integer versions never need it).
SEMVER_PATTERN = (
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
MAX_VERSION_LEN = 64


class InvalidName(GitmlError):
    """A model name, version or stage that does not follow gitml's rules."""


def check_model_name(name: str) -> str:
    """``name`` when it is a valid model name; InvalidName with the rule otherwise."""
    if not MODEL_RE.fullmatch(name):
        raise InvalidName(
            f"model name {name!r} is not valid: use lower-case letters, digits, '.', '_' "
            "or '-', starting with a letter or digit, at most 64 characters "
            f"(pattern ^{MODEL_PATTERN}$)"
        )
    return name


class ParsedVersion(NamedTuple):
    """A parsed version; orders by SemVer precedence (integers by value)."""

    key: tuple[object, ...]
    text: str

    @property
    def is_int(self) -> bool:
        return self.key[0] == 0

    def __str__(self) -> str:
        return self.text


def _pre_key(pre: str | None) -> tuple[object, ...]:
    if pre is None:
        return (1,)
    parts: list[tuple[int, int | str]] = []
    for ident in pre.split("."):
        parts.append((0, int(ident)) if ident.isdigit() else (1, ident))
    return (0, tuple(parts))


def parse_version(text: str) -> ParsedVersion:
    """Parse a version (``1.4.0``, ``v1.4.0``, ``3``); InvalidName explains the rule."""
    raw = text.strip()
    if raw[:1] in ("v", "V") and re.fullmatch(SEMVER_PATTERN, raw[1:]):
        raw = raw[1:]
    if len(raw) <= MAX_VERSION_LEN:
        if INT_RE.fullmatch(raw):
            return ParsedVersion((0, int(raw)), raw)
        match = re.fullmatch(SEMVER_PATTERN, raw)
        if match:
            major, minor, patch, pre, _build = match.groups()
            return ParsedVersion((1, int(major), int(minor), int(patch), _pre_key(pre), raw), raw)
    raise InvalidName(
        f"version {text!r} is not valid: use SemVer MAJOR.MINOR.PATCH (e.g. 1.4.0, "
        "1.5.0-rc.1) or a positive integer (e.g. 3), at most 64 characters"
    )


def latest(versions: Iterable[str]) -> ParsedVersion | None:
    """The highest of ``versions`` (unparsable names are ignored)."""
    best: ParsedVersion | None = None
    for text in versions:
        try:
            version = parse_version(text)
        except InvalidName:
            continue
        if best is None or version > best:
            best = version
    return best


def next_version(model: str, existing: Iterable[str]) -> str:
    """The version an auto-incremented registration gets: ``1``, ``n + 1`` or the next patch."""
    top = latest(existing)
    if top is None:
        return "1"
    if top.is_int:
        return str(int(top.text) + 1)
    match = re.fullmatch(SEMVER_PATTERN, top.text)
    assert match is not None
    major, minor, patch = (int(x) for x in match.groups()[:3])
    return f"{major}.{minor}.{patch if match.group(4) else patch + 1}"


def check_same_scheme(model: str, version: ParsedVersion, existing: Iterable[str]) -> None:
    """Refuse to mix integer and SemVer versions within one model."""
    top = latest(existing)
    if top is not None and top.is_int != version.is_int:
        scheme = "integer" if top.is_int else "SemVer"
        example = str(int(top.text) + 1) if top.is_int else "MAJOR.MINOR.PATCH"
        raise InvalidName(
            f"model {model!r} uses {scheme} versions (latest {top.text}); "
            f"give --version {example} or omit --version to auto-increment"
        )


def check_stage(stage: str, stages: Iterable[str], *, where: str = ".gitml/config.toml") -> str:
    known = list(stages)
    if stage not in known:
        raise InvalidName(
            f"unknown stage {stage!r}: the stages are {', '.join(known)} "
            f"(configured in {where} [stages])"
        )
    return stage


def version_sort_key(text: str) -> tuple[object, ...]:
    """Sort key for version strings; unparsable ones sort first, by text."""
    try:
        return (1, parse_version(text).key)
    except InvalidName:
        return (0, text)


def model_name_from_mlflow(name: str) -> str:
    """The gitml model name of an MLflow one: valid names stay; others are lower-cased
    with words split by '-' (``ElasticnetWineModel`` -> ``elasticnet-wine-model``)."""
    import re

    if re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name):
        return name
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name.strip()).lower()
    return check_model_name(re.sub(r"[^a-z0-9._-]+", "-", words).strip("-._")[:64])
