"""Pointer files as they are in commits, read with the git CLI (``ls-tree``, ``cat-file``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from gitml.data.pointers import SUFFIX, Pointer, parse_pointers
from gitml.objects.errors import DataError
from gitml.storage.git import git_output, iter_objects, raw_changes, run_git


def resolve_commit(workdir: Path, rev: str) -> str:
    """The full id of the commit ``rev`` names; ``DataError`` if it names none."""
    proc = run_git(
        workdir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise DataError(f"unknown revision '{rev}'; use a commit id, branch or tag")
    return sha


def head_commit(workdir: Path) -> str | None:
    """HEAD's commit id, or ``None`` before the first commit."""
    try:
        return resolve_commit(workdir, "HEAD")
    except DataError:
        return None


def read_blobs(workdir: Path, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """The content of each blob (one ``git cat-file --batch`` for all of them)."""
    ids = list(dict.fromkeys(blob_ids))
    return {
        oid: found.data
        for oid, found in iter_objects(workdir, ids)
        if found is not None and found.kind == "blob"
    }


def pointer_blobs(workdir: Path, commit: str, pointer_dir: str) -> dict[str, str]:
    """``{file name: blob id}`` of the pointer files in ``commit``."""
    out = git_output(workdir, "ls-tree", "-z", "--full-tree", commit, "--", pointer_dir + "/")
    found: dict[str, str] = {}
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        _mode, kind, oid = meta.split()
        name = path.decode("utf-8", "replace").rpartition("/")[2]
        if kind == b"blob" and name.endswith(SUFFIX):
            found[name] = oid.decode()
    return found


def pointers_at(workdir: Path, rev: str, pointer_dir: str) -> dict[str, Pointer]:
    """The pointers in commit ``rev`` by dataset name (validated like work-tree ones)."""
    commit = resolve_commit(workdir, rev)
    blobs = pointer_blobs(workdir, commit, pointer_dir)
    data = read_blobs(workdir, blobs.values())
    return parse_pointers({name: data[oid] for name, oid in blobs.items()}, pointer_dir, rev)


def pointer_history(
    workdir: Path, pointer_dir: str, *, since_days: float | None, refs: Sequence[str]
) -> set[tuple[str, str]]:
    """``(file name, blob id)`` of every pointer seen in a commit of ``refs`` (in the window).

    Both sides of each change are collected, so a pointer that was current at any commit
    of the window is included even if it was written before the window began.
    """
    args = ["log", "--format=", "--raw", "-z", "--no-abbrev", "-m", "--no-renames", *refs]
    if since_days is not None:
        args.insert(1, f"--since={int(since_days * 86400)}.seconds.ago")
    args += ["--", pointer_dir + "/"]
    blobs: set[tuple[str, str]] = set()
    for change in raw_changes(git_output(workdir, *args)):
        name = change.path.rpartition("/")[2]
        if not name.endswith(SUFFIX):
            continue
        for oid in (change.old_oid, change.new_oid):
            if oid.strip("0"):
                blobs.add((name, oid))
    return blobs


def ref_tips(workdir: Path) -> list[str]:
    """Tips of branches, tags and remote-tracking branches (not fetched gitml records)."""
    out = git_output(
        workdir,
        "for-each-ref",
        "--format=%(refname) %(objectname) %(objecttype) %(*objecttype)",
        "refs/heads",
        "refs/tags",
        "refs/remotes",
    ).decode()
    tips = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or "commit" not in parts[2:]:
            continue
        if parts[0].startswith("refs/remotes/") and "/gitml/" in parts[0]:
            continue
        tips.append(parts[1])
    return tips
