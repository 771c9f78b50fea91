"""``git ml promote``/``demote``/``archive``: checked edits of .gitml/stages.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gitml.governance import engine
from gitml.registry.trust import Trust
from tests.support.core import cli, git
from tests.support.registry import event_paths, ok, ok_json, record_run, register

STAGES = ".gitml/stages.toml"


def stages(repo: Path) -> dict[str, object]:
    return tomllib.loads((repo / STAGES).read_text())["models"]  # type: ignore[no-any-return]


def commit_stages(repo: Path, message: str = "stages") -> None:
    git(repo, "add", STAGES)
    git(repo, "commit", "-q", "-m", message)


def test_promote_edits_the_work_tree_file_keeping_its_header(three_versions: Path) -> None:
    before = (three_versions / STAGES).read_text()
    result = cli("promote", "churn", "1.1.0", "production")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "edited .gitml/stages.toml: promote churn 1.1.0 -> production\n"
    text = (three_versions / STAGES).read_text()
    assert text.startswith(before.split("schema")[0])
    assert stages(three_versions) == {"churn": {"production": "1.1.0"}}
    assert git(three_versions, "status", "--porcelain") == " M .gitml/stages.toml\n"
    assert event_paths(three_versions) == []


def test_promote_again_is_a_no_op(three_versions: Path) -> None:
    ok("promote", "churn", "1.1.0", "production")
    text = (three_versions / STAGES).read_text()
    result = cli("promote", "churn", "1.1.0", "production")
    assert result.exit_code == 0
    assert "nothing to change" in result.stderr
    assert (three_versions / STAGES).read_text() == text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "1.0.0", "production"), "error: model 'nope' is not registered"),
        (("churn", "9.9.9", "production"), "error: model 'churn' has no version '9.9.9'"),
        (
            ("churn", "1.0.0", "prod"),
            "error: unknown stage 'prod': the stages are dev, staging, production",
        ),
        (("Bad!", "1.0.0", "production"), "error: model name 'Bad!' is not valid"),
        (
            ("churn", "1.0.0", "archived"),
            "error: 'archived' is a terminal stage; use `git ml archive churn 1.0.0`",
        ),
    ],
)
def test_promote_rejects_bad_input_and_changes_nothing(
    three_versions: Path, args: tuple[str, ...], message: str
) -> None:
    before = (three_versions / STAGES).read_bytes()
    result = cli("promote", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert (three_versions / STAGES).read_bytes() == before
    assert git(three_versions, "branch", "--format=%(refname:short)") == "main\n"


def test_promote_refuses_a_hand_edited_file_with_a_syntax_error(three_versions: Path) -> None:
    (three_versions / STAGES).write_text('schema = "gitml/stages/1"\n[models.churn\n')
    result = cli("promote", "churn", "1.0.0", "production")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: .gitml/stages.toml: invalid TOML:")
    assert "(at line 2" in result.stderr


def test_promote_refuses_a_hand_edited_file_with_an_unknown_version(three_versions: Path) -> None:
    bad = 'schema = "gitml/stages/1"\n[models.churn]\nstaging = "7.7.7"\n'
    (three_versions / STAGES).write_text(bad)
    result = cli("promote", "churn", "1.0.0", "production")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: .gitml/stages.toml: models.churn.staging: version '7.7.7' of 'churn' is not "
        "registered; `git ml model show churn` lists its versions\n"
    )
    assert (three_versions / STAGES).read_text() == bad


def test_branch_commits_without_touching_work_tree_or_index(three_versions: Path) -> None:
    ok("promote", "churn", "1.1.0", "production")
    commit_stages(three_versions, "1.1.0 to production")
    (three_versions / "notes.txt").write_text("work in progress\n")
    git(three_versions, "add", "notes.txt")
    status = git(three_versions, "status", "--porcelain")
    head = git(three_versions, "rev-parse", "HEAD").strip()
    result = cli("promote", "churn", "1.2.0", "production", "--branch")
    assert result.exit_code == 0, result.stderr
    assert git(three_versions, "status", "--porcelain") == status
    assert git(three_versions, "rev-parse", "HEAD").strip() == head
    branch = "promote/churn-1.2.0-production"
    assert git(three_versions, "rev-parse", f"{branch}^").strip() == head
    changed = git(three_versions, "diff", "--name-only", head, branch)
    assert changed == ".gitml/stages.toml\n"
    shown = tomllib.loads(git(three_versions, "show", f"{branch}:{STAGES}"))
    assert shown["models"] == {"churn": {"production": "1.2.0"}}
    message = git(three_versions, "log", "-1", "--format=%B", branch)
    assert message.startswith("Promote churn 1.2.0 to production\n")
    assert "Gitml-Stage: production" in message
    assert f"created branch {branch}" in result.stderr


def test_branch_prints_a_pull_request_body_against_the_current_holder(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD").strip()
    old = record_run(
        project,
        metrics={"acc": 0.8, "loss": 0.5},
        params={"lr": 0.1, "depth": 3},
        inputs={"data/train.csv": "xxh3-128:" + "aa" * 16},
        model_bytes=b"a",
    )
    ok("model", "register", "churn", "--run", old, "--version", "1.0.0")
    new = record_run(
        project,
        metrics={"acc": 0.9, "loss": 0.4},
        params={"lr": 0.05, "depth": 3},
        inputs={"data/train.csv": "xxh3-128:" + "bb" * 16},
        model_bytes=b"b",
    )
    ok("model", "register", "churn", "--run", new, "--version", "1.1.0")
    ok("promote", "churn", "1.0.0", "production")
    commit_stages(project)
    body = ok("promote", "churn", "1.1.0", "production", "--branch-name", "pr/churn")
    assert body.startswith("## Promote `churn` 1.1.0 to `production`\n")
    assert "| | candidate 1.1.0 | current production 1.0.0 |" in body.replace("|  |", "| |")
    assert f"`{new}`" in body
    assert f"`{old}`" in body
    assert "| `acc` | 0.9 | 0.8 | +0.1 (+12.5 %) |" in body
    assert "| `loss` | 0.4 | 0.5 | -0.1 (-20.0 %) |" in body
    assert "| `lr` | 0.05 | 0.1 |" in body
    assert "`depth`" not in body
    assert f"| `data/train.csv` | `xxh3-128:{'bb' * 16}` | `xxh3-128:{'aa' * 16}` |" in body
    assert f"| code commit | `{head}` | `{head}` |" in body
    assert "git ml report churn:1.1.0 churn:1.0.0" in body
    assert git(project, "rev-parse", "--verify", "-q", "refs/heads/pr/churn").strip()


def test_branch_refuses_an_existing_branch(three_versions: Path) -> None:
    ok("promote", "churn", "1.0.0", "dev", "--branch")
    result = cli("promote", "churn", "1.0.0", "dev", "--branch")
    assert result.exit_code == 1
    assert "branch 'promote/churn-1.0.0-dev' already exists" in result.stderr


@pytest.mark.parametrize("name", ["a..b", "x.lock", "a/.b", "a b", "co:lon", "a@{1}", "..", "/x"])
def test_branch_refuses_a_name_git_refuses_and_writes_no_ref(
    three_versions: Path, name: str
) -> None:
    refs = git(three_versions, "for-each-ref", "--format=%(refname)")
    result = cli("promote", "churn", "1.0.0", "dev", "--branch-name", name)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        f"{name!r} is not a valid branch name; pass another with --branch-name NAME"
    )
    assert git(three_versions, "for-each-ref", "--format=%(refname)") == refs


def test_demote_removes_only_the_holder(three_versions: Path) -> None:
    ok("promote", "churn", "1.1.0", "staging")
    refused = cli("demote", "churn", "1.0.0", "staging")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: .gitml/stages.toml: models.churn.staging: churn 1.0.0 does not hold "
        "'staging' ('staging' is held by churn 1.1.0); nothing to demote\n"
    )
    ok("demote", "churn", "1.1.0", "staging")
    assert "churn" not in stages(three_versions)


def test_archive_takes_a_version_out_of_every_stage(three_versions: Path) -> None:
    ok("promote", "churn", "1.0.0", "staging")
    ok("promote", "churn", "1.0.0", "dev")
    ok("promote", "churn", "1.1.0", "production")
    ok("archive", "churn", "1.0.0")
    ok("archive", "churn", "1.2.0")
    assert stages(three_versions) == {
        "churn": {"production": "1.1.0", "archived": ["1.0.0", "1.2.0"]}
    }
    promoted = cli("promote", "churn", "1.0.0", "production")
    assert promoted.exit_code == 0, promoted
    assert (
        "warning: .gitml/stages.toml: models.churn.production: churn 1.0.0 is in 'archived'"
        in promoted.stderr
    )
    ok("demote", "churn", "1.2.0", "archived")
    assert stages(three_versions)["churn"] == {"production": "1.0.0", "archived": ["1.0.0"]}


def test_direct_is_refused_unless_policy_allows_it(three_versions: Path) -> None:
    result = cli("promote", "churn", "1.0.0", "dev", "--direct")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: .gitml/policy.toml: stage.dev.allow_direct: direct changes of 'churn' in 'dev' "
        "are not allowed; use --branch and a pull request (or set allow_direct = true for "
        "this stage)\n"
    )
    assert git(three_versions, "status", "--porcelain") == ""


def test_direct_commits_on_main_and_applies_at_once(three_versions: Path) -> None:
    policy = three_versions / ".gitml/policy.toml"
    policy.write_text(policy.read_text() + "\n[stage.dev]\nallow_direct = true\n")
    git(three_versions, "commit", "-q", "-am", "Allow direct promotion to dev")
    head = git(three_versions, "rev-parse", "HEAD").strip()
    result = cli("promote", "churn", "1.2.0", "dev", "--direct")
    assert result.exit_code == 0, result.stderr
    new = git(three_versions, "rev-parse", "HEAD").strip()
    assert git(three_versions, "rev-parse", "HEAD^").strip() == head
    assert git(three_versions, "status", "--porcelain") == ""
    assert "Gitml-Promotion: direct" in git(three_versions, "log", "-1", "--format=%B")
    assert result.stdout == f"promote churn 1.2.0 -> dev (commit {new[:7]}, seq 1)\n"
    [path] = event_paths(three_versions)
    event = tomllib.loads(git(three_versions, "show", f"refs/gitml/registry:{path}"))
    assert (event["source"], event["commit"], event["version"]) == ("direct", new, "1.2.0")
    assert ok_json("model", "show", "churn")["stages"] == {"dev": "1.2.0"}
    production = cli("promote", "churn", "1.2.0", "production", "--direct")
    assert production.exit_code == 1, production
    assert "stage.production.allow_direct" in production.stderr


def test_direct_refuses_another_branch(three_versions: Path) -> None:
    git(three_versions, "switch", "-q", "-c", "feature")
    result = cli("promote", "churn", "1.0.0", "dev", "--direct")
    assert result.exit_code == 1
    assert (
        "--direct commits on the default branch 'main', but HEAD is on 'feature'" in result.stderr
    )


def test_promote_of_a_dirty_run_warns(project: Path) -> None:
    register(project, "1.0.0", 0.8, dirty=True)
    result = cli("promote", "churn", "1.0.0", "staging")
    assert result.exit_code == 0
    assert "whose code had uncommitted changes" in result.stderr


def test_the_stage_log_is_judged_only_for_a_rule_that_reads_it(
    three_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The policy `git ml init` writes holds its schema line only: like no policy file, it
    # has no rule reading which stages a version held, so nothing judges the log for one.
    judged: list[str] = []

    def counted(repo: object, settings: object, env: object) -> Trust:
        judged.append("judged")
        return Trust([], None)

    monkeypatch.setattr(engine, "trusted_log", counted)
    ok("promote", "churn", "1.1.0", "staging")
    git(three_versions, "add", STAGES)
    ok("check", "--staged")
    assert judged == []
    policy = three_versions / ".gitml/policy.toml"
    policy.write_text(policy.read_text() + '[stage.production]\nrequires_stage = "staging"\n')
    git(three_versions, "commit", "-q", "-am", "rules")
    ok("promote", "churn", "1.1.0", "production")
    assert judged == ["judged"]
