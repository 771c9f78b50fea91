"""Registry tests: a gitml project, runs recorded through the CLI, registrations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.core import cli, git

MODEL_FILE = "model.bin"


def init_project(repo: Path) -> Path:
    """``git ml init`` committed on main, plus an ignored model file."""
    (repo / ".gitignore").write_text(f"{MODEL_FILE}\nmetrics.json\n")
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    git(repo, "add", ".gitml", ".gitignore")
    git(repo, "commit", "-q", "-m", "Set up gitml")
    return repo


def record_run(
    repo: Path,
    *,
    metrics: Mapping[str, float],
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, str] | None = None,
    model_bytes: bytes | None = None,
    dirty: bool = False,
    status: str = "completed",
    name: str | None = None,
    message: str | None = None,
    command: Sequence[str] = ("python", "train.py"),
) -> str:
    """Save a finished run through the runs store (as ``git ml run`` would); returns its id.

    With ``model_bytes`` the run also wrote ``model.bin`` (recorded as its output).
    """
    from gitml.records import ids
    from gitml.runs.digests import path_digest
    from gitml.runs.metrics import MetricEvent
    from gitml.runs.record import RunFacts, Status, build_record
    from gitml.runs.save import save_run
    from gitml.storage.repo import open_repo
    from gitml.storage.worktree import Checkpoint

    grepo = open_repo(repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    outputs = {}
    if model_bytes is not None:
        (repo / MODEL_FILE).write_bytes(model_bytes)
        outputs[MODEL_FILE] = path_digest(repo / MODEL_FILE)
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    run_id = ids.new_id()
    facts = RunFacts(
        id=run_id,
        name=name or ids.new_name(),
        status=Status(status),
        started=started,
        ended=started + timedelta(seconds=3),
        exit_code=0 if status == "completed" else 1,
        command=list(command),
        message=message,
        cwd=".",
        user={"name": "Test User", "email": "test@example.com"},
        host="test-host",
        code=Checkpoint(head, head, "main", dirty),
        env={"python": "3.12.0"},
        params=dict(params or {}),
        events=[MetricEvent(k, 0, v) for k, v in metrics.items()],
        inputs=dict(inputs or {}),
        outputs=outputs,
    )
    save_run(grepo, build_record(facts), link_checkpoint=False)
    return run_id


def ok(*args: str) -> str:
    """``git ml ARGS`` that must succeed; returns stdout."""
    result = cli(*args)
    assert result.exit_code == 0, f"git ml {' '.join(args)}: {result.stderr}"
    return result.stdout


def ok_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


def register(repo: Path, version: str, acc: float, **kwargs: Any) -> str:
    """A run with ``acc`` and its model file, registered as ``churn`` ``version``."""
    run = record_run(
        repo, metrics={"acc": acc}, model_bytes=f"model {version}\n".encode(), **kwargs
    )
    ok("model", "register", "churn", "--run", run, "--version", version, "--artifact", MODEL_FILE)
    return run


def merge_branch(repo: Path, branch: str, message: str | None = None) -> str:
    """Merge ``branch`` into main with plain git (a merge commit, as a forge does)."""
    git(repo, "merge", "-q", "--no-ff", branch, "-m", message or f"Merge {branch}")
    return git(repo, "rev-parse", "HEAD").strip()


def land(repo: Path, *args: str) -> str:
    """``git ml promote ARGS --branch`` then a plain-git merge into main; the merge commit."""
    result = cli(*args, "--branch")
    assert result.exit_code == 0, result.stderr
    branch = result.stderr.split("created branch ", 1)[1].split(" ", 1)[0]
    merge = merge_branch(repo, branch)
    git(repo, "branch", "-q", "-d", branch)
    return merge


def registry_paths(repo: Path) -> list[str]:
    out = git(repo, "ls-tree", "-r", "--name-only", "refs/gitml/registry", check=False)
    return sorted(out.split())


def event_paths(repo: Path) -> list[str]:
    return [p for p in registry_paths(repo) if "/events/" in p]


def registry_tip(repo: Path) -> str:
    return git(repo, "rev-parse", "-q", "--verify", "refs/gitml/registry", check=False).strip()
