"""Datasets for the UI, read through the data domain (``git ml data ls/show/diff``).

A dataset is a pointer file in the work tree; its versions are the commits of HEAD's
history that changed that pointer (and the work tree's pointer when it differs).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gitml.data.catalog import list_datasets, show_dataset
from gitml.data.diff import data_diff
from gitml.data.pointers import parse_pointer, pointer_file
from gitml.data.revs import read_blobs
from gitml.data.workspace import open_workspace
from gitml.errors import RecordNotFound, UsageError
from gitml.objects.errors import DataError
from gitml.storage.git import iter_raw, run_git

if TYPE_CHECKING:
    from gitml.data.pointers import Pointer
    from gitml.data.workspace import DataWorkspace
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

EMPTY_DATA = "no datasets yet: git ml data add PATH"
MAX_VERSIONS = 100
WORKSPACE = "workspace"
_REV_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}|workspace")


def _workspace(repo: GitRepo) -> DataWorkspace | None:
    """The data workspace of the repository's work tree (None for a bare repository)."""

    if repo.is_bare:
        return None
    return open_workspace(repo.workdir)


def datasets(repo: GitRepo) -> JsonObject:
    """The datasets of the work tree's pointer files (``git ml data ls``)."""

    ws = _workspace(repo)
    return {"datasets": list_datasets(ws) if ws else [], "empty": EMPTY_DATA}


def _not_found(name: str) -> RecordNotFound:
    return RecordNotFound(f"no dataset {name!r}; `git ml data ls` lists datasets")


def dataset(repo: GitRepo, name: str) -> JsonObject:
    """One dataset (``git ml data show --files``: files and column profiles) and the
    versions its pointer file had in the history of HEAD."""

    ws = _workspace(repo)
    if ws is None or name not in ws.pointers():
        raise _not_found(name)
    try:
        shown = show_dataset(ws, name, files=True)
    except DataError as exc:
        if str(exc).startswith("no dataset named"):
            raise _not_found(name) from None
        raise
    return {"dataset": shown, "versions": dataset_versions(ws, name)}


def dataset_versions(ws: DataWorkspace, name: str) -> list[JsonObject]:
    """Newest first: the work tree's pointer when it differs from HEAD's, then each commit
    of HEAD's history that changed the pointer (``rev``, time, author, subject, manifest)."""

    path = pointer_file(ws.pointer_dir, name)
    proc = run_git(
        ws.workdir,
        "log",
        f"-n{MAX_VERSIONS}", "--no-renames", "--raw", "-z", "--no-abbrev",
        "--format=%x1e%H%x1f%aI%x1f%an%x1f%s", "HEAD", "--", path,
    )  # fmt: skip
    commits: list[JsonObject] = []
    if proc.returncode == 0:
        for item in iter_raw(proc.stdout):
            if isinstance(item, str):
                rev, when, author, subject = ([*item.lstrip("\x1e").split("\x1f"), "", "", ""])[:4]
                commits.append(
                    {"rev": rev, "time": when, "author": author, "subject": subject, "blob": ""}
                )
            elif commits and not commits[-1]["blob"]:
                commits[-1]["blob"] = item.new_oid
    blobs = read_blobs(ws.workdir, [c["blob"] for c in commits if c["blob"].strip("0")])
    out: list[JsonObject] = []
    current = ws.pointers().get(name)
    for commit in commits:
        data = blobs.get(commit.pop("blob"))
        pointer = (
            parse_pointer(data, name=name, where=f"{commit['rev'][:12]}:{path}") if data else None
        )
        commit.update(_pointer_fields(pointer))
        out.append(commit)
    if current is not None and (not out or out[0]["manifest"] != str(current.manifest)):
        out.insert(
            0,
            {
                "rev": WORKSPACE,
                "time": None,
                "author": None,
                "subject": "work tree (not committed)",
                **_pointer_fields(current),
            },
        )
    return out


def _pointer_fields(pointer: Pointer | None) -> JsonObject:
    if pointer is None:
        return {"manifest": None, "files": 0, "bytes": 0, "deleted": True}
    return {
        "manifest": str(pointer.manifest),
        "files": pointer.files,
        "bytes": pointer.nbytes,
        "deleted": False,
    }


def dataset_diff(repo: GitRepo, name: str, old: str, new: str) -> JsonObject:
    """Per-file changes of one dataset between two versions (``git ml data diff OLD NEW``)."""

    for rev in (old, new):
        if not _REV_RE.fullmatch(rev):
            raise UsageError(f"{rev!r} is not a version: use a commit id from the versions list")
    if old == WORKSPACE:
        raise UsageError("the work tree can only be the newer side of a diff")
    ws = _workspace(repo)
    if ws is None:
        raise _not_found(name)
    result = data_diff(ws, old, None if new == WORKSPACE else new).as_dict()
    result["changes"] = [c for c in result["changes"] if c["dataset"] == name]
    result["summary"] = {
        k: sum(c["status"] == k for c in result["changes"])
        for k in ("added", "deleted", "modified")
    }
    return result
