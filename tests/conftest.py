"""Hermetic git for every test: a private HOME, no system config, fixed identity and dates."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.anchors import (
    anchor_python_or_skip,  # reads the anchor cache's place under the real HOME
)
from tests.support.core import FIXED_DATE, free_port, git
from tests.support.data import AWS_VARS


@pytest.fixture(autouse=True)
def hermetic_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n"
        "[gc]\n\tauto = 0\n"
        '[gitml "index"]\n\twarm = false\n'
        '[protocol "file"]\n\tallow = always\n'
    )
    template = home / "template"
    template.mkdir()
    for key in list(os.environ):
        if key.startswith(("GIT_", "GITML_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_DATE", FIXED_DATE)
    monkeypatch.setenv("GIT_COMMITTER_DATE", FIXED_DATE)
    monkeypatch.setenv("GIT_EDITOR", "false")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    import pygit2

    levels = (
        pygit2.enums.ConfigLevel.GLOBAL,
        pygit2.enums.ConfigLevel.XDG,
        pygit2.enums.ConfigLevel.SYSTEM,
    )
    saved = {level: pygit2.settings.search_path[level] for level in levels}
    for level in levels:
        pygit2.settings.search_path[level] = str(home)
    try:
        yield home
    finally:
        for level, value in saved.items():
            pygit2.settings.search_path[level] = value


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty, initialised repository (work tree path)."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    return path


@pytest.fixture
def repo_with_commit(repo: Path) -> Path:
    """A repository with one commit containing README.md."""
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "init")
    return repo


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository to push to and fetch from."""
    path = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    return path


@pytest.fixture
def in_repo(repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``repo_with_commit`` as the current directory."""
    monkeypatch.chdir(repo_with_commit)
    return repo_with_commit


@pytest.fixture
def seeded_remote(remote: Path, repo_with_commit: Path) -> Path:
    git(repo_with_commit, "remote", "add", "origin", str(remote))
    git(repo_with_commit, "push", "-q", "origin", "HEAD:refs/heads/main")
    return remote


@pytest.fixture
def daemon(seeded_remote: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = seeded_remote.parent
    proc = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={base}",
            "--export-all",
            "--enable=receive-pack",
            "--informative-errors",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    try:
        yield f"git://127.0.0.1:{port}/{seeded_remote.name}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def mlflow_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv with MLflow (and scikit-learn) and gitml's MLflow plugin."""
    return anchor_python_or_skip(
        "mlflow", tmp_path_factory.mktemp("mlflow-venv") / "venv", "MLflow"
    )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto S3 server (``ThreadedMotoServer``) for the whole session."""
    from tests.servers import moto_s3

    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, hermetic_git: Path) -> None:
    """Test credentials only; no profile, config file or instance metadata lookups."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(hermetic_git / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(hermetic_git / "aws-credentials"))


@pytest.fixture
def s3_client(moto_endpoint: str, aws_env: None) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3_client: Any, request: pytest.FixtureRequest) -> str:
    """A fresh, empty bucket named after the test."""
    from gitml.objects.digest import hash_bytes

    name = "t-" + hash_bytes(request.node.nodeid.encode()).hex[:24]
    s3_client.create_bucket(Bucket=name)
    return name
