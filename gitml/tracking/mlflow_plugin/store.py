"""MLflow's tracking store for ``gitml:``: MLflow runs become gitml runs.

A run MLflow creates is opened with ``gitml.tracking.open_run``: under ``git ml run`` the
first top-level one is the command's run and the others (nested runs, later runs) are
recorded beside it; elsewhere each is an in-process run recorded when MLflow ends it.
Values go to the run's sink as they arrive (params stay MLflow's text); the store keeps
what MLflow reads back during the run (``get_run``, metric history) in memory. Finished
runs are read from the records. Experiments are the ``experiment`` tag (ids are derived
from names). Deleting a run is refused: records are immutable.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlflow.entities import (
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunTag,
    ViewType,
)
from mlflow.exceptions import MlflowException
from mlflow.store.tracking.abstract_store import AbstractStore

from gitml.errors import GitmlError
from gitml.records import ids
from gitml.storage.repo import open_repo
from gitml.tracking import ActiveRun, open_run
from gitml.tracking.mlflow_plugin import convert
from gitml.tracking.mlflow_plugin.logged_models import LOGGED_MODELS as LOGGED_MODELS
from gitml.tracking.mlflow_plugin.logged_models import LoggedModels
from gitml.tracking.read import sort_keys

LIVE: dict[str, LiveRun] = {}
EXPERIMENTS: dict[str, str] = {}  # id -> name of experiments named in this process
_LOCK = threading.Lock()


@dataclass
class LiveRun:
    """A run opened in this process: its gitml handle and what MLflow may read back."""

    handle: ActiveRun
    info: RunInfo
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[Metric]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # artifact name -> local copy

    def entity(self) -> Run:
        latest = [values[-1] for values in self.history.values()]
        params = [Param(k, v) for k, v in self.params.items()]
        data = RunData(latest, params, [RunTag(k, v) for k, v in self.tags.items()])
        return Run(self.info, data)


def repo_path(store_uri: str | None) -> Path | None:
    """The repository a ``gitml:`` URI names (``None``: the current folder's)."""
    rest = (store_uri or "gitml:").split(":", 1)[1]
    return Path(rest) if rest.strip("/") else None


def live_run(run_id: str) -> LiveRun:
    found = LIVE.get(run_id)
    if found is None:
        raise MlflowException(
            f"run {run_id} is not open in this process: gitml records are immutable once "
            "written, so finished runs take no more values (start a new run)"
        )
    return found


class GitmlTrackingStore(LoggedModels, AbstractStore):
    """The ``gitml:`` tracking store (see the module doc)."""

    def __init__(self, store_uri: str | None = None, artifact_uri: str | None = None) -> None:
        super().__init__()
        self.store_uri = store_uri or "gitml:"
        self.path = repo_path(store_uri)

    # --- experiments -------------------------------------------------------------------

    def _experiment_names(self) -> list[str]:
        names = {convert.DEFAULT_EXPERIMENT, *EXPERIMENTS.values()}
        names.update(r.tags.get(convert.EXPERIMENT_TAG, "") for r in LIVE.values())
        for doc in self._records(None, limit=None):
            names.add((doc.get("tags") or {}).get(convert.EXPERIMENT_TAG, ""))
        return sorted(n for n in names if n)

    def search_experiments(
        self,
        view_type: int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Any:
        from mlflow.store.entities.paged_list import PagedList

        found = [convert.experiment(n) for n in self._experiment_names()]
        if filter_string and "name" in filter_string:
            wanted = filter_string.split("=", 1)[-1].strip().strip("'\"")
            found = [e for e in found if e.name == wanted]
        return PagedList(found[:max_results], None)

    def create_experiment(self, name: str, artifact_location: Any = None, tags: Any = None) -> str:
        EXPERIMENTS[convert.experiment_id(name)] = name
        return convert.experiment_id(name)

    def get_experiment(self, experiment_id: str) -> Any:
        if str(experiment_id) in EXPERIMENTS:
            return convert.experiment(EXPERIMENTS[str(experiment_id)])
        for name in self._experiment_names():
            if convert.experiment_id(name) == str(experiment_id):
                return convert.experiment(name)
        raise MlflowException(
            f"no experiment with id {experiment_id}: gitml experiments are the 'experiment' "
            "tag of runs (mlflow.set_experiment(NAME) names one)",
            error_code="RESOURCE_DOES_NOT_EXIST",
        )

    def get_experiment_by_name(self, experiment_name: str) -> Any:
        EXPERIMENTS[convert.experiment_id(experiment_name)] = experiment_name
        return convert.experiment(experiment_name)

    def _experiment_name(self, experiment_id: str) -> str:
        if str(experiment_id) == convert.DEFAULT_EXPERIMENT_ID:
            return convert.DEFAULT_EXPERIMENT
        name: str = self.get_experiment(experiment_id).name
        return name

    def set_experiment_tag(self, experiment_id: str, *args: Any, **kwargs: Any) -> None:
        raise MlflowException(
            "gitml experiments are the `experiment` tag of immutable runs and carry no tags "
            "of their own; tag the runs instead (mlflow.set_tag)"
        )

    def delete_experiment(self, experiment_id: str) -> None:
        raise MlflowException("gitml experiments are tags of immutable runs; nothing to delete")

    # --- runs ---------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int,
        tags: Sequence[RunTag] | None,
        run_name: str | None,
    ) -> Run:
        given = {t.key: str(t.value) for t in tags or []}
        parent = given.get(convert.PARENT_TAG)
        outer = LIVE.get(parent) if parent else None
        name = run_name or given.get(convert.RUN_NAME_TAG)
        with _LOCK:
            handle = open_run(
                name=name or None,
                parent=parent,
                outer=outer.handle.sink if outer else None,
                path=self.path,
            )
        experiment = self._experiment_name(experiment_id or convert.DEFAULT_EXPERIMENT_ID)
        info = RunInfo(
            run_id=handle.id,
            experiment_id=convert.experiment_id(experiment),
            user_id=user_id or "",
            status="RUNNING",
            start_time=start_time or int(time.time() * 1000),
            end_time=None,
            lifecycle_stage="active",
            artifact_uri=convert.artifact_uri(handle.id),
            run_name=handle.name,
        )
        live = LiveRun(handle, info)
        LIVE[handle.id] = live
        run_tags = {**given, convert.RUN_NAME_TAG: handle.name, convert.EXPERIMENT_TAG: experiment}
        run_tags.pop(convert.PARENT_TAG, None)
        self._set_tags(live, run_tags)
        if handle.parent is not None:
            live.tags[convert.PARENT_TAG] = handle.parent
        return live.entity()

    def get_run(self, run_id: str) -> Run:
        live = LIVE.get(run_id)
        if live is not None:
            return live.entity()
        from gitml.runs.store import find_run

        repo = self._repo()
        doc = find_run(repo, run_id) if _is_id(run_id) else None
        if doc is None:
            raise MlflowException(f"Run '{run_id}' not found", error_code="RESOURCE_DOES_NOT_EXIST")
        return convert.run_from_record(doc, self._last_steps(doc))

    def _repo(self) -> Any:
        return open_repo(self.path if self.path is not None else Path.cwd())

    def _last_steps(self, doc: Any) -> dict[str, tuple[int, int | None]]:
        from gitml.runs.store import read_history

        last: dict[str, tuple[int, int | None]] = {}
        for event in read_history(self._repo(), doc):
            last[event.name] = (event.step, event.timestamp)
        return last

    def update_run_info(
        self, run_id: str, run_status: Any, end_time: int | None, run_name: str | None
    ) -> RunInfo:
        live = live_run(run_id)
        status = convert.run_status(run_status)
        info = live.info
        live.info = RunInfo(
            run_id=info.run_id,
            experiment_id=info.experiment_id,
            user_id=info.user_id,
            status=convert.status_of(status) if status else info.status,
            start_time=info.start_time,
            end_time=end_time,
            lifecycle_stage=info.lifecycle_stage,
            artifact_uri=info.artifact_uri,
            run_name=run_name or info.run_name,
        )
        if end_time is not None or str(run_status) in convert.FROM_MLFLOW:
            live.handle.end(status)
        return live.info

    def delete_run(self, run_id: str) -> None:
        raise MlflowException(
            f"run {run_id}: gitml runs are immutable records in git and cannot be deleted"
        )

    def restore_run(self, run_id: str) -> None:
        return None

    # --- values -------------------------------------------------------------------------

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        live = LIVE.get(run_id) or live_run(run_id)
        for metric in metrics:
            self._metric(live, metric)
        if params:
            values = {p.key: str(p.value) for p in params}
            for key, value in values.items():
                if live.params.get(key, value) != value:
                    raise MlflowException(
                        f"param {key!r} of run {run_id} was {live.params[key]!r}; params "
                        f"cannot change (new value {value!r})",
                        error_code="INVALID_PARAMETER_VALUE",
                    )
            live.params.update(values)
            live.handle.sink.params(values)
        if tags:
            self._set_tags(live, {t.key: str(t.value) for t in tags})

    @staticmethod
    def _metric(live: LiveRun, metric: Metric) -> None:
        """One value (the hot path: a spool line and the in-memory history)."""
        key = metric.key
        live.handle.sink.metric(key, metric.value, metric.step or 0, metric.timestamp)
        found = live.history.get(key)
        if found is None:
            live.history[key] = [metric]
        else:
            found.append(metric)

    def _set_tags(self, live: LiveRun, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            live.tags[key] = value
            if key == convert.RUN_NAME_TAG:
                continue  # the run's name, not a tag
            live.handle.sink.tag(key, value)

    def log_metric(self, run_id: str, metric: Metric) -> None:
        self._metric(LIVE.get(run_id) or live_run(run_id), metric)

    def log_param(self, run_id: str, param: Param) -> None:
        self.log_batch(run_id, [], [param], [])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        self.log_batch(run_id, [], [], [tag])

    def delete_tag(self, run_id: str, key: str) -> None:
        raise MlflowException("gitml run tags cannot be deleted (records are append-only)")

    def log_inputs(self, run_id: str, datasets: Any = None, models: Any = None) -> None:
        """MLflow datasets (name, digest, source) and input models go to the run's tags."""
        live = live_run(run_id)
        found = [
            {
                "name": each.dataset.name,
                "digest": each.dataset.digest,
                "source_type": each.dataset.source_type,
                "context": {t.key: t.value for t in each.tags or ()},
            }
            for each in datasets or ()
        ]
        self._append_tag(live, "mlflow.datasets", found)
        self._append_tag(live, "mlflow.input-models", [m.model_id for m in models or ()])

    def log_outputs(self, run_id: str, models: Any) -> None:
        """The ids (and steps) of the logged models the run produced go to its tags."""
        found = [{"model_id": m.model_id, "step": m.step} for m in models or ()]
        self._append_tag(live_run(run_id), "mlflow.output-models", found)

    def _append_tag(self, live: LiveRun, key: str, items: list[Any]) -> None:
        """Extend the JSON list kept under tag ``key`` (nothing when ``items`` is empty)."""
        if items:
            self._set_tags(live, {key: json.dumps([*json.loads(live.tags.get(key, "[]")), *items])})

    def record_logged_model(self, run_id: str, mlflow_model: Any) -> None:
        live = live_run(run_id)
        self._append_tag(live, "mlflow.log-model.history", [mlflow_model.get_tags_dict()])

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Any:
        from mlflow.store.entities.paged_list import PagedList

        live = LIVE.get(run_id)
        if live is not None:
            found = list(live.history.get(metric_key, []))
        else:
            from gitml.runs.store import find_run, read_history

            repo = self._repo()
            doc = find_run(repo, run_id) if _is_id(run_id) else None
            if doc is None:
                raise MlflowException(f"Run '{run_id}' not found", "RESOURCE_DOES_NOT_EXIST")
            ended = convert.millis(doc["ended"])
            found = [
                Metric(
                    e.name,
                    float(e.value),
                    e.timestamp if e.timestamp is not None else ended,
                    e.step,
                )
                for e in read_history(repo, doc)
                if e.name == metric_key
            ]
        return PagedList(found[:max_results] if max_results else found, None)

    # --- search -------------------------------------------------------------------------

    def _records(self, where: str | None, *, limit: int | None, order: Any = ()) -> list[Any]:
        from gitml.runs.store import list_runs

        try:
            return list_runs(
                self._repo(), where=where, sort=order, limit=limit, all_branches=True
            ).runs
        except MlflowException:
            raise

    def _search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        run_view_type: Any,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> tuple[list[Run], str | None]:
        names = {self._experiment_name(e) for e in experiment_ids or []}
        clauses = []
        if filter_string:
            clauses.append(f"({filter_string})")
        if names:
            quoted = ", ".join("'" + n.replace("'", "''") + "'" for n in sorted(names))
            clauses.append(f"tags.{convert.EXPERIMENT_TAG} in ({quoted})")
        offset = int(page_token or 0)
        try:
            docs = self._records(
                " and ".join(clauses) or None,
                limit=offset + max_results + 1,
                order=sort_keys(list(order_by or [])),
            )
        except GitmlError as exc:
            raise MlflowException(str(exc), error_code="INVALID_PARAMETER_VALUE") from None
        page = docs[offset : offset + max_results]
        token = str(offset + max_results) if len(docs) > offset + max_results else None
        return [convert.run_from_record(d, {}) for d in page], token


def _is_id(text: str) -> bool:
    return ids.is_id(text)
