"""A data remote given as a relative folder means the same folder from every subfolder.

``.gitml/config.toml`` stores a directory remote relative to the repository root; model
artifacts must resolve it there, as datasets do, not against the current folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.core import git
from tests.support.runs import git_ml, setup_ml_env

WRITE_MODEL = "from pathlib import Path; Path('model.bin').write_bytes(b'weights')"


def _project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("model.bin\n")
    git_ml(repo, "init")
    git_ml(repo, "data", "remote", "add", "store", "../store")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "gitml with a relative data remote")
    (tmp_path / "store").mkdir()
    (repo / "sub").mkdir()
    return repo


def _register(repo: Path) -> str:
    run = git_ml(repo, "run", "-o", "model.bin", "--", sys.executable, "-c", WRITE_MODEL)
    run_id = run.stderr.split("gitml: run ", 1)[1].split(" ", 1)[0]
    doc = json.loads(git_ml(repo, "model", "register", "churn", "--run", run_id, "--json").stdout)
    return str(doc["artifact"]["digest"])


def test_model_push_and_get_from_a_subfolder_use_the_repositorys_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    repo = _project(tmp_path)
    digest = _register(repo)
    hex32 = digest.split(":", 1)[1]

    git_ml(repo / "sub", "model", "push", "churn")

    stored = tmp_path / "store" / hex32[:2] / hex32[2:]
    assert stored.read_bytes() == b"weights"
    assert not (repo / "store").exists()

    cached = list((repo / ".git" / "gitml" / "cache").rglob(hex32[2:]))
    assert cached, "the registered artifact is not in the local cache"
    for path in cached:
        path.unlink()
    git_ml(repo / "sub", "model", "get", "churn", "--to", "deployed")
    assert (repo / "sub" / "deployed" / "model.bin").read_bytes() == b"weights"
