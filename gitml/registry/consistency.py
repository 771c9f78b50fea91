"""A model version's copied facts must be its run's: code, dirty flag, params, metrics, data.

``model register`` copies them from the run record so a version can be reviewed on its
own; a version record written by hand (or pushed by someone else) could claim clean code
and better metrics than its run had. ``version_problems`` compares the copy with the
run's own record; the promotion rules, ``registry verify``, ``check --all`` and
``git ml pull`` refuse a version that disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.codec import to_jsonable
from gitml.records.limits import check_size
from gitml.storage import RUNS_REF
from gitml.storage.collection import open_collection

if TYPE_CHECKING:
    from gitml.records.codec import Doc
    from gitml.storage.repo import GitRepo

# (field of the version, where the run keeps it)
COPIED = (
    ("run.name", "name"),
    ("run.status", "status"),
    ("code.commit", "code.commit"),
    ("code.checkpoint", "code.checkpoint"),
    ("code.branch", "code.branch"),
    ("code.dirty", "code.dirty"),
    ("params", "params"),
    ("metrics", "metrics"),
    ("inputs", "inputs"),
    ("outputs", "outputs"),
)


def _get(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _same(field: str, ours: Any, theirs: Any) -> bool:
    if field == "code.dirty":
        return bool(ours) == bool(theirs)
    if field in ("params", "metrics", "inputs", "outputs"):
        return bool(to_jsonable(dict(ours or {})) == to_jsonable(dict(theirs or {})))
    return bool(to_jsonable(ours) == to_jsonable(theirs))


def version_problems(version: Mapping[str, Any], run: Mapping[str, Any]) -> list[str]:
    """Each fact of ``version`` that differs from ``run``'s record (empty: consistent)."""
    label = f"{version.get('model')} {version.get('version')}"
    run_id = _get(version, "run.id")
    if run.get("id") != run_id:
        return [f"{label} names run {run_id}, not {run.get('id')}"]
    out = []
    for field, source in COPIED:
        ours, theirs = _get(version, field), _get(run, source)
        if not _same(field, ours, theirs):
            out.append(
                f"{label} says {field} = {_short(ours)}, but its run {run_id} recorded "
                f"{_short(theirs)}"
            )
    artifact = version.get("artifact") or {}
    digest = artifact.get("digest")
    if digest:
        outputs: Mapping[str, Any] = run.get("outputs") or {}
        recorded = outputs.get(str(artifact.get("path")))
        # A file inside a folder output, or a file the run did not record (registered with
        # a warning), has nothing here to be compared with.
        if recorded is not None and recorded != digest:
            out.append(
                f"{label}'s artifact {artifact.get('path')} is {digest}, but its run {run_id} "
                f"wrote {recorded}"
            )
    return out


def load_run(repo: GitRepo, run_id: str) -> Doc | None:
    """A run's record read straight from refs/gitml/runs at the one path its id allows
    (JSON form); None when it is not there or not readable. Cheaper than the query index
    for one run, which is all a promotion needs."""
    runs = open_collection(repo, RUNS_REF)
    path = runs.record_path(run_id)
    data = runs.read(path)
    if data is None:
        return None
    try:
        check_size(path, len(data))
        return dict(codec.to_jsonable(codec.loads(data, where=path)))
    except InvalidRecord:
        return None


def missing_run(version: Mapping[str, Any]) -> str:
    """The problem of a version whose run record is not in this clone."""
    return (
        f"{version.get('model')} {version.get('version')} names run "
        f"{_get(version, 'run.id')}, which is not on refs/gitml/runs here; fetch the runs "
        "(`git ml pull`) to check the version against it"
    )


def _short(value: Any, limit: int = 80) -> str:
    import json

    text = json.dumps(to_jsonable(value), sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problems_of(
    versions: Iterable[Mapping[str, Any]], runs: Mapping[str, Mapping[str, Any]]
) -> Iterator[tuple[Mapping[str, Any], str]]:
    """(version, problem) of every version checked against ``runs`` (run id -> record)."""
    for version in versions:
        run = runs.get(str(_get(version, "run.id")))
        for problem in (
            version_problems(version, run) if run is not None else [missing_run(version)]
        ):
            yield version, problem
