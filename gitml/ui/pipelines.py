"""The pipeline and lineage side of the UI's JSON: the stage graph with each stage's
state and last run, the lineage graph of a run, model version, dataset or path, and the
plots of runs. Computed by the same code as ``git ml status``, ``dag`` and ``lineage``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitml.errors import UsageError
from gitml.lineage import trace
from gitml.pipelines.dag import edges
from gitml.pipelines.plots import run_plots
from gitml.pipelines.project import open_project
from gitml.pipelines.status import pipeline_status
from gitml.records.typed import typed
from gitml.runs.store import RUN_KIND, open_index

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, RunRecord
    from gitml.storage.repo import GitRepo

EMPTY_PIPELINE = "no pipeline yet: write a dvc.yaml and run git ml repro"
LAST_RUNS_SCANNED = 5000


def _last_runs(repo: GitRepo) -> dict[tuple[str, str], JsonObject]:
    """The newest run of each stage, by (stage file, stage name)."""

    collection, index = open_index(repo)
    try:
        rows = index.rows(
            collection,
            "json_extract(doc, '$.stage.name') IS NOT NULL",
            (),
            "id DESC",
            LAST_RUNS_SCANNED,
            kind=RUN_KIND,
        )
    finally:
        index.close()
    found: dict[tuple[str, str], JsonObject] = {}
    for doc in (typed(row.doc, "run", where=None) for row in rows):
        stage = doc.get("stage")
        if stage is None:
            continue
        key = (stage["file"], stage["name"])
        if key not in found:
            found[key] = {
                "id": doc["id"],
                "name": doc["name"],
                "status": doc["status"],
                "started": str(doc["started"]),
                "pipeline_run": stage.get("pipeline"),
            }
    return found


def pipeline_view(repo: GitRepo) -> JsonObject:
    """Every stage in execution order with its state, reasons, command, paths, last run."""

    if repo.is_bare:
        return {"stages": [], "edges": [], "files": [], "empty": EMPTY_PIPELINE}
    project = open_project(repo.workdir, required=False)
    if not project.files:
        return {"stages": [], "edges": [], "files": [], "empty": EMPTY_PIPELINE}
    rows = pipeline_status(project)
    last = _last_runs(repo)
    stages = []
    for row in rows:
        stage = project.stage(row.stage)
        stages.append(
            {
                **row.as_dict(),
                "cmd": stage.cmd_text,
                "file": stage.file,
                "wdir": stage.wdir or ".",
                "deps": [d.repo_path for d in stage.deps],
                "params": [
                    f"{p.path}:{k}" for p in stage.params for k in (p.keys or ("(whole file)",))
                ],
                "outs": [o.repo_path for o in stage.outs],
                "frozen": stage.frozen,
                "last_run": last.get((stage.file, stage.name)),
            }
        )
    order = [r.stage for r in rows]
    return {
        "files": [f.path for f in project.files],
        "stages": stages,
        "edges": [{"from": a, "to": b} for a, b in edges(project.graph, order)],
        "empty": EMPTY_PIPELINE,
    }


def lineage_view(repo: GitRepo, target: str, direction: str) -> JsonObject:
    """The lineage graph of ``target`` (``git ml lineage --json``)."""

    if not target.strip():
        raise UsageError("name what to trace: ?target=RUN|MODEL@STAGE|MODEL:VERSION|DATASET")
    return trace(repo, target.strip(), direction=direction or "both").as_dict()


def plots_of(repo: GitRepo, docs: Sequence[RunRecord]) -> list[JsonObject]:
    """The plots declared in the runs' stage files, with each run's data."""

    return run_plots(repo, docs)
