"""Which runs to rerun, whether they can be, and which reruns a run already has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, RecordNotFound, UsageError
from gitml.records.typed import typed
from gitml.runs.redact import is_redacted
from gitml.runs.store import RUN_KIND, open_index
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord


class CheckpointMissing(GitmlError):
    """The code checkpoint of a run is not in this clone."""


class NotRerunnable(GitmlError):
    """The record lacks something a rerun needs."""


def _query(repo: GitRepo, where: str, params: list[Any], order: str) -> list[RunRecord]:
    collection, index = open_index(repo)
    try:
        rows = index.rows(collection, where, params, order, kind=RUN_KIND)
        return [typed(r.doc, "run", where=None) for r in rows]
    finally:
        index.close()


def find_reruns(repo: GitRepo, run_id: str) -> list[RunRecord]:
    """The reruns of a run (records whose ``parent`` is it and that carry a verdict), oldest
    first; a search's trials (whose parent is the study's run) and nested runs (whose
    parent is the run they ran inside) carry none, so they are not reruns."""
    where = "parent = ? AND json_extract(doc, '$.rerun') IS NOT NULL"
    return _query(repo, where, [run_id], "id ASC")


def check_checkpoint(repo: GitRepo, doc: RunRecord) -> str:
    """The run's checkpoint commit; ``CheckpointMissing`` saying what to fetch if absent."""
    sha = doc["code"]["checkpoint"]
    if repo.has_commit(sha):
        return sha
    where = f"run {doc['id']} ({doc['name']}): its code checkpoint {sha}"
    if (repo.commondir / "shallow").is_file():
        raise CheckpointMissing(
            f"{where} is not in this shallow clone; fetch the history with "
            "`git fetch --unshallow` (in CI: `git ml fetch --ci`) and rerun"
        )
    raise CheckpointMissing(
        f"{where} is not in this clone; fetch the records and the checkpoints they link with "
        "`git ml pull` (checkpoints travel only from clones with runs.link_checkpoints = true)"
    )


def check_command(doc: RunRecord) -> tuple[str, ...]:
    """The run's command; ``NotRerunnable`` if gitml hid parts of it as secrets."""

    command = tuple(str(w) for w in doc.get("command") or ())
    hidden = [w for w in command if is_redacted(w)]
    if hidden:
        raise NotRerunnable(
            f"run {doc['id']} ({doc['name']}): gitml hid secret values of its command when "
            f"recording it ({' '.join(command)}), so it cannot be rerun as recorded; pass "
            "secrets through environment variables instead"
        )
    return command


@dataclass(frozen=True)
class Selection:
    """The runs to rerun, and those a set left out (with why)."""

    runs: list[RunRecord]
    skipped: list[tuple[RunRecord, str]] = field(default_factory=list)


def _originals(docs: list[RunRecord]) -> Selection:
    runs: list[RunRecord] = []
    skipped: list[tuple[RunRecord, str]] = []
    for doc in docs:
        if doc.get("parent"):
            skipped.append((doc, f"a rerun of {doc['parent']}"))
        elif doc["status"] != "completed":
            skipped.append((doc, f"{doc['status']}, nothing to reproduce"))
        else:
            runs.append(doc)
    return Selection(runs, skipped)


def select_since(repo: GitRepo, rev: str) -> Selection:
    """Completed original runs whose code commit is in ``REV..HEAD``, oldest first."""
    found = repo.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if found.returncode != 0:
        raise UsageError(f"--since {rev!r}: not a commit in this repository")
    repo.require_commits()
    listed = repo.git("rev-list", f"{found.stdout.strip()}..HEAD").stdout.split()
    if not listed:
        return Selection([])
    import json

    docs = _query(
        repo,
        "json_extract(doc, '$.code.commit') IN (SELECT value FROM json_each(?))",
        [json.dumps(listed)],
        "id ASC",
    )
    return _originals(docs)


def select_sweep(repo: GitRepo, sweep: str) -> Selection:
    """Completed runs of a sweep (its id or a unique prefix), oldest first."""
    prefix = sweep.strip().upper()
    if not prefix.isalnum():
        raise UsageError(f"--sweep {sweep!r}: expected a sweep id (or its prefix)")
    docs = _query(
        repo,
        "json_extract(doc, '$.sweep') LIKE ? || '%'",
        [prefix],
        "id ASC",
    )
    sweeps = sorted({str(d["sweep"]) for d in docs})
    if not sweeps:
        raise RecordNotFound(f"no sweep matches {sweep!r}; `git ml ls --all` shows runs' sweeps")
    if len(sweeps) > 1:
        raise UsageError(f"--sweep {sweep!r} matches {len(sweeps)} sweeps; give more characters")
    return _originals(docs)
