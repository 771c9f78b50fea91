"""MLflow's artifact repository for ``gitml:/<run id>/artifacts[/<path>]`` URIs.

Logging stores each file or folder under its artifact path in the run (copied at the call,
cached like an output). Images, text, JSON and YAML files become media the UI shows:
MLflow's step-indexed images (``images/<key>%step%<n>%...png``) keep their key and step,
and a JSON file in MLflow's table layout is a table. A folder holding an ``MLmodel`` is a
model: its framework flavor and file go to the run's ``gitml.model`` tag, so ``git ml
model register`` and ``gitml.load_model`` find it. Reads come from the copies of a run
still open in this process, else from the content cache by the recorded digests.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from mlflow.entities import FileInfo
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.artifact_repo import ArtifactRepository

from gitml.objects.blobs import read_listing_object
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.objects.listing import decode
from gitml.runs.attached import media_info, model_tag
from gitml.storage.repo import open_repo
from gitml.tracking import MODEL_TAG
from gitml.tracking.mlflow_plugin.store import LIVE, repo_path

_URI = re.compile(r"gitml:/+(?P<run>[0-9A-Za-z]{26})/artifacts(?:/(?P<path>.*))?$")


class GitmlArtifactRepository(ArtifactRepository):
    """Artifacts of gitml runs (see the module doc)."""

    def __init__(self, artifact_uri: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(artifact_uri, *args, **kwargs)
        found = _URI.match(artifact_uri)
        if found is None:
            raise MlflowException(
                f"{artifact_uri!r} is not a gitml artifact URI (gitml:/<run id>/artifacts)"
            )
        self.run_id = found["run"]
        self.prefix = (found["path"] or "").strip("/")
        self.repo_path = repo_path(kwargs.get("tracking_uri"))
        self._cache_root: Path | None = None

    def _name(self, *parts: str | None) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p and p.strip("/"))

    def _live(self) -> Any:
        live = LIVE.get(self.run_id)
        if live is None:
            raise MlflowException(
                f"run {self.run_id} is not open in this process; its artifacts were recorded "
                "when it ended and cannot change"
            )
        return live

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        live = self._live()
        name = self._name(artifact_path, Path(local_file).name)
        live.handle.sink.attach(local_file, name, media_info(name, Path(local_file)))
        live.files[name] = Path(local_file).absolute()

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        live = self._live()
        name = self._name(artifact_path)
        folder = Path(local_dir)
        if not name:  # the run's root: each entry under its own name
            for entry in sorted(folder.iterdir()):
                self.log_artifact(str(entry)) if entry.is_file() else self.log_artifacts(
                    str(entry), entry.name
                )
            return
        live.handle.sink.attach(str(folder), name, {})
        self._keep_copy(live, name, folder)
        tag = model_tag(name, folder)
        if tag is not None:
            live.tags[MODEL_TAG] = json.dumps({k: v for k, v in tag.items() if v})
            live.handle.sink.tag(MODEL_TAG, live.tags[MODEL_TAG])

    @staticmethod
    def _keep_copy(live: Any, name: str, folder: Path) -> None:
        """Readable copies of a folder for the rest of the run (MLflow deletes its own)."""
        import tempfile

        holder = Path(tempfile.mkdtemp(prefix="gitml-mlflow-"))
        target = holder / folder.name
        shutil.copytree(folder, target)
        live.files[name] = target

    # --- reading ------------------------------------------------------------------------

    def _entries(self) -> dict[str, Path | str]:
        """Artifact name -> local path (open run) or digest (recorded run)."""
        live = LIVE.get(self.run_id)
        if live is not None and not live.handle.ended:
            return dict(live.files)
        if live is not None and live.files:
            return dict(live.files)
        from gitml.runs.store import find_run

        repo = open_repo(self.repo_path or Path.cwd())
        doc = find_run(repo, self.run_id)
        if doc is None:
            raise MlflowException(f"Run '{self.run_id}' not found", "RESOURCE_DOES_NOT_EXIST")
        self._cache_root = repo.state_dir
        return {str(k): str(v) for k, v in (doc.get("outputs") or {}).items()}

    def _files(self) -> dict[str, tuple[Path | None, str | None, int]]:
        """Every file: artifact path -> (local path, digest, size)."""
        out: dict[str, tuple[Path | None, str | None, int]] = {}
        for name, where in self._entries().items():
            if isinstance(where, Path):
                if where.is_dir():
                    for f in where.rglob("*"):
                        if f.is_file():
                            rel = f.relative_to(where).as_posix()
                            out[f"{name}/{rel}"] = (f, None, f.stat().st_size)
                else:
                    out[name] = (where, None, where.stat().st_size)
                continue
            listing = self._listing(where)
            if listing is None:
                out[name] = (None, where, 0)
            else:
                out.update({f"{name}/{rel}": (None, d, size) for rel, (d, size) in listing.items()})
        return out

    def _cache(self) -> Any:
        assert self._cache_root is not None
        return open_cache(self._cache_root)

    def _listing(self, digest: str) -> dict[str, tuple[str, int]] | None:
        data = read_listing_object(self._cache(), parse_digest(digest))
        if data is None:
            return None
        return {e.path: (str(e.digest), e.size) for e in decode(data, where=digest)}

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        base = self._name(path)
        start = self._name()
        below = (base + "/") if base else ""
        seen: dict[str, FileInfo] = {}
        for name, (_local, _digest, size) in self._files().items():
            if below and not name.startswith(below):
                continue
            rest = name[len(below) :]
            head = rest.split("/", 1)[0]
            shown = (below + head)[len(start) + 1 :] if start else below + head
            if "/" in rest:
                seen.setdefault(shown, FileInfo(shown, True, None))
            else:
                seen[shown] = FileInfo(shown, False, size)
        return sorted(seen.values(), key=lambda f: f.path)

    def _download_file(self, remote_file_path: str, local_path: str) -> None:
        name = self._name(remote_file_path)
        found = self._files().get(name)
        if found is None:
            raise MlflowException(f"run {self.run_id} has no artifact {name!r}")
        local, digest, _size = found
        if local is not None:
            shutil.copyfile(local, local_path)
            return
        assert digest is not None
        cache = self._cache()
        if not cache.has(digest):
            raise MlflowException(
                f"artifact {name} ({digest}) of run {self.run_id} is not in this clone's cache; "
                "`git ml data pull --all` fetches recorded outputs"
            )
        cache.materialize(digest, Path(local_path))

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        raise MlflowException("gitml artifacts are immutable once recorded")
