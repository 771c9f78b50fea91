"""Runs on ``refs/gitml/runs``: finding and listing runs (``runs.save`` writes them).

A run is one commit: ``runs/<shard>/<id>.toml`` (the record), ``runs/<shard>/<id>.history.csv``
(per-step metric history, when a metric has more than one value) and ``env/<digest>.txt``
(the installed-package list, stored once for all runs that share it). The commit takes the
run's code checkpoint as an extra parent (``runs.link_checkpoints``), so checkpoints stay
reachable and travel with the runs. Reads go through the SQLite index in ``.git/gitml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.errors import AmbiguousId, GitmlError, InvalidRecord, RecordNotFound
from gitml.records import ids
from gitml.records.limits import size_problem
from gitml.records.typed import typed
from gitml.runs import HIDDEN_COUNT_CAP
from gitml.runs import RUN_KIND as RUN_KIND
from gitml.runs.metrics import MetricEvent, load_history
from gitml.runs.paths import NAME_RE, env_path, history_path, runs_collection
from gitml.storage import RUNS_REF
from gitml.storage.collection import Collection, Layout
from gitml.storage.index import NAME_INDEX, Index, Parser, parse_record, row_doc
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.codec import Doc
    from gitml.records.shapes import RunRecord

DEFAULT_LIMIT = 20
DIRECT_MAX = 64
"""At most this many runs are read from their blobs while the index is behind."""


class InvalidRunRef(GitmlError):
    """Text that can be neither a run id, an id prefix nor a run name."""


def parse_run_record(path: str, data: bytes, layout: Layout | None = None) -> Doc | None:
    """Index parser: a valid record that is what its path says (``integrity.layouts``),
    filed as ``layout`` (the collection's) says."""
    doc = parse_record(path, data)
    if doc is not None:
        from gitml.integrity.layouts import require_identity

        require_identity(RUNS_REF, path, data, doc, layout=layout)
    return doc


def run_parser(collection: Collection) -> Parser:
    """The index parser for runs filed as ``collection``'s layout says."""
    return partial(parse_run_record, layout=collection.current_layout())


def open_index(
    repo: GitRepo, *, lookups: bool = True, warm: bool = True
) -> tuple[Collection, Index]:
    """The runs collection and the index, brought up to date with the run parser.

    ``lookups``: with the indexes of the lookups by name and by parent (``_INDEXES``). A
    listing, which reads neither, leaves them to the first command that does: a first
    load then answers without building them. ``warm``: when bringing it up to date left
    its ``fields`` table incomplete (a load, many new records), start filling it in the
    background (``storage.fields_warm``); a caller about to fill it says False.
    """
    collection = runs_collection(repo)
    index = Index.for_collection(collection)
    _bring_up_to_date(collection, index, lookups=lookups, warm=warm)
    return collection, index


def _bring_up_to_date(
    collection: Collection, index: Index, *, lookups: bool, warm: bool = True
) -> None:
    """``open_index`` on an index already made for ``collection``."""
    indexed = index.indexed_tip(collection.ref)
    tip = collection.tip()
    if indexed != (tip or ""):
        if indexed is None and tip is not None:
            # A fresh index: a trusted snapshot spares parsing the records it covers.
            from gitml.storage.index_snapshot import seed_index

            seed_index(collection, index, indexes=_INDEXES if lookups else ())
        # Records to parse: they must follow the collection's layout. (Reading it starts a
        # git process, which a warm index, the usual case, does not need.)
        index.parse = run_parser(collection)
    else:
        index.parse = parse_run_record
    if lookups:
        # Before the refresh: a rebuild fills them, and the planner's statistics it leaves
        # cover them.
        index.ensure_indexes(_INDEXES)
    index.refresh(collection)
    if warm and indexed != (tip or ""):
        from gitml.storage.fields_warm import warm_later  # after a load or new records only

        warm_later(index, collection.repo.commondir)


_INDEXES = (
    # Lookups by name (``show NAME``, and every id prefix, which could also be a name) and
    # by parent (a run's reruns) use these instead of reading every record's JSON; the
    # trailing columns give the order those queries ask for, so SQLite prefers them.
    # ``name`` and ``parent`` are the index's copies of the record's fields (``DOC_COLUMNS``).
    "CREATE INDEX IF NOT EXISTS runs_name ON records(ref, name, seq, id)",
    # Only reruns have a parent: the others take no room in it.
    "CREATE INDEX IF NOT EXISTS runs_parent ON records(ref, parent, id) WHERE parent IS NOT NULL",
    # Names by kind, for completion; a first load leaves it too.
    NAME_INDEX,
)
_LOOKUP_FIELDS = frozenset({"name", "parent"})
"""The query fields ``_INDEXES`` order runs by: a ``--where`` on one makes them."""


def _rows(
    repo: GitRepo,
    where: str,
    params: Sequence[Any],
    limit: int | None = None,
    order: str = "id DESC",
) -> list[RunRecord]:
    collection, index = open_index(repo)
    try:
        rows = index.rows(collection, where, params, order, limit, kind=RUN_KIND)
        return [typed(r.doc, "run", where=None) for r in rows]
    finally:
        index.close()


def find_run(repo: GitRepo, run_id: str) -> RunRecord | None:
    return find_runs(repo, [run_id]).get(run_id)


def find_runs(repo: GitRepo, run_ids: Sequence[str]) -> dict[str, RunRecord]:
    """run id -> record of each of ``run_ids`` found (one query per 500 ids).

    While the index is behind the ref (a fresh CI checkout, say) a few ids are read
    straight from their blobs, so looking up some runs never costs parsing all of them.
    One connection answers both whether the index is behind and the query.
    """
    wanted = sorted(set(run_ids))
    if not wanted:
        return {}
    collection = runs_collection(repo)
    index = Index.for_collection(collection)
    try:
        behind = index.indexed_tip(collection.ref) != (collection.tip() or "")
        if behind and len(wanted) <= DIRECT_MAX and all(ids.is_id(i) for i in wanted):
            index.close()
            return _read_direct(collection, wanted)
        _bring_up_to_date(collection, index, lookups=True)
        out: dict[str, RunRecord] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            where = f"id IN ({','.join('?' * len(chunk))})"
            for row in index.rows(collection, where, chunk, "id DESC", None, kind=RUN_KIND):
                doc = typed(row.doc, "run", where=None)
                out[doc["id"]] = doc
        return out
    finally:
        index.close()


def _read_direct(collection: Collection, wanted: Sequence[str]) -> dict[str, RunRecord]:
    """The runs of ``wanted`` (ids) read from their blobs, checked as the index checks them."""
    parse = run_parser(collection)
    out: dict[str, RunRecord] = {}
    for run_id in wanted:
        path = collection.record_path(run_id)
        data = collection.read(path)
        if data is None:
            continue
        try:
            doc = parse(path, data)
        except InvalidRecord:
            continue  # the index leaves invalid records out too
        if doc is not None and doc.get("schema") == RUN_KIND:
            out[run_id] = typed(row_doc(doc), "run", where=None)  # parse validated it
    return out


def get_run(repo: GitRepo, text: str) -> RunRecord:
    """A run by full id, name (the latest recorded run of that name wins) or unique id prefix."""
    wanted = text.strip()
    upper = wanted.upper()
    if ids.is_id(upper):
        doc = find_run(repo, upper)
        if doc is None:
            raise RecordNotFound(f"no run with id {upper}; `git ml ls --all` lists runs")
        return doc
    prefix = ids.normalise_prefix(wanted)
    if prefix is None and not NAME_RE.fullmatch(wanted):
        raise InvalidRunRef(
            f"{text!r} is not a run id, id prefix or run name; `git ml ls --all` lists runs"
        )
    if NAME_RE.fullmatch(wanted):
        # "Latest" by the ref's own commit order: a pulled record's id may claim any time.
        named = _rows(repo, "name = ?", [wanted], 1, "seq DESC, id DESC")
        if named:
            return named[0]
    if prefix is not None:
        collection, index = open_index(repo)
        try:
            matches = index.ids_with_prefix(collection, prefix, limit=11, kind=RUN_KIND)
        finally:
            index.close()
        if len(matches) == 1:
            doc = find_run(repo, matches[0])
            if doc is not None:
                return doc
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (", ..." if len(matches) > 10 else "")
            raise AmbiguousId(
                f"run id prefix {prefix!r} matches {len(matches)}"
                f"{'+' if len(matches) > 10 else ''} runs ({shown}); give more characters"
            )
    raise RecordNotFound(
        f"no run matches {text!r} (id, id prefix or name); `git ml ls --all` lists runs"
    )


def load_run_history(repo: GitRepo, doc: RunRecord) -> tuple[list[MetricEvent], str | None]:
    """(per-step metric history, None), or (the run's summary values, the problem) when
    there is no history blob (problem None) or it is unreadable or over the size limit."""
    collection = runs_collection(repo)
    path = history_path(collection.record_path(doc["id"]))
    data = collection.read(path)
    metrics = doc["metrics"]
    summary = [MetricEvent(name, 0, value) for name, value in sorted(metrics.items())]
    if data is None:
        return summary, None
    problem = size_problem(path, len(data))
    if problem is None:
        try:
            return load_history(data), None
        except InvalidRecord as exc:
            problem = str(exc)
    return summary, f"{RUNS_REF}:{path} {problem}; showing the final values only"


def read_history(repo: GitRepo, doc: RunRecord) -> list[MetricEvent]:
    """Per-step metric history of a run (its summary values when there is none to read)."""
    return load_run_history(repo, doc)[0]


def read_packages(repo: GitRepo, doc: RunRecord) -> list[str]:
    """The installed-package list a run recorded ([] when unknown)."""
    packages = doc["env"].get("packages")
    digest = packages["digest"] if packages is not None else ""
    data = runs_collection(repo).read(env_path(digest.partition(":")[2])) if digest else None
    return data.decode("utf-8").splitlines() if data else []


class Listing(NamedTuple):
    runs: list[RunRecord]
    more: bool
    hidden_other_branches: int = 0
    """When ``runs`` is empty on a branch: the matches on every branch, at most
    ``HIDDEN_COUNT_CAP`` + 1 (which says "more than ``HIDDEN_COUNT_CAP``")."""
    invalid: tuple[str, ...] = ()
    """One line per run record that could not be read (left out of ``runs``)."""


def _open_for_query(
    repo: GitRepo, *, fields: bool, where: str | None = None
) -> tuple[Collection, Index]:
    """``open_index``, with the ``fields`` table filled and ``index.QUERY_INDEXES`` made when
    the query reads it (``fields``: a ``--where`` or ``--sort``), and the lookup indexes when
    ``where`` tests a run's name or parent; a first load leaves them to the first such
    query (or the background fill)."""
    lookups = False
    if where:
        from gitml.runs.query import where_fields

        lookups = not where_fields(where).isdisjoint(_LOOKUP_FIELDS)
    collection, index = open_index(repo, lookups=lookups, warm=not fields)
    if fields:
        try:
            index.fill_fields()
        except BaseException:
            index.close()
            raise
    return collection, index


def list_runs(
    repo: GitRepo,
    *,
    where: str | None = None,
    sort: Sequence[str] = (),
    limit: int | None = DEFAULT_LIMIT,
    branch: str | None = None,
    all_branches: bool = False,
    commits: Sequence[str] | None = None,
    offset: int = 0,
) -> Listing:
    """Runs matching a query, newest first unless ``sort`` says otherwise.

    Runs of ``branch`` only (default: the current branch; every run when HEAD is
    detached or ``all_branches``), or made on one of ``commits``. ``limit=None``
    returns every match; ``more`` tells whether the limit cut the list; ``offset``
    skips that many matches (paging).
    """
    condition, params, by_branch = _condition(repo, where, branch, all_branches, commits)
    order = "id DESC"
    along = None
    if sort:
        from gitml.runs.query import compile_sort, field_sort

        order = compile_sort(sort) + ", id DESC"
        along = field_sort(sort) if limit is not None else None
    collection, index = _open_for_query(repo, fields=bool(where or sort), where=where)
    try:
        rows = None
        if limit is not None and (along is not None or (where and not sort)):
            # A page in one params/metrics/tags entry's order, or newest first: walk that
            # order, testing each run, and stop at the page.
            probing, probe_params, _ = _condition(repo, where, None, True, commits, probe=True)
            if along is not None:
                if by_branch is not None:
                    probing = f"{probing} AND branch = ?"
                    probe_params = [*probe_params, by_branch]
                rows = index.rows_along(
                    collection,
                    along[0],
                    descending=along[1],
                    time=along[2],
                    where=probing,
                    params=probe_params,
                    limit=limit + 1,
                    offset=max(0, offset),
                    kind=RUN_KIND,
                )
            else:
                rows = index.rows_newest(
                    collection,
                    where=probing,
                    params=probe_params,
                    limit=limit + 1,
                    offset=max(0, offset),
                    kind=RUN_KIND,
                    branch=by_branch,
                )
        if rows is None:
            fetch = None if limit is None else limit + 1
            rows = index.rows(
                collection, condition, params, order, fetch, max(0, offset), kind=RUN_KIND
            )
        docs = [typed(r.doc, "run", where=None) for r in rows]
        more = limit is not None and len(docs) > limit
        docs = docs[:limit] if limit is not None else docs
        hidden = 0
        if by_branch is not None and not docs:  # what the branch filter alone hid
            hidden = _hidden_count(repo, index, collection, where)
        invalid = tuple(error for _path, error in index.errors(collection))
    finally:
        index.close()
    return Listing(runs=docs, more=more, hidden_other_branches=hidden, invalid=invalid)


def _hidden_count(repo: GitRepo, index: Index, collection: Collection, where: str | None) -> int:
    """The runs matching ``where`` on any branch, up to ``HIDDEN_COUNT_CAP`` + 1: walked
    newest first until that many are found, or (when that walk is long: few match)
    counted by the row-selecting condition."""
    probing, probe_params, _ = _condition(repo, where, None, True, probe=True)
    found = index.count_upto(
        collection, HIDDEN_COUNT_CAP, where=probing, params=probe_params, kind=RUN_KIND
    )
    if found is None:
        anywhere, anywhere_params, _ = _condition(repo, where, None, True)
        found = index.count(collection, anywhere, anywhere_params, kind=RUN_KIND)
    return min(found, HIDDEN_COUNT_CAP + 1)


def _condition(
    repo: GitRepo,
    where: str | None,
    branch: str | None,
    all_branches: bool,
    commits: Sequence[str] | None = None,
    *,
    probe: bool = False,
) -> tuple[str, list[Any], str | None]:
    """The SQL condition, its parameters, and the branch whose runs alone it keeps."""
    if all_branches or commits is not None:
        branch = None
    elif branch is None:
        from gitml.storage.tracked import current_branch

        branch = current_branch(repo)
    clauses: list[str] = []
    params: list[Any] = []
    if where:
        from gitml.runs.query import compile_where

        sql, args = compile_where(where, probe=probe)
        clauses.append(f"({sql})")
        params.extend(args)
    if commits is not None:
        wanted = sorted(set(commits))
        clauses.append(f"json_extract(doc, '$.code.commit') IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    if branch is not None:
        clauses.append("branch = ?")  # the index's copy of code.branch (``DOC_COLUMNS``)
        params.append(branch)
    return " AND ".join(clauses) or "1", params, branch


def count_runs(
    repo: GitRepo,
    *,
    where: str | None = None,
    branch: str | None = None,
    all_branches: bool = False,
) -> int:
    """How many runs ``list_runs`` with the same filter would return without a limit."""
    condition, params, _ = _condition(repo, where, branch, all_branches)
    collection, index = _open_for_query(repo, fields=bool(where), where=where)
    try:
        return index.count(collection, condition, params, kind=RUN_KIND)
    finally:
        index.close()


def show_run(repo: GitRepo, text: str) -> tuple[RunRecord, list[MetricEvent], str | None]:
    """A run (by id, prefix or name), its metric history and why that history could not
    be read (None when it could)."""
    doc = get_run(repo, text)
    return (doc, *load_run_history(repo, doc))
