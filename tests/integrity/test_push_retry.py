"""`git ml push` from throwaway CI clones: keeps trying until a deadline, loses no run.

Sixteen jobs at once, each in its own fresh clone, run `git ml run && git ml push` and
then the clone is deleted, three rounds over: every one of the 48 runs must reach the
remote. When the deadline passes, push names what it could not send and fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitml.storage import RUNS_REF
from tests.support.core import cli, git
from tests.support.integrity import ok, tip

GIT_ML = str(Path(sys.executable).parent / "git-ml")
JOBS = 16
ROUNDS = 3


def _remote_runs(remote: Path) -> list[str]:
    out = git(remote, "ls-tree", "-r", "--name-only", RUNS_REF, check=False)
    return [p for p in out.split() if p.startswith("runs/") and p.endswith(".toml")]


@pytest.mark.slow
def test_sixteen_throwaway_clones_times_three_rounds_lose_no_run(
    seeded_remote: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "GITML_FAST_CLI": os.environ.get("GITML_FAST_CLI", "1")}
    started = time.monotonic()
    for round_ in range(ROUNDS):
        clones = [tmp_path / f"r{round_}-job{i}" for i in range(JOBS)]
        for path in clones:
            git(tmp_path, "clone", "-q", f"file://{seeded_remote}", str(path))
        procs = [
            subprocess.Popen(
                [
                    "sh",
                    "-c",
                    f'"{GIT_ML}" run -n job-{round_}-{i} -- true && "{GIT_ML}" push --no-data',
                ],
                cwd=path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i, path in enumerate(clones)
        ]
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            assert proc.returncode == 0, out
        for path in clones:
            shutil.rmtree(path)
    assert len(_remote_runs(seeded_remote)) == JOBS * ROUNDS
    assert time.monotonic() - started < 600


def test_push_gives_up_at_the_deadline_naming_what_stays_local(
    seeded_remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remote whose hook rejects every update stands for others who never stop pushing."""
    mine = tmp_path / "mine"
    git(tmp_path, "clone", "-q", str(seeded_remote), str(mine))
    monkeypatch.chdir(mine)
    ok("run", "-n", "precious", "--", "true")
    hook = seeded_remote / "hooks" / "update"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'fetch first' >&2\nexit 1\n")
    hook.chmod(0o755)
    (mine / ".gitml").mkdir(exist_ok=True)
    (mine / ".gitml" / "config.toml").write_text(
        'schema = "gitml/config/1"\n\n[sync]\npush_deadline_seconds = 1\n'
    )
    result = cli("push", "--no-data")
    assert result.exit_code == 1
    assert "only in this clone" in result.stderr
    run_path = git(mine, "ls-tree", "-r", "--name-only", RUNS_REF).split()
    named = [p for p in run_path if p.startswith("runs/") and p.endswith(".toml")]
    assert len(named) == 1
    assert named[0] in result.stderr
    assert tip(seeded_remote, RUNS_REF) == ""
