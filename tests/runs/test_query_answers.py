"""Every listing, count and query of the index answers exactly what the run records say:
``--where`` over attributes, params, metrics and tags under several sort orders, whole and
paged, compared with ``matches``/``sort_docs`` over the record blobs themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gitml
from gitml.query import matches, parse, parse_sort, sort_docs
from gitml.records import codec
from gitml.runs.query import sort_keys
from gitml.runs.store import count_runs, list_runs
from gitml.storage.index import is_record_path, row_doc
from tests.support.core import git


def _store(repo: Path) -> list[str]:
    """Runs differing in every attribute a query reads; their ids, oldest first."""
    made: list[str] = []

    def run(**kwargs: Any) -> None:
        metrics = kwargs.pop("metrics", {})
        fail = kwargs.pop("fail", False)
        try:
            with gitml.start_run(path=repo, **kwargs) as active:
                for key, values in metrics.items():
                    for value in values:
                        gitml.log_metric(key, value)
                if fail:
                    raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert active.doc is not None
        made.append(str(active.doc["id"]))

    run(
        name="alpha",
        params={"lr": 0.1, "batch": 32},
        tags={"team": "a"},
        message="first try",
        metrics={"acc": [0.5, 0.75], "loss": [1.0, 0.5]},
    )
    run(
        name="beta",
        params={"lr": 0.01},
        tags={"team": "b"},
        sweep=SWEEP,
        metrics={"acc": [0.9], "loss": [0.7]},
    )
    run(name="alpha", params={"lr": 0.1, "opt": "adam"}, parent=made[0], metrics={"acc": [0.6]})
    run(
        name="gamma",
        params={"lr": 0.001},
        tags={"flag": True},
        fail=True,
        metrics={"loss": [2.0, 1.5, 0.4]},
    )
    run(params={"lr": "0.1", "layers": [1, 2]}, tags={"team": "a"})
    run(name="delta", parent=made[1], sweep=SWEEP, message="retry", metrics={"acc": [0.2]})
    return made


def _records(repo: Path) -> dict[str, dict[str, Any]]:
    """run id -> its document, read straight from the record blobs."""
    out: dict[str, dict[str, Any]] = {}
    for line in git(repo, "ls-tree", "-r", "refs/gitml/runs").splitlines():
        meta, path = line.split("\t", 1)
        if not is_record_path(path):
            continue
        doc = row_doc(codec.loads(git(repo, "cat-file", "blob", meta.split()[2]), where=path))
        if doc.get("schema") == "gitml/run/1":
            out[str(doc["id"])] = doc
    return out


SWEEP = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
WHERE = [
    "status = 'completed'",
    "status != 'completed'",
    "status in ('failed', 'interrupted')",
    "name = 'alpha'",
    "name != 'alpha'",
    "name like 'a%' or name ilike 'G%'",
    "name is null",
    "not (name = 'alpha' and params.lr = 0.1)",
    "message like '%try%'",
    "message is not null",
    "host is not null",
    f"sweep = '{SWEEP}'",
    "sweep is null",
    "parent is not null",
    "user.name = 'Test User' and user.email like '%@%'",
    "code.dirty = false",
    "code.commit is not null and code.checkpoint is not null",
    "code.branch is not null",
    "rerun.verdict is null",
    "started > '2000-01-01' and ended < '2100-01-01'",
    "duration_s >= 0",
    "exit_code = 0",
    "params.lr = 0.1",
    "params.lr = '0.1'",
    "params.lr in (0.1, 0.01) or tags.team = 'b'",
    "tags.flag = true",
    "metrics.acc > 0.55",
    "min(metrics.loss) < 0.6",
    "steps(metrics.loss) >= 2",
    "id like '0%'",
]
SORTS = [
    [],
    ["-metrics.acc"],
    ["name"],
    ["-started"],
    ["params.lr", "-name"],
    ["status"],
    ["-sweep"],
    ["user.name"],
    ["-min(metrics.loss)"],
]


def test_where_and_sort_answer_what_the_records_say(repo_with_commit: Path) -> None:
    """Every query of ``WHERE`` under every order of ``SORTS``, whole and paged, selects,
    orders and counts the runs ``matches``/``sort_docs`` pick from the records, and gives
    their whole documents."""
    repo = repo_with_commit
    _store(repo)
    records = _records(repo)
    newest_first = [records[i] for i in sorted(records, reverse=True)]
    for where in WHERE:
        expr = parse(where)
        selected = [doc for doc in newest_first if matches(expr, doc)]
        counted = count_runs(gitml_repo(repo), where=where, all_branches=True)
        assert counted == len(selected), where
        for sort in SORTS:
            keys = [parse_sort(key) for key in sort_keys(sort)]
            expected = [doc["id"] for doc in (sort_docs(selected, keys) if keys else selected)]
            for limit in (None, 2):
                listing = list_runs(
                    gitml_repo(repo), where=where, sort=sort, limit=limit, all_branches=True
                )
                assert [doc["id"] for doc in listing.runs] == expected[:limit], (where, sort)
                assert listing.runs == [records[doc["id"]] for doc in listing.runs]
    assert {len([d for d in newest_first if matches(parse(w), d)]) for w in WHERE} > {0, 6}


def gitml_repo(repo: Path) -> Any:
    from gitml.storage.repo import open_repo

    return open_repo(repo)
