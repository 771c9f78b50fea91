"""MLflow's model registry store for ``gitml:``: versions register, stages stay reviewed.

``create_model_version`` (from ``mlflow.register_model`` or ``log_model(registered_model_
name=...)``) registers a gitml version of the run's model: at once for a recorded run,
else when the run is recorded (``gitml.registry.pending``). Reading versions, latest
versions and aliases works: an alias is a stage, resolved through the applied registry.
Changing a stage or an alias is refused: in gitml that is a reviewed change of
``.gitml/stages.toml`` (``git ml promote NAME VERSION STAGE``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.abstract_store import AbstractStore

from gitml.config import load_settings
from gitml.registry.names import latest, next_version
from gitml.registry.names import model_name_from_mlflow as model_name
from gitml.registry.pending import PENDING_TAG
from gitml.storage.repo import open_repo
from gitml.tracking import MODEL_TAG
from gitml.tracking.mlflow_plugin import convert
from gitml.tracking.mlflow_plugin.store import LIVE, LOGGED_MODELS, repo_path

STAGES_MESSAGE = (
    "gitml keeps stages and aliases in the reviewed .gitml/stages.toml: run `git ml promote "
    "{model} {version} STAGE` (a pull request; `git ml registry apply` applies it), not "
    "MLflow's {call}"
)
_PENDING: dict[tuple[str, str], ModelVersion] = {}


def _refuse(call: str, model: str, version: str = "VERSION") -> MlflowException:
    return MlflowException(
        STAGES_MESSAGE.format(model=model, version=version, call=call),
        error_code="INVALID_STATE",
    )


class GitmlRegistryStore(AbstractStore):
    """The ``gitml:`` model registry (see the module doc)."""

    def __init__(self, store_uri: str | None = None, tracking_uri: str | None = None) -> None:
        super().__init__(store_uri, tracking_uri)
        self.path = repo_path(store_uri)

    def _repo(self) -> Any:
        return open_repo(self.path if self.path is not None else Path.cwd())

    def _settings(self) -> Any:
        return load_settings(self._repo().workdir_or_gitdir)

    # --- models -------------------------------------------------------------------------

    def create_registered_model(self, name: str, *args: Any, **kwargs: Any) -> RegisteredModel:
        model_name(name)  # an MLflow name gitml cannot map is refused here, not later
        return RegisteredModel(name, int(time.time() * 1000))

    def get_registered_model(self, name: str) -> RegisteredModel:
        name = model_name(name)
        versions = self._versions(name)
        if not versions and not any(k[0] == name for k in _PENDING):
            raise MlflowException(
                f"Registered Model with name={name} not found", "RESOURCE_DOES_NOT_EXIST"
            )
        return RegisteredModel(name, latest_versions=versions[-1:])

    def search_registered_models(self, *args: Any, **kwargs: Any) -> Any:
        from mlflow.store.entities.paged_list import PagedList

        from gitml.registry.store import models_in, registry_collection

        names = models_in(registry_collection(self._repo()).snapshot())
        return PagedList([RegisteredModel(n) for n in names], None)

    def get_latest_versions(self, name: str, stages: Any = None) -> list[ModelVersion]:
        name = model_name(name)
        return self._versions(name)[-1:]

    # --- versions -----------------------------------------------------------------------

    def _versions(self, name: str) -> list[ModelVersion]:
        from gitml.registry.store import get_version, registry_collection, versions_in

        repo = self._repo()
        names = versions_in(registry_collection(repo).snapshot(), name)
        ordered = sorted(names, key=lambda v: (latest([v]) is not None, v))
        found = [self._entity(get_version(repo, name, v)) for v in ordered]
        found += [v for (model, _), v in _PENDING.items() if model == name]
        return found

    @staticmethod
    def _entity(doc: Any) -> ModelVersion:
        run = str((doc.get("run") or {}).get("id", ""))
        art = doc.get("artifact") or {}
        return ModelVersion(
            name=str(doc["model"]),
            version=str(doc["version"]),
            creation_timestamp=convert.millis(doc["created"]),
            description=doc.get("description"),
            source=f"{convert.artifact_uri(run)}/{art.get('path', '')}".rstrip("/"),
            run_id=run,
            status="READY",
        )

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Any = None,
        run_link: Any = None,
        description: str | None = None,
        local_model_path: Any = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        name = model_name(name)
        artifact = self._artifact_of(source, model_id)
        run_id = run_id or self._run_of(source, model_id)
        if not run_id:
            raise MlflowException(f"{source}: register a model a gitml run logged (runs:/ID/PATH)")
        live = LIVE.get(run_id)
        if live is not None:
            logged = json.loads(live.tags.get(MODEL_TAG, "{}")).get("path")
            if artifact and isinstance(logged, str) and logged.startswith(artifact + "/"):
                artifact = logged  # the model file of an MLflow model folder
        if live is not None:  # recorded when the run is: ask for it in the run's tags
            version = self._next_version(name)
            wanted = json.loads(live.tags.get(PENDING_TAG, "[]"))
            entry = {"model": name, "artifact": artifact, "version": version}
            if description:
                entry["description"] = description
            wanted.append(entry)
            live.tags[PENDING_TAG] = json.dumps(wanted)
            live.handle.sink.tag(PENDING_TAG, live.tags[PENDING_TAG])
            pending = ModelVersion(
                name, version, int(time.time() * 1000), source=source, run_id=run_id,
                status="READY", description=description,
            )  # fmt: skip
            _PENDING[(name, version)] = pending
            return pending
        from gitml.registry.register import RegisterRequest, register

        doc = register(
            self._repo(),
            RegisterRequest(
                model=name,
                run=run_id,
                artifact=Path(artifact) if artifact else None,
                description=description,
            ),
        )
        return self._entity(doc)

    def _next_version(self, name: str) -> str:
        from gitml.registry.store import registry_collection, versions_in

        existing = versions_in(registry_collection(self._repo()).snapshot(), name)
        existing += [v for (model, v) in _PENDING if model == name]
        return next_version(name, existing)

    @staticmethod
    def _artifact_of(source: str, model_id: str | None) -> str | None:
        if model_id and model_id in LOGGED_MODELS:
            source = LOGGED_MODELS[model_id].artifact_location
        for marker in ("/artifacts/",):
            if marker in source:
                return source.split(marker, 1)[1].strip("/") or None
        if source.startswith("runs:/"):
            parts = source[len("runs:/") :].split("/", 1)
            return parts[1] if len(parts) > 1 else None
        return None

    @staticmethod
    def _run_of(source: str, model_id: str | None) -> str | None:
        if model_id and model_id in LOGGED_MODELS:
            found: str | None = LOGGED_MODELS[model_id].source_run_id
            return found
        if source.startswith(("runs:/", "gitml:/")):
            return source.split(":/", 1)[1].strip("/").split("/", 1)[0] or None
        return None

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        name = model_name(name)
        pending = _PENDING.get((name, str(version)))
        if pending is not None:
            return pending
        from gitml.registry.store import get_version

        return self._entity(get_version(self._repo(), name, str(version)))

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        source: str = self.get_model_version(name, version).source
        return source

    def search_model_versions(
        self, filter_string: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        from mlflow.store.entities.paged_list import PagedList

        name = (filter_string or "").split("=", 1)[-1].strip().strip("'\"")
        return PagedList(self._versions(model_name(name)) if name else [], None)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        name = model_name(name)
        from gitml.registry.query import ModelRef, resolve

        return self._entity(resolve(self._repo(), self._settings(), ModelRef(name, None, alias)))

    # --- refused: stages are reviewed -----------------------------------------------------

    def transition_model_version_stage(
        self, name: str, version: str, stage: str, archive_existing_versions: bool
    ) -> ModelVersion:
        raise _refuse("transition_model_version_stage", name, str(version))

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        raise _refuse("set_registered_model_alias", name, str(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        raise _refuse("delete_registered_model_alias", name)

    def delete_model_version(self, name: str, version: str) -> None:
        raise MlflowException(f"model {name} version {version}: gitml versions are immutable")

    def delete_registered_model(self, name: str) -> None:
        raise MlflowException(f"model {name}: gitml versions are immutable")

    def update_model_version(self, name: str, version: str, description: str) -> ModelVersion:
        raise MlflowException("gitml versions are immutable; register a new version")

    def update_registered_model(self, name: str, *args: Any, **kwargs: Any) -> Any:
        raise MlflowException(
            "gitml model records are immutable; give a description when registering "
            "(`git ml model register NAME --description TEXT`)"
        )

    def set_registered_model_tag(self, name: str, *args: Any, **kwargs: Any) -> None:
        raise MlflowException(
            "gitml model records are immutable and carry no tags; tag the run instead"
        )

    def set_model_version_tag(self, name: str, *args: Any, **kwargs: Any) -> None:
        raise MlflowException(
            "gitml versions are immutable and carry no tags; tag the run that made them instead"
        )
