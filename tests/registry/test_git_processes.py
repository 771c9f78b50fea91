"""The git processes each registry write starts, counted through a ``git`` on PATH that logs
and runs the real one. Every process costs a fork and git's start-up, a good part of these
commands' time: one more on any of these paths fails here rather than in a benchmark."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.core import git, gitml_process
from tests.support.registry import MODEL_FILE, record_run, register

# What each command starts once the log is applied and trusted (the usual case): the
# repository's layout (``rev-parse``), the object reader (``cat-file --batch``), and then
MOST = {
    # the identity, one ``unpack-objects`` for the version and its note, ``update-ref``;
    "register": 5,
    # nothing more (no remote's copy of the default branch to ask git for, as this
    # repository has no remote: ``storage.tracked.has_remote_refs``);
    "promote": 2,
    # HEAD's branch (``symbolic-ref``, read once for the whole command), the identity, one
    # ``unpack-objects``, ``update-ref``;
    "apply": 6,
    # the identity, ``unpack-objects``, ``update-ref`` (the branch name is checked in
    # Python: ``storage.tracked.valid_ref_name``).
    "promote --branch": 5,
}


@pytest.fixture
def logged_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``git`` logs each command line to the returned file."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "logged-git"
    folder.mkdir()
    log = tmp_path / "git-commands.log"
    wrapper = folder / "git"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def started(repo: Path, logged: tuple[dict[str, str], Path], *args: str) -> list[str]:
    """The git command lines one ``git ml ARGS`` process started."""
    env, log = logged
    log.unlink(missing_ok=True)
    result = gitml_process(*args, cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines() if log.exists() else []


def test_registry_writes_start_no_more_git_processes_than_they_need(
    project: Path, logged_git: tuple[dict[str, str], Path]
) -> None:
    register(project, "1", 0.8)
    register(project, "2", 0.9)
    for version, stage in (("1", "staging"), ("2", "dev")):
        assert gitml_process("promote", "churn", version, stage, cwd=project).returncode == 0
        git(project, "commit", "-q", "-am", f"promote {version}")
        assert gitml_process("registry", "apply", cwd=project).returncode == 0
    run = record_run(project, metrics={"acc": 0.95}, model_bytes=b"model 3\n")

    registering = ("model", "register", "churn", "--run", run, "--artifact", MODEL_FILE)
    found = {
        "register": started(project, logged_git, *registering),
        "promote": started(project, logged_git, "promote", "churn", "2", "staging"),
    }
    git(project, "commit", "-q", "-am", "promote 2 to staging")
    found["apply"] = started(project, logged_git, "registry", "apply")
    found["promote --branch"] = started(
        project, logged_git, "promote", "churn", "3", "staging", "--branch-name", "promote-3"
    )

    for command in ("register", "apply", "promote --branch"):  # each really wrote
        assert any(line.startswith("update-ref") for line in found[command]), found[command]
    for command, lines in found.items():
        assert len(lines) <= MOST[command], f"git ml {command} started:\n" + "\n".join(lines)
