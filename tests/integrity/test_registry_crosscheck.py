"""A model version's copied facts must equal its run's record, or it cannot go anywhere.

The attack: a copy of version 1.0.0 (dirty code, acc 0.8) pushed as 1.0.1 claiming clean
code and acc 0.99, then promoted through a pull request.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from gitml.registry.consistency import version_problems
from tests.integrity.forge import forge_commit, push_forced, show
from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages
from tests.support.integrity import Team, id_at, now_env, ok, publish, tip
from tests.support.registry import MODEL_FILE, record_run

REGISTRY = "refs/gitml/registry"
FORGED = "models/churn/versions/1.0.1.toml"
POLICY = """schema = "gitml/policy/1"

[stage.production]
min_metrics = { acc = 0.84 }
require_clean_code = true
"""


@pytest.fixture
def forged(team: Team) -> Team:
    """churn 1.0.0 from a dirty run with acc 0.8; the attacker pushed a 'clean' 1.0.1."""
    run = record_run(team.victim, metrics={"acc": 0.8}, dirty=True, model_bytes=b"model v1\n")
    ok("model", "register", "churn", "--run", run, "--version", "1.0.0", "--artifact", MODEL_FILE)
    (team.victim / ".gitml" / "policy.toml").write_text(POLICY)
    commit_all(team.victim, "Add a policy")
    publish(team)
    text = show(team.attacker, f"{REGISTRY}:models/churn/versions/1.0.0.toml")
    own = re.search(r'^id = "(\w+)"', text, re.M)
    assert own is not None
    text = text.replace(own.group(1), id_at(0)).replace('version = "1.0.0"', 'version = "1.0.1"')
    text = text.replace("dirty = true", "dirty = false").replace("acc = 0.8", "acc = 0.99")
    bad = forge_commit(
        team.attacker, tip(team.attacker, REGISTRY), add={FORGED: text}, env=now_env()
    )
    push_forced(team.attacker, bad, REGISTRY)
    return team


def _take_it_anyway(team: Team) -> None:
    """The forged record in the local refs, as a plain `git fetch` into refs/gitml would."""
    git(team.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")


def test_pull_refuses_a_version_that_disagrees_with_its_run(forged: Team) -> None:
    before = tip(forged.victim, REGISTRY)
    result = cli("pull")
    assert result.exit_code == 1
    assert FORGED in result.stderr
    assert "code.dirty = false" in result.stderr
    assert "metrics" in result.stderr
    assert tip(forged.victim, REGISTRY) == before


def test_verify_and_check_all_report_the_forged_version(forged: Team) -> None:
    _take_it_anyway(forged)
    verify = cli("registry", "verify")
    assert verify.exit_code == 1
    lines = [line for line in verify.stdout.splitlines() if FORGED in line]
    assert any("code.dirty" in line for line in lines), verify.stdout
    assert any("metrics" in line for line in lines), verify.stdout
    check = cli("check", "--all")
    assert check.exit_code == 1
    assert FORGED in check.stderr


def _pull_request(repo: Path, stage: str) -> str:
    git(repo, "checkout", "-q", "-b", f"promote-{stage}")
    write_stages(repo, {"churn": {stage: "1.0.1"}})
    return commit_all(repo, f"Promote churn 1.0.1 to {stage}")


@pytest.mark.parametrize("stage", ["staging", "production"])
def test_a_forged_version_fails_the_pr_check_and_apply(forged: Team, stage: str) -> None:
    _take_it_anyway(forged)
    _pull_request(forged.victim, stage)
    check = cli("check", "--base", "main")
    assert check.exit_code == 1
    assert "[matches-run]" in check.stderr
    git(forged.victim, "checkout", "-q", "main")
    git(forged.victim, "merge", "-q", "--no-ff", f"promote-{stage}", "-m", "Merge")
    before = tip(forged.victim, REGISTRY)
    applied = cli("registry", "apply")
    assert applied.exit_code == 1
    assert "[matches-run]" in applied.stderr
    assert tip(forged.victim, REGISTRY) == before
    got = cli("model", "get", f"churn@{stage}", "--to", str(forged.victim / "out"))
    assert got.exit_code == 1
    assert not (forged.victim / "out").exists()


RUN: dict[str, Any] = {
    "id": "01KE0C9A1B2C3D4E5F6G7H8J9K",
    "name": "brisk-fern",
    "status": "completed",
    "code": {"commit": "c" * 40, "checkpoint": "d" * 40, "branch": "main", "dirty": False},
    "params": {"lr": 0.1},
    "metrics": {"acc": 0.8},
    "inputs": {"data": "e" * 32},
    "outputs": {"model.bin": "f" * 32},
}


def _version_of(run: dict[str, Any]) -> dict[str, Any]:
    """The version record ``model register`` would copy from ``run``."""
    return {
        "model": "churn",
        "version": "1.0.0",
        "run": {"id": run["id"], "name": run["name"], "status": run["status"]},
        **{k: copy.deepcopy(run[k]) for k in ("code", "params", "metrics", "inputs", "outputs")},
        "artifact": {"path": "model.bin", "digest": run["outputs"]["model.bin"]},
    }


FACTS = [
    "run.name",
    "run.status",
    "code.commit",
    "code.checkpoint",
    "code.branch",
    "code.dirty",
    "params",
    "metrics",
    "inputs",
    "outputs",
]
"""Every fact a version copies from its run, listed here rather than read from the code, so
a fact dropped from the comparison fails its case instead of losing it."""


@pytest.mark.parametrize("field", FACTS)
def test_each_copied_fact_is_compared_with_the_run(field: str) -> None:
    version = _version_of(RUN)
    assert version_problems(version, RUN) == []
    *parents, leaf = field.split(".")
    node = version
    for part in parents:
        node = node[part]
    node[leaf] = {"forged": 1} if isinstance(node[leaf], dict) else "forged"
    (problem,) = version_problems(version, RUN)
    assert problem.startswith(f"churn 1.0.0 says {field} = "), problem
    assert f"but its run {RUN['id']} recorded" in problem


def test_an_artifact_digest_other_than_the_runs_output_is_a_problem() -> None:
    version = _version_of(RUN)
    version["artifact"]["digest"] = "0" * 32
    assert version_problems(version, RUN) == [
        f"churn 1.0.0's artifact model.bin is {'0' * 32}, but its run {RUN['id']} wrote {'f' * 32}"
    ]
