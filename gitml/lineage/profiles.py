"""The stored profiles of a run's inputs, read from ``refs/gitml/data``.

A run records each input as ``name -> digest``. For a tracked file the digest is its
content digest and its profile lives at ``profiles/<shard>/<hex>.toml``; for a dataset it
is a manifest digest whose listing names the files, each profiled by content. The model
card, the signature's training ranges and monitoring's reference profile all read
profiles through ``input_profiles``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitml.data.profiles import load_profile
from gitml.data.store import profile_path, record_paths
from gitml.errors import GitmlError
from gitml.objects.digest import parse_digest
from gitml.objects.listing import decode
from gitml.storage import DATA_REF
from gitml.storage.collection import Snapshot, open_collection
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.objects.digest import Digest
    from gitml.records.shapes import JsonObject, ProfileRecord


@dataclass(frozen=True)
class InputProfile:
    """The profile of one file a run read: the input's name, the file below it, the profile."""

    input: str
    rel: str
    profile: ProfileRecord

    @property
    def path(self) -> str:
        """``input`` for a single file, ``input/rel`` for a file of a dataset."""
        return f"{self.input}/{self.rel}" if self.rel else self.input


def _profile_at(snap: Snapshot, digest: Digest) -> ProfileRecord | None:
    path = profile_path(digest)
    data = snap.read(path)
    return None if data is None else load_profile(data, where=f"{DATA_REF}:{path}")


def _dataset_files(snap: Snapshot, name: str, digest: Digest) -> Iterator[tuple[str, Digest]]:
    """``(relpath, content digest)`` of a dataset version's files (none if it is not one)."""

    try:
        listing = snap.read(record_paths(name, digest)[1])
    except GitmlError:
        return
    if listing is not None:
        for entry in decode(listing, where=f"listing of dataset {name!r}"):
            yield str(entry.path), entry.digest


def input_profiles(repo: GitRepo, inputs: Mapping[str, str]) -> list[InputProfile]:
    """Every stored profile of the files behind ``inputs``, by input name then path."""

    snap = open_collection(repo, DATA_REF).snapshot()
    if snap.tip is None:
        return []
    found: list[InputProfile] = []
    for name, value in sorted(inputs.items()):
        try:
            digest = parse_digest(str(value))
        except (GitmlError, ValueError):
            continue
        direct = _profile_at(snap, digest)
        if direct is not None:
            found.append(InputProfile(name, "", direct))
            continue
        for rel, file_digest in _dataset_files(snap, name, digest):
            profile = _profile_at(snap, file_digest)
            if profile is not None:
                found.append(InputProfile(name, rel, profile))
    return found


def training_ranges(repo: GitRepo, inputs: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Numeric min/max per column over every profiled training file of a run."""
    ranges: dict[str, dict[str, float]] = {}
    for found in input_profiles(repo, inputs):
        for col, info in (found.profile.get("columns") or {}).items():
            low, high = info.get("min"), info.get("max")
            if info.get("type") != "numeric" or not isinstance(low, (int, float)):
                continue
            if not isinstance(high, (int, float)):
                continue
            seen = ranges.get(col)
            if seen is None:
                ranges[col] = {"min": float(low), "max": float(high)}
            else:
                seen["min"] = min(seen["min"], float(low))
                seen["max"] = max(seen["max"], float(high))
    return ranges


def profile_summary(profile: ProfileRecord) -> JsonObject:
    """Rows, and per column its type and (numeric) range."""
    columns: JsonObject = {}
    for col, info in sorted(profile["columns"].items()):
        entry: JsonObject = {"type": info["type"], "missing": info["missing"]}
        if info["type"] == "numeric" and "min" in info:
            entry.update(min=info["min"], max=info["max"])
        columns[col] = entry
    return {"rows": profile["rows"], "columns": columns}
