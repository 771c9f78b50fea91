"""Hole 5: secrets on the command line, in ``-P`` params and tags, and params files
outside the repository never reach a run record (read back with plain git)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.security.forge import write
from tests.support.core import cli, git

SECRETS = ("pa55w0rd", "dbpass", "abc123token", "s3cret", "hunter2", "tagsecret", "xyzkey")


def records_text(repo: Path) -> str:
    """Every blob on refs/gitml/runs and every commit message there, as plain git shows it."""
    names = git(repo, "ls-tree", "-r", "--name-only", "refs/gitml/runs").split()
    blobs = [git(repo, "show", f"refs/gitml/runs:{name}") for name in names]
    return "\n".join([*blobs, git(repo, "log", "--format=%B", "refs/gitml/runs")])


def last_run() -> dict[str, object]:
    listed = cli("ls", "--limit", "1", "--json")
    assert listed.exit_code == 0, listed
    run: dict[str, object] = json.loads(listed.stdout)[0]
    return run


def test_hole_5_command_line_secrets_are_redacted(in_repo: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "pass",
        "https://user:pa55w0rd@host/repo.git",
        "postgres://u:dbpass@db.internal/x",
        "-H",
        "Authorization: Bearer abc123token",
        "-p",
        "s3cret",
        "--password=hunter2",
    ]
    result = cli("run", "-P", "api_key=xyzkey", "-t", "token=tagsecret", "--", *command)
    assert result.exit_code == 0, result
    run = last_run()
    assert run["command"] == [
        sys.executable,
        "-c",
        "pass",
        "https://user:***@host/repo.git",
        "postgres://u:***@db.internal/x",
        "-H",
        "Authorization: ***",
        "-p",
        "***",
        "--password=***",
    ]
    assert run["params"] == {"api_key": "***"}
    assert run["tags"] == {"token": "***"}
    text = records_text(in_repo)
    for secret in SECRETS:
        assert secret not in text
    assert cli("rerun", str(run["id"])).exit_code != 0  # it cannot be rerun as recorded


def test_secrets_in_logged_params_tags_and_the_message(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW", "hunter2")
    monkeypatch.setenv("URL", "https://me:pa55w0rd@h/x")
    script = (
        "import gitml, os; gitml.log_param('db_password', os.environ['PW']); "
        "gitml.set_tag('url', os.environ['URL'])"
    )
    result = cli("run", "-m", "login with token=abc1", "--", sys.executable, "-c", script)
    assert result.exit_code == 0, result
    run = last_run()
    assert run["params"] == {"db_password": "***"}
    assert run["tags"] == {"url": "https://me:***@h/x"}
    assert run["message"] == "login with token=***"
    text = records_text(in_repo)
    assert "hunter2" not in text
    assert "pa55w0rd" not in text


@pytest.mark.parametrize("how", ["absolute", "dotdot", "link"])
def test_params_file_outside_the_repository_is_refused(
    in_repo: Path, tmp_path: Path, how: str
) -> None:
    docker = tmp_path / "home" / ".docker" / "config.json"
    write(docker, b'{"auths": {"registry": {"auth": "ZG9ja2VyOnRva2Vu"}}}\n')
    name = {"absolute": str(docker), "dotdot": "../home/.docker/config.json", "link": "p.json"}[how]
    if how == "link":
        (in_repo / "p.json").symlink_to(docker)
    by_flag = cli("run", "--params-file", name, "--", sys.executable, "-c", "pass")
    assert by_flag.exit_code == 1, by_flag
    assert by_flag.stderr.startswith(f"error: params file '{name}' lies outside the repository")
    assert by_flag.stderr.count("\n") == 1
    write(
        in_repo / ".gitml" / "config.toml",
        f'schema = "gitml/config/1"\n[runs]\nparams_files = ["{name}"]\n'.encode(),
    )
    by_config = cli("run", "--", sys.executable, "-c", "pass")
    assert by_config.exit_code == 1, by_config
    assert by_config.stderr.count("\n") == 1
    assert git(in_repo, "for-each-ref", "refs/gitml/runs") == ""
    if how == "link":  # a name the schema accepts; the run resolves it
        assert "lies outside the repository" in by_config.stderr
        return
    assert "runs.params_files.0" in by_config.stderr
    validated = cli("validate")
    assert validated.exit_code == 1, validated
    assert "runs.params_files.0" in validated.stderr
    assert "stays inside the repository" in validated.stderr
