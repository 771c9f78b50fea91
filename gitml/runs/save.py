"""Writing a finished run to ``refs/gitml/runs`` (``runs.store`` finds and lists them).

A run is one commit: ``runs/<shard>/<id>.toml`` (the record), ``runs/<shard>/<id>.history.csv``
(per-step metric history, when a metric has more than one value) and ``env/<digest>.txt``
(the installed-package list, stored once for all runs that share it). The commit takes the
run's code checkpoint as an extra parent (``runs.link_checkpoints``), so checkpoints stay
reachable and travel with the runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.records.limits import MAX_HISTORY_BYTES
from gitml.records.typed import typed
from gitml.runs.metrics import thin_history
from gitml.runs.notes import note_with
from gitml.runs.paths import NAME_RE, env_path, history_path, runs_collection
from gitml.runs.record import commit_message, dump_record
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord


def check_run_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise GitmlError(
            f"run name {name!r} is not valid: use letters, digits, '.', '_', '+' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def save_run(
    repo: GitRepo,
    doc: Mapping[str, Any],
    *,
    history: bytes | None = None,
    packages: tuple[str, str] | None = None,
    link_checkpoint: bool = True,
) -> RunRecord:
    """Validate and write a finished run ``doc`` (as ``record.build_record`` makes it),
    with the notes brought up to date in the same ref transaction (``runs.notes``; in
    bulk work, soon after).

    ``packages`` is ``(digest hex, list text)``. Returns the record, as validated.
    """
    collection = runs_collection(repo)
    snap = collection.snapshot()  # the ref read once: its layout, its tip, the commit's base
    path = collection.record_path(str(doc["id"]), at=snap)
    run = typed(doc, "run", where=path)
    files: dict[str, bytes | None] = {path: dump_record(run)}
    if history is not None:
        # Others refuse a history over the limit, so a very long one is kept thinned.
        files[history_path(path)] = thin_history(history, MAX_HISTORY_BYTES)
    if packages is not None and packages[0]:
        files[env_path(packages[0])] = packages[1].encode("utf-8")
    code = run["code"]
    parents = [code["checkpoint"]] if link_checkpoint else []
    if parents and snap.tip is None:
        # A root commit first, so the checkpoint never becomes the ref's first parent
        # (first parents are the collection's own history).
        collection.write(lambda _snap: {}, "gitml runs: start the collection")
        snap = collection.snapshot()
    note = note_with(repo, path, run)
    collection.write(
        lambda _snap: files, commit_message(run), extra_parents=parents, also=note, first=snap
    )
    return run
