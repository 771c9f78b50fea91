"""Run checkpoints never carry credentials: by name, by content, with an allow list.

Hole 4: untracked ``.env``, ``.netrc``, ``id_rsa`` and ``secrets.json`` went into the
checkpoint, ``git ml push`` sent them, and any clone read them with ``git show``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.forge import write
from tests.support.core import cli, git

# By name (untracked files).
BY_NAME = {
    ".env": b"DB_PASSWORD=hunter2\n",
    ".env.production": b"X=1\n",
    ".netrc": b"machine example.com login me password hunter2\n",
    ".npmrc": b"//registry.npmjs.org/:_authToken=abc\n",
    ".pypirc": b"[pypi]\npassword = abc\n",
    "certs/server.pem": b"not even a pem\n",
    "tls.key": b"key\n",
    "id_rsa": b"key\n",
    "keys/id_ed25519": b"key\n",
    "credentials.json": b"{}\n",
    "secrets.yaml": b"a: 1\n",
    "kubeconfig": b"apiVersion: v1\n",
    "deploy/.kube/config": b"apiVersion: v1\n",
    "home/.docker/config.json": b'{"auths": {}}\n',
    "home/.aws/credentials": b"[default]\n",
}
# By content (any file name).
BY_CONTENT = {
    "notes/keys.txt": (b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", "a private key"),
    "aws.txt": (b"key AKIA" + b"Z" * 16 + b"\n", "an AWS access key id"),
    "ci.sh": (b"export GH=ghp_" + b"a1" * 18 + b"\n", "a GitHub token"),
    "gl.cfg": (b"token: glpat-" + b"x" * 20 + b"\n", "a GitLab token"),
    "bot.py": (b"SLACK = 'xoxb-" + b"1234567890-abc" + b"'\n", "a Slack token"),
    "db.yaml": (b"url: postgres://ml:dbpass@db.internal/x\n", "a password in a URL"),
}
HONEST = {
    "train.py": b'url = f"{scheme}://{user}:{password}@{host}/db"\nprint("https://example.com")\n',
    "README.md": b"AKIAIOSFODNN7EXAMPLE is the documented example key\n",
    "keys.md": b"where the keys live\n",
    "env.py": b"import os\n",
}


@pytest.fixture
def project(in_repo: Path, remote: Path) -> Path:
    git(in_repo, "remote", "add", "origin", str(remote))
    git(in_repo, "push", "-q", "origin", "HEAD:refs/heads/main")
    return in_repo


def run_json(*args: str) -> dict[str, object]:
    result = cli("run", *args, "--", sys.executable, "-c", "pass")
    assert result.exit_code == 0, result
    listed = cli("ls", "--limit", "1", "--json")
    assert listed.exit_code == 0, listed
    doc: dict[str, object] = json.loads(listed.stdout)[0]
    doc["_stderr"] = result.stderr
    return doc


def tree_of(repo: Path, commit: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", commit).splitlines())


def test_hole_4_credentials_never_reach_a_clone(
    project: Path, remote: Path, tmp_path: Path
) -> None:
    files = {".env": b"A=1\n", ".netrc": b"machine x password y\n", "id_rsa": b"k\n"}
    files["secrets.json"] = b'{"token": 1}\n'
    for path, data in files.items():
        write(project / path, data)
    write(project / "train.py", b"print(1)\n")
    doc = run_json()
    checkpoint = str(doc["code"]["checkpoint"])  # type: ignore[index]
    assert tree_of(project, checkpoint) == {"README.md", "train.py"}
    warnings = [line for line in str(doc["_stderr"]).splitlines() if "credentials" in line]
    assert len(warnings) == 1
    assert all(name in warnings[0] for name in files)
    assert cli("push").exit_code == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    assert git(clone, "cat-file", "-t", checkpoint).strip() == "commit"
    for path, data in files.items():
        assert git(clone, "show", f"{checkpoint}:{path}", check=False) == ""
        # The content never entered the object database, not even as a loose object.
        sha = (
            subprocess.run(
                ["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True
            )
            .stdout.decode()
            .strip()
        )
        assert subprocess.run(["git", "cat-file", "-e", sha], cwd=project).returncode != 0


def test_credential_like_files_by_name_and_content_are_withheld_and_shown(project: Path) -> None:
    for path, data in BY_NAME.items():
        write(project / path, data)
    for path, (data, _label) in BY_CONTENT.items():
        write(project / path, data)
    for path, data in HONEST.items():
        write(project / path, data)
    doc = run_json()
    code = doc["code"]
    assert isinstance(code, dict)
    tree = tree_of(project, code["checkpoint"])
    assert tree == {"README.md", *HONEST}
    reasons = {item["path"]: item["reason"] for item in code["withheld"]}
    assert set(reasons) == {*BY_NAME, *BY_CONTENT}
    for path in BY_NAME:
        assert reasons[path].startswith("looks like a credential file (name matches"), path
    for path, (_data, label) in BY_CONTENT.items():
        assert reasons[path] == f"holds {label}", path
    shown = cli("show", str(doc["id"]))
    assert shown.exit_code == 0, shown
    for path, reason in reasons.items():
        assert f"  withheld    {path} ({reason})" in shown.stdout


def test_allow_list_names_and_patterns_from_the_config(project: Path) -> None:
    config = project / ".gitml" / "config.toml"
    write(
        config,
        b'schema = "gitml/config/1"\n[runs.secrets]\n'
        b'allow = ["tests/fixtures/*.pem", ".env.example"]\n'
        b'names = ["*.token"]\npatterns = ["MYCO-[0-9a-f]{16}"]\n',
    )
    git(project, "add", ".gitml/config.toml")
    git(project, "commit", "-q", "-m", "config")
    write(project / "tests" / "fixtures" / "fake.pem", b"-----BEGIN RSA PRIVATE KEY-----\nfake\n")
    write(project / ".env.example", b"DB_PASSWORD=\n")
    write(project / "api.token", b"x\n")
    write(project / "notes.txt", b"MYCO-0123456789abcdef\n")
    doc = run_json()
    code = doc["code"]
    assert isinstance(code, dict)
    tree = tree_of(project, code["checkpoint"])
    assert {"tests/fixtures/fake.pem", ".env.example"} <= tree
    assert not {"api.token", "notes.txt"} & tree
    reasons = {item["path"]: item["reason"] for item in code["withheld"]}
    assert reasons["api.token"] == "looks like a credential file (name matches '*.token')"
    assert reasons["notes.txt"].startswith("holds a match of runs.secrets pattern")


def test_a_secret_added_to_a_tracked_file_keeps_its_committed_version(project: Path) -> None:
    write(project / "settings.py", b"DEBUG = True\n")
    git(project, "add", "settings.py")
    git(project, "commit", "-q", "-m", "settings")
    write(project / "settings.py", b"DEBUG = True\nKEY = 'ghp_" + b"Ab" * 18 + b"'\n")
    doc = run_json()
    code = doc["code"]
    assert isinstance(code, dict)
    shown = git(project, "show", f"{code['checkpoint']}:settings.py")
    assert shown == "DEBUG = True\n"
    assert code["withheld"] == [{"path": "settings.py", "reason": "holds a GitHub token"}]


def test_a_bad_pattern_in_the_config_is_one_clear_line(project: Path) -> None:
    write(
        project / ".gitml" / "config.toml",
        b'schema = "gitml/config/1"\n[runs.secrets]\npatterns = ["(unclosed"]\n',
    )
    result = cli("run", "--", sys.executable, "-c", "pass")
    assert result.exit_code == 1, result
    assert result.stderr.startswith("error: .gitml/config.toml: runs.secrets.patterns: '(unclosed'")
    assert result.stderr.count("\n") == 1, result
    assert "Traceback" not in result.output


def test_validate_and_check_report_a_bad_pattern(project: Path) -> None:
    write(
        project / ".gitml" / "config.toml",
        b'schema = "gitml/config/1"\n[runs.secrets]\npatterns = ["ok-[0-9]+", "(unclosed"]\n',
    )
    result = cli("validate", ".gitml/config.toml")
    assert result.exit_code == 1, result
    assert ".gitml/config.toml: runs.secrets.patterns: '(unclosed'" in result.output, result
    assert "Traceback" not in result.output
    git(project, "add", ".gitml/config.toml")
    staged = cli("check", "--staged")
    assert staged.exit_code != 0, staged
    assert "'(unclosed'" in staged.output, staged
