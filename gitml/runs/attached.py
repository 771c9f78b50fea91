"""Files a run stored under a name (``log_artifact(..., artifact_path=)``, MLflow's
artifacts, figures, images, tables): cached like outputs, listed as media when shown.

The logging side copies each file into a staging folder at the call (``spool.stage_copy``)
and reports ``{name, path, kind?, key?, step?, ...}``; here the copy is hashed and stored in
the content cache, its digest goes to ``outputs[name]`` and, for media, an entry to the
record's ``media`` list, which the UI and reports read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, MediaTable

MEDIA_KINDS = ("figure", "image", "table", "text", "dict", "plot")
MAX_MEDIA = 10_000


def ingest(
    files: Sequence[Mapping[str, Any]], workdir: Path
) -> tuple[dict[str, str], list[MediaTable], list[str]]:
    """``(outputs, media, problems)`` for reported files; a file that cannot be stored is
    left out with a problem line, never the run."""
    outputs: dict[str, str] = {}
    media: list[MediaTable] = []
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
        entry: MediaTable = {"name": name, "kind": kind, "digest": stored[name]}
        for key in ("key", "step", "format", "title", "plot"):
            if info.get(key) is not None:
                entry[key] = info[key]
        media.append(entry)
    latest = {m["name"]: m for m in media}  # a file logged again replaces the earlier one
    return outputs, list(latest.values()), problems


def remove_staged(folder: Path) -> None:
    """Drop the staging copies once they are cached (or the run is abandoned)."""
    if not folder.is_dir():  # the script logged no file
        return
    import shutil  # with its compression modules: only a script that logged files needs it

    shutil.rmtree(folder, ignore_errors=True)


def check_artifact_name(name: str) -> str:
    """An artifact name: a relative path with no ``..``, no empty or absolute parts."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise GitmlError(f"artifact name {name!r} is not a relative path (no '..', no leading '/')")
    return name


_STEP_IMAGE = r"images/(?P<key>[^/]+)%step%(?P<step>\d+)%timestamp%\d+%[^/]*\.png$"  # re's cache
IMAGE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}
MAX_SNIFF = 8 << 20
MODEL_FILES = {  # MLflow flavor -> the key of its flavor table naming the model file
    "sklearn": "pickled_model",
    "xgboost": "data",
    "lightgbm": "data",
    "pytorch": "model_data",
    "keras": "data",
}


def media_info(name: str, path: Path) -> JsonObject:
    """How the UI shows a file stored under ``name`` by another tool ({} when it is no
    media): images (MLflow's step-indexed ones keep key and step), text, YAML, JSON (a
    table in MLflow's layout is a table)."""
    found = re.search(_STEP_IMAGE, name)
    if found:
        return {"kind": "image", "format": "png", "key": found["key"], "step": int(found["step"])}
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in IMAGE_FORMATS:
        return {"kind": "image", "format": IMAGE_FORMATS[suffix]}
    if suffix in (".txt", ".md", ".log"):
        return {"kind": "text"}
    if suffix in (".yaml", ".yml"):
        return {"kind": "dict", "format": "yaml"}
    if suffix == ".json" and path.is_file() and path.stat().st_size <= MAX_SNIFF:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {}
        if isinstance(data, dict) and {"columns", "data"} <= set(data):
            return {"kind": "table"}
        return {"kind": "dict", "format": "json"}
    return {}


def model_tag(name: str, folder: Path) -> JsonObject | None:
    """The ``gitml.model`` tag of an MLflow model folder (one with ``MLmodel``) stored
    under ``name``: its framework flavor and model file."""
    mlmodel = folder / "MLmodel"
    if not mlmodel.is_file():
        return None
    import yaml

    try:
        flavors = dict(yaml.safe_load(mlmodel.read_text("utf-8")).get("flavors") or {})
    except (yaml.YAMLError, AttributeError, UnicodeDecodeError):
        return None
    for flavor, key in MODEL_FILES.items():
        table = flavors.get(flavor)
        if isinstance(table, dict) and isinstance(table.get(key), str):
            return {"path": f"{name}/{table[key]}", "flavor": flavor}
    return {"path": name, "flavor": next(iter(flavors), None)}
