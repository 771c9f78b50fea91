"""The route table: every page, JSON endpoint and static file the server answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gitml.runs.store import count_runs, get_run
from gitml.storage.tracked import current_branch
from gitml.ui import data, monitor, pages, registry
from gitml.ui import pipelines as pipeline_data
from gitml.ui import runs as run_data
from gitml.ui.assets import STATIC_FILES, openapi_bytes, static_bytes
from gitml.ui.http import Response, html_response, json_response
from gitml.ui.media import media_response
from gitml.ui.routes import Handler, Request, Router

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

MAX_PAGE = 500


def _static(url: str) -> Handler:
    name, content_type = STATIC_FILES[url]

    def handler(_req: Request) -> Response:
        return Response(
            status=200,
            body=static_bytes(name),
            content_type=content_type,
            headers={"Cache-Control": "no-cache"},
        )

    return handler


# --- pages -----------------------------------------------------------------------------


def _page(page: str, title: str, nav: str | None = None) -> Handler:
    """A page that is its shell alone (it fetches its data itself)."""

    def handler(_req: Request) -> Response:
        return html_response(pages.shell(page, title, nav=nav))

    return handler


def _named_page(
    page: str, title: str, *, nav: str, param: str, check: Callable[[GitRepo, str], object]
) -> Handler:
    """The page of one named thing (the route's ``param``): ``check`` raises if it is not there."""

    def handler(req: Request) -> Response:
        name = req.params[param]
        check(req.repo(), name)
        return html_response(pages.shell(page, f"{title} {name}", nav=nav, **{param: name}))

    return handler


def page_run(req: Request) -> Response:
    doc = get_run(req.repo(), req.params["run"])
    return html_response(pages.shell("run", f"Run {doc['name']}", nav="runs", run=str(doc["id"])))


# --- JSON ------------------------------------------------------------------------------


def api_summary(req: Request) -> Response:
    repo = req.repo()
    name = repo.workdir_or_gitdir.name
    return json_response(
        {
            "repository": name,
            "branch": current_branch(repo),
            "runs": count_runs(repo, all_branches=True),
            "datasets": len(data.datasets(repo)["datasets"]),
            "models": len(registry.models(repo)["models"]),
            "reports": monitor.count_reports(repo),
        }
    )


def api_runs(req: Request) -> Response:
    sort = [s for s in req.arg("sort").split(",") if s.strip()]
    columns = [c for c in req.arg("columns").split(",") if c.strip()]
    return json_response(
        run_data.runs_page(
            req.repo(),
            where=req.arg("where").strip(),
            sort=sort,
            columns=columns,
            offset=req.int_arg("offset", 0, 0, 10**9),
            limit=req.int_arg("limit", 50, 1, MAX_PAGE),
            branch=req.arg("branch").strip() or None,
        )
    )


def api_columns(req: Request) -> Response:
    return json_response({"columns": run_data.run_columns(req.repo())})


def api_run(req: Request) -> Response:
    return json_response(run_data.run_detail(req.repo(), req.params["run"]))


def api_run_diff(req: Request) -> Response:
    return json_response(run_data.run_diff(req.repo(), req.params["run"]))


def api_run_packages(req: Request) -> Response:
    return json_response(run_data.run_packages(req.repo(), req.params["run"]))


def api_run_media(req: Request) -> Response:
    return media_response(req.repo(), req.params["run"], req.params["index"])


def api_compare(req: Request) -> Response:
    repo = req.repo()
    if req.arg("sweep"):
        refs = run_data.sweep_refs(repo, req.arg("sweep"))
    else:
        refs = run_data.check_refs(req.arg("runs"))
    return json_response(run_data.comparison(repo, refs))


def api_datasets(req: Request) -> Response:
    return json_response(data.datasets(req.repo()))


def api_dataset(req: Request) -> Response:
    return json_response(data.dataset(req.repo(), req.params["name"]))


def api_dataset_diff(req: Request) -> Response:
    return json_response(
        data.dataset_diff(req.repo(), req.params["name"], req.arg("old"), req.arg("new"))
    )


def api_models(req: Request) -> Response:
    return json_response(registry.models(req.repo()))


def api_model(req: Request) -> Response:
    return json_response(registry.model(req.repo(), req.params["model"]))


def api_reports(req: Request) -> Response:
    return json_response(monitor.reports(req.repo()))


def api_model_reports(req: Request) -> Response:
    return json_response(monitor.model_reports(req.repo(), req.params["model"]))


def api_pipeline(req: Request) -> Response:
    return json_response(pipeline_data.pipeline_view(req.repo()))


def api_lineage(req: Request) -> Response:
    return json_response(
        pipeline_data.lineage_view(req.repo(), req.arg("target"), req.arg("direction", "both"))
    )


def api_openapi(req: Request) -> Response:
    return Response(200, openapi_bytes(), "application/json; charset=utf-8")


def build_router() -> Router:
    router = Router()
    dataset_page = _named_page("dataset", "Data", nav="data", param="name", check=data.dataset)
    model_page = _named_page("model", "Model", nav="registry", param="model", check=registry.model)
    reports_page = _named_page(
        "monitor-model", "Monitoring", nav="monitor", param="model", check=monitor.model_reports
    )
    router.add("page", "/", _page("runs", "Runs"), "Runs table")
    router.add("page", "/runs", _page("runs", "Runs"), "Runs table")
    router.add("page", "/runs/{run}", page_run, "One run")
    router.add("page", "/compare", _page("compare", "Compare"), "Runs compared")
    router.add("page", "/data", _page("data", "Data"), "Datasets")
    router.add("page", "/data/{name}", dataset_page, "One dataset")
    router.add("page", "/registry", _page("registry", "Registry"), "Models")
    router.add("page", "/registry/{model}", model_page, "One model")
    router.add("page", "/monitor", _page("monitor", "Monitoring"), "Monitoring reports")
    router.add("page", "/monitor/{model}", reports_page, "One model's monitoring")
    router.add("page", "/pipeline", _page("pipeline", "Pipeline"), "The pipeline's stages")
    lineage_page = _page("lineage", "Lineage", nav="pipeline")
    router.add("page", "/lineage", lineage_page, "Lineage of a run, model or dataset")
    router.add("api", "/api/openapi.json", api_openapi, "This API's OpenAPI document")
    router.add("api", "/api/summary", api_summary, "Repository summary")
    router.add("api", "/api/runs", api_runs, "A page of runs")
    router.add("api", "/api/runs/columns", api_columns, "Columns the runs table can show")
    router.add("api", "/api/runs/{run}", api_run, "One run with its metric curves")
    router.add("api", "/api/runs/{run}/diff", api_run_diff, "Checkpoint diff of a run")
    router.add("api", "/api/runs/{run}/packages", api_run_packages, "Installed packages")
    router.add("api", "/api/runs/{run}/media/{index}", api_run_media, "One media file of a run")
    router.add("api", "/api/compare", api_compare, "Runs compared")
    router.add("api", "/api/data", api_datasets, "Datasets")
    router.add("api", "/api/data/{name}", api_dataset, "One dataset")
    router.add("api", "/api/data/{name}/diff", api_dataset_diff, "Files changed between versions")
    router.add("api", "/api/registry", api_models, "Models")
    router.add("api", "/api/registry/{model}", api_model, "One model")
    router.add("api", "/api/monitor", api_reports, "Monitoring reports")
    router.add("api", "/api/monitor/{model}", api_model_reports, "One model's reports")
    router.add("api", "/api/pipeline", api_pipeline, "Stages with their state and last run")
    router.add("api", "/api/lineage", api_lineage, "Lineage graph of a run, model or dataset")
    for url in STATIC_FILES:
        router.add("static", url, _static(url), "Front-end file")
    return router
