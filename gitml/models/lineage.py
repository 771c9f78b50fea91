"""Training-data facts of a model from ``refs/gitml/data``: the profiles of its inputs.

A run input is either a dataset version (``name`` -> manifest digest; its listing names
the files) or a single file (path -> file digest). Tabular files have a profile keyed by
their content digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitml.errors import GitmlError
from gitml.records import codec
from gitml.storage.repo import GitRepo


def input_profiles(repo: GitRepo, name: str, digest: str) -> list[tuple[str, dict[str, Any]]]:
    """``(file, profile)`` of every profiled tabular file of one run input ([] if none)."""
    from gitml.data.digest import parse_digest
    from gitml.data.store import profile_path, record_paths
    from gitml.storage import DATA_REF
    from gitml.storage.collection import Collection

    try:
        parsed = parse_digest(digest)
        _manifest, listing_path = record_paths(name, parsed)
    except (GitmlError, ValueError):
        return []
    snap = Collection(repo, DATA_REF, "", sharded=False).snapshot()
    if snap.tip is None:
        return []
    files: list[tuple[str, str]] = [(name, digest)]
    listing = snap.read(listing_path)
    if listing is not None:
        files = []
        for line in listing.decode("utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) == 3:
                files.append((f"{name}/{parts[2]}", parts[0]))
    found = []
    for path, file_digest in files:
        try:
            where = profile_path(parse_digest(file_digest))
        except (GitmlError, ValueError):
            continue
        data = snap.read(where)
        if data is not None:
            found.append((path, dict(codec.to_jsonable(codec.loads(data, where=where)))))
    return found


def summary(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Rows, and per column its type and (numeric) range."""
    columns = {}
    for col, info in sorted((profile.get("columns") or {}).items()):
        entry = {"type": info.get("type"), "missing": info.get("missing")}
        if info.get("type") == "numeric" and "min" in info:
            entry.update(min=info["min"], max=info["max"])
        columns[col] = {k: v for k, v in entry.items() if v is not None}
    return {"rows": profile.get("rows"), "columns": columns}


def training_ranges(repo: GitRepo, inputs: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Numeric min/max per column over every profiled training file of a run."""
    ranges: dict[str, dict[str, float]] = {}
    for name, digest in inputs.items():
        for _path, profile in input_profiles(repo, name, digest):
            for col, info in (profile.get("columns") or {}).items():
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
