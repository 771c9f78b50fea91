"""Ids cannot be forged into "latest": ids may not claim the future, and latest is commit order."""

from __future__ import annotations

import json
import re

from gitml.records import codec
from gitml.storage.collection import shard_of
from tests.integrity.forge import forge_commit, push_forced, show
from tests.support.core import cli, git
from tests.support.integrity import (
    Team,
    id_at,
    monitor_doc,
    now_env,
    ok,
    run_paths,
    save_monitor,
    tip,
)
from tests.support.registry import record_run

RUNS = "refs/gitml/runs"
MONITOR = "refs/gitml/monitor"


def forged_run(team: Team, run_id: str, name: str) -> tuple[str, str]:
    """A copy of a genuine run record re-labelled as ``run_id`` named ``name``."""
    source = show(team.attacker, f"{RUNS}:{run_paths(team.attacker)[0]}")
    own = re.search(r'^id = "(\w+)"', source, re.M)
    assert own is not None
    text = source.replace(own.group(1), run_id)
    text = re.sub(r'^name = ".*"$', f'name = "{name}"', text, flags=re.M)
    text = re.sub(
        r"^command = \[[^\]]*\]", 'command = ["sh", "-c", "touch pwned"]', text, flags=re.M
    )
    return f"runs/{shard_of(run_id)}/{run_id}.toml", text


def test_pull_refuses_a_run_whose_id_claims_the_future(team: Team) -> None:
    run_id = "7ZZZZZZZZZ" + id_at(0)[10:]
    path, text = forged_run(team, run_id, "baseline")
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, RUNS)
    result = cli("pull")
    assert result.exit_code == 1
    assert bad[:12] in result.stderr
    assert f"{path}, which has id {run_id}" in result.stderr
    assert "ids cannot claim the future" in result.stderr
    assert cli("show", run_id).exit_code == 1


def test_pull_refuses_commits_dated_in_the_future(team: Team) -> None:
    """The commit's date alone: the run it adds has an id of now, which its commit allows."""
    path, text = forged_run(team, id_at(0), "baseline")
    future = {"GIT_COMMITTER_DATE": "@9999999999 +0000"}
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=future)
    push_forced(team.attacker, bad, RUNS)
    result = cli("pull")
    assert result.exit_code == 1, result
    assert f"commit {bad[:12]} is dated 2286-11-20" in result.stderr, result
    assert "in the future" in result.stderr, result


def test_name_lookup_takes_the_latest_run_in_commit_order(team: Team) -> None:
    ahead = id_at(200)  # within the allowed clock skew, so the pull accepts it
    path, text = forged_run(team, ahead, "baseline")
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, RUNS)
    ok("pull")
    genuine = record_run(team.victim, metrics={"acc": 0.9}, name="baseline")
    assert genuine < ahead
    assert json.loads(ok("show", "baseline", "--json"))["id"] == genuine


def test_check_all_reports_an_id_from_the_future_already_local(team: Team) -> None:
    run_id = "7ZZZZZZZZZ" + id_at(0)[10:]
    path, text = forged_run(team, run_id, "baseline")
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, RUNS)
    git(team.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    result = cli("check", "--all")
    assert result.exit_code == 1
    assert f"commit {bad[:12]} adds {path}, which has id {run_id}" in result.stderr


def forged_report(team: Team, report_id: str) -> tuple[str, str]:
    doc = monitor_doc("1.2.0", alert=False, report_id=report_id)
    return f"monitor/churn/1.2.0/{report_id}.toml", codec.dumps(doc)


def promote_production(team: Team) -> tuple[int, str]:
    result = cli("promote", "churn", "1.2.0", "production")
    return result.exit_code, result.stderr


def test_pull_refuses_a_monitor_report_whose_id_claims_the_future(governed_team: Team) -> None:
    team = governed_team
    save_monitor(team.victim, "1.2.0", alert=True)
    ok("push", "--no-data")
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    path, text = forged_report(team, "7ZZZZZZZZZ" + id_at(0)[10:])
    bad = forge_commit(team.attacker, tip(team.attacker, MONITOR), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, MONITOR)
    result = cli("pull")
    assert result.exit_code == 1
    assert path in result.stderr
    code, stderr = promote_production(team)
    assert code == 1
    assert "has an alert" in stderr


def test_require_monitor_ok_reads_the_latest_report_in_commit_order(governed_team: Team) -> None:
    team = governed_team
    path, text = forged_report(team, id_at(200))
    bad = forge_commit(team.attacker, tip(team.attacker, MONITOR), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, MONITOR)
    ok("pull")
    save_monitor(team.victim, "1.2.0", alert=True)  # a genuine alert, recorded after the pull
    code, stderr = promote_production(team)
    assert code == 1, stderr
    assert "the latest monitoring report" in stderr
    assert "has an alert" in stderr
