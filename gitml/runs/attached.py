"""Files a run stored under a name (``log_artifact(..., artifact_path=)``, MLflow's
artifacts, figures, images, tables): cached like outputs, listed as media when shown.

The logging side copies each file into a staging folder at the call (``spool.stage_copy``)
and reports ``{name, path, kind?, key?, step?, ...}``; here the copy is hashed and stored in
the content cache, its digest goes to ``outputs[name]`` and, for media, an entry to the
record's ``media`` list, which the UI and reports read.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gitml.errors import GitmlError

MEDIA_KINDS = ("figure", "image", "table", "text", "dict", "plot")
MEDIA_FIELDS = ("key", "step", "format", "title", "plot")
MAX_MEDIA = 10_000


def ingest(
    files: Sequence[Mapping[str, Any]], workdir: Path
) -> tuple[dict[str, str], list[dict[str, Any]], list[str]]:
    """``(outputs, media, problems)`` for reported files; a file that cannot be stored is
    left out with a problem line, never the run."""
    outputs: dict[str, str] = {}
    media: list[dict[str, Any]] = []
    problems: list[str] = []
    if not files:
        return outputs, media, problems
    from gitml.data.run_io import cache_outputs

    wanted = {str(f.get("name", "")): Path(str(f.get("path", ""))) for f in files}
    stored, failed = cache_outputs(workdir, wanted)
    outputs.update(stored)
    problems.extend(f"artifact {name}: not recorded: {why}" for name, why in failed.items())
    for info in files:
        name = str(info.get("name", ""))
        kind = info.get("kind")
        if name not in stored or kind not in MEDIA_KINDS or len(media) >= MAX_MEDIA:
            continue
        entry: dict[str, Any] = {"name": name, "kind": kind, "digest": stored[name]}
        entry.update({k: info[k] for k in MEDIA_FIELDS if info.get(k) is not None})
        media.append(entry)
    latest = {m["name"]: m for m in media}  # a file logged again replaces the earlier one
    return outputs, list(latest.values()), problems


def remove_staged(folder: Path) -> None:
    """Drop the staging copies once they are cached (or the run is abandoned)."""
    shutil.rmtree(folder, ignore_errors=True)


def check_name(name: str) -> str:
    """An artifact name: a relative path with no ``..``, no empty or absolute parts."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise GitmlError(f"artifact name {name!r} is not a relative path (no '..', no leading '/')")
    return name
