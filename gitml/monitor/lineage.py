"""The training profile of a model version: version -> run inputs -> stored profiles.

A run records each input as ``name -> digest``. For a tracked file the digest is its
content digest and its profile lives at ``profiles/<shard>/<hex>.toml`` on
``refs/gitml/data``; for a dataset it is a manifest digest whose listing names the files,
each profiled by content. A version may also be compared with an explicit reference: a
stored profile (TOML) or a data file, profiled on the fly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitml.errors import GitmlError, RecordNotFound
from gitml.records import codec
from gitml.storage import DATA_REF
from gitml.storage.collection import Collection, Snapshot
from gitml.storage.repo import GitRepo

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

    profile: dict[str, Any]
    source: str


def _hex(digest: str) -> str | None:
    algo, _, hexpart = digest.partition(":")
    return hexpart if algo == "xxh3-128" and len(hexpart) == 32 else None


def _profile_at(snap: Snapshot, hexdigest: str) -> dict[str, Any] | None:
    from gitml.data.digest import Digest
    from gitml.data.store import profile_path

    path = profile_path(Digest.from_hex(hexdigest))
    data = snap.read(path)
    return None if data is None else codec.loads(data, where=f"{DATA_REF}:{path}")


def _dataset_files(snap: Snapshot, name: str, hexdigest: str) -> list[tuple[str, str]]:
    """``(relpath, content hex)`` of a dataset version's files, or [] if it is not one."""
    from gitml.data.digest import Digest
    from gitml.data.listing import decode
    from gitml.data.store import record_paths

    listing = snap.read(record_paths(name, Digest.from_hex(hexdigest))[1])
    if listing is None:
        return []
    out = []
    for entry in decode(listing, where=f"listing of dataset {name!r}"):
        hexpart = _hex(str(entry.digest))
        if hexpart is not None:
            out.append((str(entry.path), hexpart))
    return out


def version_profile(repo: GitRepo, version: Mapping[str, Any]) -> Reference:
    """The profile of the version's (single tabular) training input."""
    label = f"{version['model']}:{version['version']}"
    inputs: Mapping[str, str] = version.get("inputs") or {}
    if not inputs:
        raise NoProfile(
            f"{label} records no input data (run {version['run']['id']}); {PROFILE_HINT}"
        )
    snap = Collection(repo, DATA_REF, "data", sharded=False).snapshot()
    found: list[Reference] = []
    for name, digest in sorted(inputs.items()):
        hexpart = _hex(str(digest))
        if hexpart is None:
            continue
        direct = _profile_at(snap, hexpart)
        if direct is not None:
            found.append(Reference(direct, f"{name} ({digest})"))
            continue
        for rel, file_hex in _dataset_files(snap, name, hexpart):
            profile = _profile_at(snap, file_hex)
            if profile is not None:
                where = name if not rel or name.endswith(rel) else f"{name}/{rel}"
                found.append(Reference(profile, f"{where} ({digest})"))
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
        return Reference(doc, str(path))
    from gitml.tabular.profile import profile_table

    return Reference(profile_table(path), str(path))
