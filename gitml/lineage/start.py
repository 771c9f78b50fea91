"""Where a lineage walk starts: a run, a model version, a dataset or a path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.data.pointers import work_tree_pointers
from gitml.errors import GitmlError, RecordNotFound
from gitml.lineage.nodes import Datasets, Node, data_node, model_node, run_node
from gitml.objects.digest import hash_file
from gitml.registry.query import parse_ref, resolve
from gitml.registry.store import open_index
from gitml.runs.store import get_run

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.records.shapes import ModelVersionRecord, RunRecord
    from gitml.storage.repo import GitRepo


def _settings(repo: GitRepo) -> Settings:
    return load_settings(repo.workdir_or_gitdir)


def model_stages(repo: GitRepo, docs: Sequence[ModelVersionRecord]) -> dict[str, list[str]]:
    """``model:version`` -> the applied stages holding it."""
    if not docs:
        return {}

    settings = _settings(repo)
    models = sorted({d["model"] for d in docs})
    with open_index(repo) as index:
        state = index.state(models, settings.stages, settings.terminal_stages)
    out: dict[str, list[str]] = {}
    for model, held in state.items():
        for stage, value in held.items():
            for version in value if isinstance(value, tuple) else (value,):
                out.setdefault(f"{model}:{version}", []).append(stage)
    return out


def versions_of_runs(repo: GitRepo, run_ids: Sequence[str]) -> list[ModelVersionRecord]:
    if not run_ids:
        return []

    with open_index(repo) as index:
        return index.versions_of_runs(run_ids)


def start_node(repo: GitRepo, text: str, data: Datasets) -> tuple[Node, set[str], RunRecord | None]:
    """The node ``text`` names, the digests it stands for and the run's record if it is one.

    ``NAME@STAGE``/``NAME:VERSION`` is a model version; a dataset name or a path in the
    work tree is data (its current version); anything else is a run.
    """
    if "@" in text or ":" in text:
        doc = resolve(repo, _settings(repo), parse_ref(text))
        stages = model_stages(repo, [doc]).get(f"{doc['model']}:{doc['version']}", [])
        return model_node(doc, stages), set(), None
    if text in data.by_name:
        pointer = work_tree_pointers(repo.workdir)[text]
        digest = str(pointer.manifest)
        return data_node(pointer.path, digest, data), data.aliases(text, digest), None
    path = _work_path(repo, text)
    if path is not None:
        digest = _content_digest(repo.workdir, path)
        name = data.by_path.get(path)
        if name is not None:
            manifest = str(work_tree_pointers(repo.workdir)[name].manifest)
            aliases = data.aliases(name, manifest) | {digest}
            return data_node(path, manifest, data), aliases, None
        return data_node(path, digest, data), {digest}, None

    try:
        run = get_run(repo, text)
    except (RecordNotFound, GitmlError) as exc:
        raise RecordNotFound(
            f"{text!r} is no run, model version (NAME@STAGE, NAME:VERSION), dataset or path "
            f"in the work tree ({exc})"
        ) from None
    return run_node(run), set(), run


def _work_path(repo: GitRepo, text: str) -> str | None:
    """``text`` as a path of the work tree (from the current folder, else from the root)."""
    if repo.is_bare:
        return None
    root = repo.workdir
    for base in (Path.cwd(), root):
        full = (base / text).resolve()
        if full.exists() and (full == root or root in full.parents):
            rel = full.relative_to(root).as_posix()
            if rel != "." and rel != ".git" and not rel.startswith(".git/"):
                return rel
    return None


def _content_digest(root: Path, rel: str) -> str:
    """What a run records for ``rel``: a file's digest, a folder's listing digest."""

    path = root / rel
    if path.is_file():
        return str(hash_file(path))
    from gitml.objects.ingest import folder_digest  # with the caches, for folders only

    return str(folder_digest(root, rel))
