"""MLflow's stores as MLflow writes them: a file store (``mlruns/``) or a SQL database
(``sqlite:///path``), read with the standard library only.

File store: ``<experiment id>/meta.yaml`` (name), ``<experiment>/<run id>/meta.yaml``
(name, status, times, user, artifact URI), ``params/<key>``, ``tags/<key>`` (keys with
``/`` are folders) and ``metrics/<key>`` (lines ``timestamp value step``);
``models/<name>/meta.yaml`` (aliases) and ``models/<name>/version-<n>/meta.yaml``.
SQL store: the tables ``experiments``, ``runs``, ``params``, ``tags``, ``metrics``,
``model_versions`` and ``registered_model_aliases``. Deleted runs are left out.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from gitml.errors import GitmlError

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

NOT_RUNS = ("models", "datasets", "traces", "tags")  # MLflow 3 keeps these beside runs
STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
READERS = 8  # run folders read at once: a run is a dozen small files, so reading waits on I/O


@dataclass
class SourceRun:
    """One MLflow run."""

    run_id: str
    experiment: str
    name: str
    status: str
    start_ms: int
    end_ms: int | None
    user: str
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[tuple[str, float, int, int]] = field(default_factory=list)  # key value ms step
    artifacts: Path | None = None


@dataclass(frozen=True)
class SourceVersion:
    """One version of a registered model, with the aliases that point at it."""

    model: str
    version: int
    run_id: str | None
    source: str
    created_ms: int
    description: str | None
    aliases: tuple[str, ...] = ()


class ImportError_(GitmlError):
    """A source that cannot be read."""


def open_source(text: str) -> FileStore | SqlStore:
    """The store ``text`` names: a folder (``mlruns``), ``file://...`` or ``sqlite:///...``."""
    if text.startswith("sqlite:"):
        # SQLAlchemy's spelling: sqlite:///relative.db, sqlite:////absolute/path.db
        path = Path(unquote(text.removeprefix("sqlite:").removeprefix("///")))
        if not path.is_file():
            raise ImportError_(f"{text}: no such SQLite file")
        return SqlStore(path)
    path = Path(unquote(urlparse(text).path)) if text.startswith("file:") else Path(text)
    if path.is_file() and path.suffix == ".db":
        return SqlStore(path)
    if not path.is_dir():
        raise ImportError_(f"{text}: neither an MLflow store folder (mlruns) nor a sqlite:/// URI")
    return FileStore(path)


