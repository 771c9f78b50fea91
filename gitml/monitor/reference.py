"""The reference profile serving data is compared with.

By default it is the stored profile of the version's training input, found through the
lineage API (version -> run inputs -> stored profiles, ``gitml.lineage.profiles``); a
version may also be compared with an explicit reference: a stored profile (TOML) or a
data file, profiled on the fly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, RecordNotFound
from gitml.lineage.profiles import InputProfile, input_profiles
from gitml.records import codec
from gitml.records.typed import typed

if TYPE_CHECKING:
    from gitml.records.shapes import ProfileRecord
from gitml.storage.repo import GitRepo
from gitml.tabular.profile import profile_table

PROFILE_SCHEMA = "gitml/profile/1"
PROFILE_HINT = (
    "record the training data with `git ml data add PATH` (which stores its profile) and "
    "train with `git ml run -i PATH`, or pass --reference DATA_FILE"
)


class NoProfile(GitmlError):
    """The version's training data has no stored profile."""


@dataclass(frozen=True, slots=True)
class Reference:
    """The profile serving data is compared with, and where it came from."""

    profile: ProfileRecord
    source: str


def _where(found: InputProfile) -> str:
    rel, name = found.rel, found.input
    return name if not rel or name.endswith(rel) else f"{name}/{rel}"


def version_profile(repo: GitRepo, version: Mapping[str, Any]) -> Reference:
    """The profile of the version's (single tabular) training input."""
    label = f"{version['model']}:{version['version']}"
    inputs: Mapping[str, str] = version.get("inputs") or {}
    if not inputs:
        raise NoProfile(
            f"{label} records no input data (run {version['run']['id']}); {PROFILE_HINT}"
        )
    found = [
        Reference(p.profile, f"{_where(p)} ({inputs[p.input]})")
        for p in input_profiles(repo, inputs)
    ]
    if not found:
        names = ", ".join(sorted(inputs))
        raise NoProfile(f"no stored profile for the inputs of {label} ({names}); {PROFILE_HINT}")
    if len(found) > 1:
        sources = ", ".join(r.source for r in found)
        raise NoProfile(
            f"{label} has several profiled inputs ({sources}); pick one with --reference"
        )
    return found[0]


def reference_profile(path: Path) -> Reference:
    """``--reference``: a stored profile (``.toml``) or a data file profiled now."""
    if not path.is_file():
        raise RecordNotFound(f"{path}: no such file; --reference takes a data file or a profile")
    if path.suffix == ".toml":
        doc = codec.loads(path.read_bytes(), where=str(path))
        if doc.get("schema") != PROFILE_SCHEMA:
            raise GitmlError(
                f"{path}: not a gitml profile (schema {doc.get('schema')!r}, expected "
                f"{PROFILE_SCHEMA!r})"
            )
        return Reference(typed(doc, "profile", where=str(path)), str(path))

    return Reference(profile_table(path), str(path))
