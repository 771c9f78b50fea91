"""One hostile record must not stop every reader: limits on nesting, size and queries.

Each bad record here is already in the local refs (as a plain `git fetch` into refs/gitml
would put it); every reader must answer with at most a one-line complaint naming it, never
a traceback (exit 3) or a 500, and pulls refuse such records before they arrive.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from gitml.storage.collection import shard_of
from tests.integrity.forge import GITLINK, forge_commit, push_forced, show
from tests.support.core import cli, git
from tests.support.integrity import Team, id_at, now_env, ok, run_paths, tip
from tests.support.registry import land
from tests.support.ui import fetch, serving

RUNS = "refs/gitml/runs"
REGISTRY = "refs/gitml/registry"
DEEP = "x = " + "[" * 2000 + "]" * 2000 + "\n"


def _local(repo: Path, ref: str, **change: object) -> str:
    """Move a local gitml ref to a hand-made commit on top of it."""
    commit = forge_commit(repo, tip(repo, ref) or None, env=now_env(), **change)  # type: ignore[arg-type]
    git(repo, "update-ref", ref, commit)
    return commit


def _no_crash(*args: str) -> str:
    """No traceback; a reader says one line per bad record (checks list every problem)."""
    result = cli(*args)
    assert result.exit_code in (0, 1, 2), (args, result)
    assert "unexpected error" not in result.stderr, (args, result.stderr)
    if args[0] not in ("check", "registry"):
        assert len(result.stderr.strip().splitlines()) <= 3, (args, result.stderr)
    return result.stderr


@pytest.fixture
def registered(governed: Path) -> Path:
    land(governed, "promote", "churn", "1.2.0", "staging")
    ok("registry", "apply")
    return governed


def test_a_deeply_nested_record_is_one_line_for_every_reader(registered: Path) -> None:
    run_id = id_at(-10)
    run_path = f"runs/{shard_of(run_id)}/{run_id}.toml"
    _local(registered, RUNS, add={run_path: f'id = "{run_id}"\n{DEEP}'})
    version_path = "models/churn/versions/9.9.9.toml"
    _local(registered, REGISTRY, add={version_path: DEEP})
    monitor = "monitor/churn/1.2.0/" + id_at(-5) + ".toml"
    _local(registered, "refs/gitml/monitor", add={monitor: DEEP})
    for args in (
        ("ls", "--all"),
        ("show", run_id),
        ("compare", run_id, run_id),
        ("model", "ls"),
        ("model", "show", "churn"),
        ("model", "get", "churn@staging", "--to", str(registered / "out")),
        ("registry", "verify"),
        ("registry", "apply"),
        ("monitor", "log", "churn"),
        ("check", "--all"),
    ):
        _no_crash(*args)
    listed = cli("ls", "--all")
    assert listed.exit_code == 0, listed
    assert "nests tables or arrays more than 32 deep" in listed.stderr


def test_a_deeply_nested_stages_file_is_one_line(registered: Path) -> None:
    (registered / ".gitml" / "stages.toml").write_text('schema = "gitml/stages/1"\n' + DEEP)
    git(registered, "commit", "-q", "--no-verify", "-am", "deep")
    for args in (("registry", "apply"), ("registry", "verify"), ("check", "--all")):
        stderr = _no_crash(*args)
    assert "nests tables or arrays" in stderr


def test_a_gitlink_in_a_record_tree_is_skipped_by_readers_and_reported(registered: Path) -> None:
    head = git(registered, "rev-parse", "HEAD").strip()
    entry = "models/churn/versions/7.7.7.toml"
    _local(registered, REGISTRY, entries={entry: (GITLINK, head)})
    for args in (
        ("ls", "--all"),
        ("model", "ls"),
        ("model", "get", "churn@staging", "--to", str(registered / "out")),
        ("registry", "apply"),
    ):
        _no_crash(*args)
    check = cli("check", "--all")
    assert check.exit_code == 1
    assert f"{entry} as a gitlink" in check.stderr
    verify = cli("registry", "verify")
    assert verify.exit_code == 1
    assert entry in verify.stdout


def test_a_record_path_that_is_not_utf8_is_one_line_for_every_reader(registered: Path) -> None:
    """A plain ``git fetch`` brings whatever path was pushed: a run record named by bytes
    that are not UTF-8 is one line naming it (escaped), never a crash."""
    _local(registered, RUNS, add={"runs/\udcff.toml": 'schema = "gitml/run/1"\n'})
    for args in (
        ("ls", "--all"),
        ("ls", "--all", "--json"),
        ("ls", "--all", "--where", "status = 'completed'"),
    ):
        assert "runs/\\xff.toml: its path is not UTF-8" in _no_crash(*args), args
    check = cli("check", "--all")
    assert check.exit_code == 1
    assert "unexpected error" not in check.stderr


def test_a_malformed_history_is_one_warning(registered: Path) -> None:
    run = json.loads(ok("ls", "--all", "--json", "--limit", "1"))[0]["id"]
    path = f"runs/{shard_of(run)}/{run}.history.csv"
    _local(registered, RUNS, add={path: "name,step,value\nacc,notanint,0.5\n"})
    result = cli("show", run)
    assert result.exit_code == 0
    assert f"{path} is not a metric history (line 2" in result.stderr
    report = cli("report", run, "-o", str(registered / "r.html"))
    assert report.exit_code == 0, report.stderr


def test_oversized_records_are_refused_and_cheap_to_read(registered: Path) -> None:
    run = json.loads(ok("ls", "--all", "--json", "--limit", "1"))[0]["id"]
    history = f"runs/{shard_of(run)}/{run}.history.csv"
    big = "name,step,value\n" + "acc,1,0.5\n" * (2_000_000)
    _local(registered, RUNS, add={history: big})
    started = time.monotonic()
    result = cli("show", run)
    assert result.exit_code == 0
    assert "over the 16.0 MiB limit for a metric history" in result.stderr
    assert time.monotonic() - started < 10
    fat_id = id_at(-20)
    message = "m" * (2 << 20)
    fat = f'id = "{fat_id}"\nmessage = "{message}"\n'
    _local(registered, RUNS, add={f"runs/{shard_of(fat_id)}/{fat_id}.toml": fat})
    listed = cli("ls", "--all")
    assert listed.exit_code == 0, listed
    assert "over the 1.0 MiB limit for a record" in listed.stderr


def test_pull_refuses_an_oversized_record(team: Team) -> None:
    run_id = id_at(-1)
    path = f"runs/{shard_of(run_id)}/{run_id}.toml"
    source = show(team.attacker, f"{RUNS}:{run_paths(team.attacker)[0]}")
    text = source.replace('cwd = "."', f'cwd = "."\nmessage = "{"m" * (2 << 20)}"', 1)
    bad = forge_commit(
        team.attacker,
        tip(team.attacker, RUNS),
        add={path: text.replace(source[:0], "")},
        env=now_env(),
    )
    push_forced(team.attacker, bad, RUNS)
    result = cli("pull")
    assert result.exit_code == 1
    assert "over the 1.0 MiB limit for a record" in result.stderr


@pytest.mark.parametrize(
    "where",
    [
        "not " * 40 + "status = 'x'",
        "(" * 400 + "status = 'x'" + ")" * 400,
        " and ".join(["status = 'x'"] * 1000),
    ],
    ids=["not-x40", "parens-x400", "and-x1000"],
)
def test_oversized_queries_are_usage_errors_in_the_cli_and_the_ui(
    registered: Path, where: str
) -> None:
    result = cli("ls", "--where", where)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --where: more than")
    from urllib.parse import quote

    with serving(registered) as url:
        status, _headers, body = fetch(url + "api/runs?where=" + quote(where))
    assert status in (400, 414), body  # a client error, never a 500


def test_an_empty_sort_key_is_a_usage_error(registered: Path) -> None:
    result = cli("ls", "--sort", ",")
    assert result.exit_code == 2
    assert "--sort" in result.stderr


def test_a_record_over_the_limit_is_refused_when_written(registered: Path) -> None:
    from gitml.errors import InvalidRecord
    from gitml.storage.collection import Collection
    from gitml.storage.repo import open_repo

    run_id = id_at(0)
    path = f"runs/{shard_of(run_id)}/{run_id}.toml"
    runs = Collection(open_repo(registered), RUNS, "runs")
    before = tip(registered, RUNS)
    with pytest.raises(InvalidRecord, match=r"is 2\.0 MiB, over the 1\.0 MiB limit for a record"):
        runs.put(path, b"x" * (2 << 20), "too big")
    assert tip(registered, RUNS) == before


def test_a_very_long_history_is_thinned_when_written() -> None:
    from gitml.records.limits import MAX_HISTORY_BYTES
    from gitml.runs.metrics import MetricEvent, dump_history, load_history, thin_history

    events = [
        MetricEvent(name, step, step / 7) for name in ("acc", "loss") for step in range(700_000)
    ]
    blob = dump_history(events, merged=True)
    assert blob is not None
    assert len(blob) > MAX_HISTORY_BYTES
    thinned = thin_history(blob, MAX_HISTORY_BYTES)
    assert len(thinned) <= MAX_HISTORY_BYTES
    kept = load_history(thinned)
    for name in ("acc", "loss"):
        steps = [e.step for e in kept if e.name == name]
        assert steps[0] == 0
        assert steps[-1] == 699_999
        assert len(steps) > 100_000
