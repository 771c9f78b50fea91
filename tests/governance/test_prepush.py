"""The installed pre-push shim blocks pushing an invalid record (real `git push`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gitml.hooks import install_hooks
from tests.support.core import git

ROOT = Path(__file__).resolve().parents[2]


def _hook_env() -> dict[str, str]:
    """This checkout's gitml (not another installed `git-ml`) behind the shim."""
    path = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "git-ml").exists()
    ]
    return {"PATH": os.pathsep.join(path), "PYTHONPATH": str(ROOT)}


def _add_record(repo: Path, ref: str, path: str, text: str) -> None:
    env = {"GIT_INDEX_FILE": str(repo / ".git" / "gitml-test-index")}
    blob_file = repo / ".git" / "record.toml"
    blob_file.write_text(text)
    blob = git(repo, "hash-object", "-w", str(blob_file)).strip()
    git(repo, "read-tree", ref, env=env)
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    commit = git(repo, "commit-tree", tree, "-p", ref, "-m", "hand-written record").strip()
    git(repo, "update-ref", ref, commit)


def test_pre_push_hook_blocks_an_invalid_record(governed: Path, remote: Path) -> None:
    install_hooks(governed / ".git" / "hooks", ("pre-push",))
    git(governed, "remote", "add", "origin", str(remote))
    env = _hook_env()
    git(governed, "push", "-q", "origin", "main", "refs/gitml/runs:refs/gitml/runs", env=env)
    _add_record(
        governed, "refs/gitml/runs", "runs/zz/01BADRECORD.toml", 'schema = "gitml/run/1"\nid = 5\n'
    )
    proc = subprocess.run(
        ["git", "push", "origin", "refs/gitml/runs:refs/gitml/runs"],
        cwd=governed,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert proc.returncode != 0
    assert "refs/gitml/runs:runs/zz/01BADRECORD.toml" in proc.stderr
    assert "[schema]" in proc.stderr
    remote_tip = git(remote, "rev-parse", "refs/gitml/runs").strip()
    assert remote_tip != git(governed, "rev-parse", "refs/gitml/runs").strip()
