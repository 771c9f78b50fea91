"""``git ml import dvc``: DVC experiments as gitml runs.

Experiments come from ``refs/exps`` (each a commit DVC made: params files, metrics files,
``dvc.lock``) or from the JSON ``dvc exp show --json`` prints (``--from-json FILE``).
Each becomes a run named after the experiment: params of the params files its stages
read (flattened to dotted keys), metrics of its metrics files, ``dvc.lock`` dependencies
as inputs and outputs as ``md5:`` digests, its commit as the code, and the experiment's
name, baseline and commit in tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.imports import records
from gitml.imports.mlflow_source import ImportError_
from gitml.pipelines.paramfiles import flatten as flat_keys
from gitml.runs.metrics import MetricEvent
from gitml.storage.foreign import file_at, list_refs

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, Params, RunRecord
    from gitml.storage.repo import GitRepo


def _yaml(data: bytes | None) -> Any:
    import yaml

    if data is None:
        return None
    try:
        return yaml.safe_load(data)
    except yaml.YAMLError:
        return None


def flatten(data: Any) -> Params:
    """A params or metrics document as dotted keys (nothing when it is not a table)."""
    return flat_keys(data) if isinstance(data, Mapping) else {}


def _numbers(data: Mapping[str, Any]) -> dict[str, float | int]:
    return {k: v for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _files(dvc_yaml: Any, section: str) -> list[str]:
    """Files a ``dvc.yaml`` names under ``params`` or ``metrics`` (top level and stages)."""
    found: list[str] = []
    doc = dvc_yaml if isinstance(dvc_yaml, Mapping) else {}
    entries = list(doc.get(section) or [])
    for stage in (doc.get("stages") or {}).values():
        if isinstance(stage, Mapping):
            entries += list(stage.get(section) or [])
    for entry in entries:
        if isinstance(entry, str):
            found.append("params.yaml" if section == "params" else entry)
        elif isinstance(entry, Mapping):
            found += [str(k) for k in entry]
    return list(dict.fromkeys(found))


def _lock_digests(lock: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(inputs, outputs) of a ``dvc.lock``: path -> ``md5:<hash>``."""
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    stages = (lock or {}).get("stages") if isinstance(lock, Mapping) else None
    for stage in (stages or {}).values():
        for key, target in (("deps", inputs), ("outs", outputs)):
            for entry in stage.get(key) or []:
                digest = entry.get("md5") or entry.get("etag")
                if entry.get("path") and digest:
                    target[str(entry["path"])] = f"md5:{str(digest).removesuffix('.dir')}"
    return inputs, outputs


def _experiment(repo: GitRepo, ref: Any) -> JsonObject:
    commit = ref.commit
    dvc_yaml = _yaml(file_at(repo, commit, "dvc.yaml"))
    params: Params = {}
    for path in _files(dvc_yaml, "params") or ["params.yaml"]:
        loaded = _yaml(file_at(repo, commit, path))
        params.update(flatten(loaded))
    metrics: dict[str, float | int] = {}
    for path in _files(dvc_yaml, "metrics"):
        metrics.update(_numbers(flatten(_yaml(file_at(repo, commit, path)))))
    inputs, outputs = _lock_digests(_yaml(file_at(repo, commit, "dvc.lock")))
    parts = ref.name.split("/")
    return {
        "name": parts[-1],
        "rev": commit,
        "baseline": parts[2] + parts[3] if len(parts) >= 5 else "",
        "time": ref.time * 1000,
        "user": ref.person,
        "params": params,
        "metrics": metrics,
        "inputs": inputs,
        "outputs": outputs,
    }


def experiments_from_refs(repo: GitRepo) -> list[JsonObject]:
    """Every experiment under ``refs/exps`` (DVC's own bookkeeping refs left out)."""

    return [
        _experiment(repo, ref)
        for ref in list_refs(repo, "refs/exps/")
        if len(ref.name.split("/")) == 5 and ref.name.split("/")[2] != "exec"
    ]


def experiments_from_json(path: Path) -> list[JsonObject]:
    """Experiments of ``dvc exp show --json`` output."""

    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ImportError_(f"{path}: not the JSON of `dvc exp show --json`: {exc}") from None
    found = []
    for baseline in doc if isinstance(doc, list) else []:
        for group in baseline.get("experiments") or []:
            for rev in group.get("revs") or []:
                data = rev.get("data") or {}
                params: Params = {}
                for entry in (data.get("params") or {}).values():
                    params.update(flatten(entry.get("data") or {}))
                metrics: dict[str, float | int] = {}
                for entry in (data.get("metrics") or {}).values():
                    metrics.update(_numbers(flatten(entry.get("data") or {})))
                stamp = data.get("timestamp")
                when = datetime.fromisoformat(stamp) if stamp else None
                found.append(
                    {
                        "name": rev.get("name") or str(rev.get("rev"))[:7],
                        "rev": str(rev.get("rev")),
                        "baseline": str(baseline.get("rev", "")),
                        "time": int(when.timestamp() * 1000) if when else 0,
                        "user": "",
                        "params": params,
                        "metrics": metrics,
                        "inputs": _hashes(data.get("deps")),
                        "outputs": _hashes(data.get("outs")),
                    }
                )
    return found


def _hashes(entries: Any) -> dict[str, str]:
    return {
        str(path): f"md5:{str(info['hash']).removesuffix('.dir')}"
        for path, info in (entries or {}).items()
        if isinstance(info, Mapping) and info.get("hash")
    }


def import_dvc(repo: GitRepo, *, from_json: Path | None = None) -> records.ImportSummary:
    """Import DVC experiments (see the module doc); running it again imports nothing twice."""
    found = experiments_from_json(from_json) if from_json else experiments_from_refs(repo)
    summary = records.ImportSummary(source=str(from_json) if from_json else "refs/exps")
    docs = [_record(e) for e in found]
    known = records.existing_ids(repo, [str(d["id"]) for d, _ in docs])
    fresh = [d for d in docs if d[0]["id"] not in known]
    records.write_runs(repo, fresh, f"gitml import dvc: {len(fresh)} experiments")
    summary.runs, summary.skipped = len(fresh), len(docs) - len(fresh)
    return summary


def _record(exp: Mapping[str, Any]) -> tuple[RunRecord, bytes | None]:
    events: Iterable[MetricEvent] = (MetricEvent(k, 0, v) for k, v in exp["metrics"].items())
    doc, history = records.build_run(
        run_id=records.stable_id(int(exp["time"]), f"dvc:{exp['rev']}"),
        name=records.run_name(str(exp["name"]), "dvc-experiment"),
        status="completed",
        started_ms=int(exp["time"]),
        ended_ms=int(exp["time"]),
        command=["dvc", "exp", "run"],
        user=str(exp["user"]),
        commit=str(exp["rev"]),
        params=exp["params"],
        events=list(events),
        tags={
            records.SOURCE_TAG: "dvc",
            records.ORIGINAL_ID_TAG: str(exp["rev"]),
            "dvc.experiment": str(exp["name"]),
            "dvc.baseline": str(exp["baseline"]),
        },
        outputs=exp["outputs"],
    )
    doc["inputs"] = dict(exp["inputs"])
    return doc, history
