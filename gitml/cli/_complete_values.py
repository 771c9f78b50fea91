"""The repository's own values for shell completion: runs, models, stages, datasets, remotes.

Each kind is read the cheapest way that is still current: run names and ids from the
query index (refreshed first only when its tip is behind the runs ref), model names and
versions from the registry ref's tree, stages, data remotes and dataset names from the
work tree's settings. Outside a repository, or on any error, a kind has no values: a
completion never prints an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gitml.config import Settings, load_settings
from gitml.errors import GitmlError
from gitml.pipelines.project import open_project
from gitml.runs import RUN_KIND
from gitml.runs.store import open_index
from gitml.storage import REGISTRY_REF, RUNS_REF
from gitml.storage.peek import Where, git_remotes, index_rows, locate, ref_tip, tree_names
from gitml.storage.repo import open_repo

_ID_CHARS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def _runs(where: Where, prefix: str) -> list[str]:
    ids = bool(prefix) and set(prefix.upper()) <= _ID_CHARS  # ids only once typed
    found = index_rows(where, RUNS_REF, RUN_KIND, prefix, ids=ids)
    if found is None or found.tip != ref_tip(where, RUNS_REF):
        _refresh_run_index(where)
        found = index_rows(where, RUNS_REF, RUN_KIND, prefix, ids=ids)
    if found is None:
        return []
    return [*found.names, *found.ids]


def _refresh_run_index(where: Where) -> None:
    """Bring the index up to the runs ref (what ``git ml ls`` does first)."""
    _collection, index = open_index(open_repo(where.cwd))
    index.close()


def _models(where: Where, prefix: str) -> list[str]:
    return [n for n in tree_names(where, f"{REGISTRY_REF}:models/") if n.startswith(prefix)]


def _versions(where: Where, model: str, prefix: str) -> list[str]:
    if not model:
        return []
    files = tree_names(where, f"{REGISTRY_REF}:models/{model}/versions/")
    versions = [f.removesuffix(".toml") for f in files if f.endswith(".toml")]
    return [v for v in versions if v.startswith(prefix)]


def _settings(where: Where) -> Settings | None:
    if where.workdir is None:
        return None

    return load_settings(where.workdir)


def _stages(where: Where, prefix: str) -> list[str]:
    settings = _settings(where) or Settings()
    return [s for s in settings.stages if s.startswith(prefix)]


def _model_refs(where: Where, prefix: str) -> list[str]:
    name, at, stage = prefix.partition("@")
    if at:
        known = name in _models(where, name)
        return [f"{name}@{s}" for s in _stages(where, stage)] if known else []
    name, colon, version = prefix.partition(":")
    if colon:
        return [f"{name}:{v}" for v in _versions(where, name, version)]
    return _models(where, prefix)


def _datasets(where: Where, prefix: str) -> list[str]:
    settings = _settings(where)
    if settings is None or where.workdir is None:
        return []
    names = sorted(p.stem for p in (where.workdir / settings.pointer_dir).glob("*.toml"))
    return [n for n in names if n.startswith(prefix)]


def _data_remotes(where: Where, prefix: str) -> list[str]:
    settings = _settings(where)
    remotes = settings.data_remotes if settings is not None else ()
    return [r.name for r in remotes if r.name.startswith(prefix)]


def _git_remotes(where: Where, prefix: str) -> list[str]:
    return [r for r in git_remotes(where) if r.startswith(prefix)]


def _pipeline_stages(where: Where, prefix: str) -> list[str]:
    if where.workdir is None:
        return []

    stages = open_project(where.workdir, required=False).graph.stages
    return [address for address in stages if address.startswith(prefix)]


def _lineage(where: Where, prefix: str) -> list[str]:
    return [*_runs(where, prefix), *_model_refs(where, prefix), *_datasets(where, prefix)]


_KINDS: dict[str, Callable[[Where, str], list[str]]] = {
    "run": _runs,
    "model": _models,
    "model-ref": _model_refs,
    "stage": _stages,
    "dataset": _datasets,
    "data-remote": _data_remotes,
    "git-remote": _git_remotes,
    "pipeline-stage": _pipeline_stages,
    "lineage": _lineage,
}
_FALLBACKS = {"lineage": "files"}


def find(kind: str, prefix: str, *, context: Sequence[str]) -> tuple[list[str], str]:
    """Values of ``kind`` that start with ``prefix``, and the shell's fallback (``files``).

    ``context`` holds the positionals before the cursor (a version follows its model).
    """
    fallback = _FALLBACKS.get(kind, "")
    try:
        where = locate()
        if where is None:
            return [], fallback
        if kind == "version":
            values = _versions(where, context[0] if context else "", prefix)
        else:
            values = _KINDS[kind](where, prefix) if kind in _KINDS else []
    except (GitmlError, OSError):
        values = []
    return list(dict.fromkeys(values)), fallback
