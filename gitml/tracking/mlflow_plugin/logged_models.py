"""MLflow 3's logged models for the ``gitml:`` store: a model ``log_model`` creates is
kept for the process; its artifacts go to the run, under the model's name, through the
artifact repository (``gitml:/<run>/artifacts/<name>``)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from mlflow.entities import LoggedModel, LoggedModelStatus
from mlflow.exceptions import MlflowException

from gitml.tracking.mlflow_plugin import convert

LOGGED_MODELS: dict[str, LoggedModel] = {}


class LoggedModels:
    """The logged-model calls of MLflow's tracking store."""

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Any = None,
        params: Any = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        model_id = f"m-{uuid.uuid4().hex}"
        name = name or "model"
        run = source_run_id or ""
        now = int(time.time() * 1000)
        model = LoggedModel(
            experiment_id=experiment_id,
            model_id=model_id,
            name=name,
            artifact_location=f"{convert.artifact_uri(run)}/{name}"
            if run
            else f"gitml:/{model_id}",
            creation_timestamp=now,
            last_updated_timestamp=now,
            model_type=model_type,
            source_run_id=source_run_id,
            status=LoggedModelStatus.PENDING,
            tags={t.key: t.value for t in tags or []},
            params={p.key: p.value for p in params or []},
        )
        LOGGED_MODELS[model_id] = model
        return model

    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        found = LOGGED_MODELS.get(model_id)
        if found is None:
            raise MlflowException(
                f"logged model {model_id} is not known in this process; load a gitml model "
                "with gitml.load_model('NAME@STAGE') or runs:/RUN_ID/NAME",
                error_code="RESOURCE_DOES_NOT_EXIST",
            )
        return found

    def finalize_logged_model(self, model_id: str, status: Any) -> LoggedModel:
        return self.get_logged_model(model_id)

    def set_logged_model_tags(self, model_id: str, tags: Any) -> None:
        model = self.get_logged_model(model_id)
        model.tags.update({t.key: t.value for t in tags})

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self.get_logged_model(model_id).tags.pop(key, None)

    def search_logged_models(self, *args: Any, **kwargs: Any) -> Any:
        from mlflow.store.entities.paged_list import PagedList

        return PagedList(list(LOGGED_MODELS.values()), None)