def _yaml(path: Path) -> JsonObject:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster
    try:
        found = yaml.load(path.read_text("utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    return found if isinstance(found, dict) else {}


def _local_path(uri: str | None, fallback: Path, *, store: Path) -> Path | None:
    """A run's artifact folder: its ``artifact_uri`` or else ``fallback``, whichever is a
    folder inside ``store`` once links are followed. The store is someone else's writing,
    and a URI (or a link) naming a folder outside it would import the user's own files."""
    candidates = [fallback]
    if uri:
        parsed = urlparse(uri)
        if parsed.scheme not in ("", "file"):
            return None  # artifacts on a server or in object storage are not copied
        candidates.insert(0, Path(unquote(parsed.path)))
    inside = Path(os.path.realpath(store))
    for path in candidates:
        real = Path(os.path.realpath(path))
        if (real == inside or inside in real.parents) and real.is_dir():
            return path
    return None


class FileStore:
    """An ``mlruns`` folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _experiments(self) -> dict[str, tuple[str, Path]]:
        out = {}
        for folder in sorted(self.root.iterdir()):
            meta = folder / "meta.yaml"
            if folder.name in ("models", ".trash") or not meta.is_file():
                continue
            info = _yaml(meta)
            if info.get("lifecycle_stage", "active") != "deleted":
                out[str(info.get("experiment_id", folder.name))] = (str(info.get("name")), folder)
        return out

    def run_folders(self) -> list[tuple[str, Path]]:
        """(experiment name, run folder) of every run, oldest experiment first."""
        found = []
        for name, folder in self._experiments().values():
            for run in sorted(folder.iterdir()):
                if run.name not in NOT_RUNS and (run / "meta.yaml").is_file():
                    found.append((name, run))
        return found

    def runs(self) -> Iterator[SourceRun]:
        """Every run, in ``run_folders`` order (folders are read by READERS threads)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=READERS) as pool:
            for run in pool.map(lambda found: self.read_run(*found), self.run_folders()):
                if run is not None:
                    yield run

    def read_run(self, experiment: str, folder: Path) -> SourceRun | None:
        meta = _yaml(folder / "meta.yaml")
        if meta.get("lifecycle_stage", "active") == "deleted":
            return None
        status = meta.get("status", 3)
        run = SourceRun(
            run_id=str(meta.get("run_id") or folder.name),
            experiment=experiment,
            name=str(meta.get("run_name") or ""),
            status=STATUS.get(status, str(status)) if isinstance(status, int) else str(status),
            start_ms=int(meta.get("start_time") or 0),
            end_ms=int(meta["end_time"]) if meta.get("end_time") else None,
            user=str(meta.get("user_id") or ""),
            params=_values(folder / "params"),
            tags=_values(folder / "tags"),
            artifacts=_local_path(meta.get("artifact_uri"), folder / "artifacts", store=self.root),
        )
        for key, path in _files(folder / "metrics"):
            for line in path.read_text("utf-8").splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    step = int(parts[2]) if len(parts) > 2 else 0
                    run.metrics.append((key, float(parts[1]), int(parts[0]), step))
        run.name = run.name or run.tags.get("mlflow.runName", "")
        return run

    def versions(self) -> list[SourceVersion]:
        models = self.root / "models"
        out: list[SourceVersion] = []
        if not models.is_dir():
            return out
        for folder in sorted(models.iterdir()):
            meta = folder / "meta.yaml"
            if not meta.is_file():
                continue
            aliases = _yaml(meta).get("aliases") or {}
            by_version: dict[int, list[str]] = {}
            for alias, version in dict(aliases).items():
                by_version.setdefault(int(version), []).append(str(alias))
            for vfolder in sorted(folder.glob("version-*")):
                info = _yaml(vfolder / "meta.yaml")
                number = int(info.get("version", vfolder.name.split("-", 1)[1]))
                out.append(
                    SourceVersion(
                        model=str(info.get("name") or folder.name),
                        version=number,
                        run_id=info.get("run_id") or None,
                        source=str(info.get("source") or ""),
                        created_ms=int(info.get("creation_timestamp") or 0),
                        description=info.get("description") or None,
                        aliases=tuple(sorted(by_version.get(number, []))),
                    )
                )
        return sorted(out, key=lambda v: (v.model, v.version))


def _files(folder: Path, prefix: str = "") -> list[tuple[str, Path]]:
    """``(key, path)`` of every file under ``folder`` (MLflow writes a key with '/' as
    folders), sorted by key."""
    found: list[tuple[str, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            found += _files(Path(entry.path), f"{prefix}{entry.name}/")
        elif entry.is_file(follow_symlinks=False):
            found.append((prefix + entry.name, Path(entry.path)))
    return sorted(found)


def _values(folder: Path) -> dict[str, str]:
    return {key: path.read_text("utf-8") for key, path in _files(folder)}


class SqlStore:
    """An MLflow SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise ImportError_(f"{self.path}: not an MLflow database ({exc})") from None

    def runs(self) -> Iterator[SourceRun]:
        names = dict(self._rows("SELECT experiment_id, name FROM experiments"))
        params: dict[str, dict[str, str]] = {}
        for run_id, key, value in self._rows("SELECT run_uuid, key, value FROM params"):
            params.setdefault(run_id, {})[key] = value
        tags: dict[str, dict[str, str]] = {}
        for run_id, key, value in self._rows("SELECT run_uuid, key, value FROM tags"):
            tags.setdefault(run_id, {})[key] = value
        metrics: dict[str, list[tuple[str, float, int, int]]] = {}
        for run_id, key, value, stamp, step in self._rows(
            "SELECT run_uuid, key, value, timestamp, step FROM metrics "
            "ORDER BY run_uuid, key, step, timestamp"
        ):
            metrics.setdefault(run_id, []).append((key, float(value), int(stamp), int(step)))
        rows = self._rows(
            "SELECT run_uuid, name, experiment_id, status, start_time, end_time, user_id, "
            "artifact_uri, lifecycle_stage FROM runs ORDER BY start_time, run_uuid"
        )
        for run_id, name, exp, status, start, end, user, uri, stage in rows:
            if stage == "deleted":
                continue
            run = SourceRun(
                run_id=run_id,
                experiment=str(names.get(exp, exp)),
                name=name or tags.get(run_id, {}).get("mlflow.runName", ""),
                status=str(status),
                start_ms=int(start or 0),
                end_ms=int(end) if end else None,
                user=user or "",
                params=params.get(run_id, {}),
                tags=tags.get(run_id, {}),
                metrics=metrics.get(run_id, []),
                artifacts=_local_path(
                    uri,
                    self.path.parent / "mlruns" / str(exp) / run_id / "artifacts",
                    store=self.path.parent,
                ),
            )
            yield run

    def versions(self) -> list[SourceVersion]:
        aliases: dict[tuple[str, int], list[str]] = {}
        for name, alias, version in self._rows(
            "SELECT name, alias, version FROM registered_model_aliases"
        ):
            aliases.setdefault((name, int(version)), []).append(alias)
        out = []
        for name, version, run_id, source, created, description in self._rows(
            "SELECT name, version, run_id, source, creation_time, description FROM "
            "model_versions WHERE current_stage != 'Deleted_Internal' ORDER BY name, version"
        ):
            out.append(
                SourceVersion(
                    model=name,
                    version=int(version),
                    run_id=run_id or None,
                    source=source or "",
                    created_ms=int(created or 0),
                    description=description or None,
                    aliases=tuple(sorted(aliases.get((name, int(version)), []))),
                )
            )
        return out
