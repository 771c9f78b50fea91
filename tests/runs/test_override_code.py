"""``code.dirty`` and the checkpoint of runs with ``-S`` overrides, whatever ``--jobs`` is.

An override is a param, not a code change: it never makes a run dirty, and the run's
checkpoint holds the overridden params file, for single runs, ``--jobs 1`` sweeps and
parallel sweeps alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli, git

PARAMS = "# model settings\nalpha: 0.20  # regularisation\n\nl1_ratio: 0.5\n"
SCRIPT = (
    "import pathlib; pathlib.Path('seen.txt').write_text(pathlib.Path('params.yaml').read_text())"
)


@pytest.fixture
def project(in_repo: Path) -> Path:
    (in_repo / "params.yaml").write_text(PARAMS)
    (in_repo / ".gitignore").write_text("seen.txt\n")
    git(in_repo, "add", "params.yaml", ".gitignore")
    git(in_repo, "commit", "-q", "-m", "params")
    return in_repo


def overridden(alpha: float) -> str:
    """PARAMS with ``alpha`` set, its comment kept in its column (as ruamel.yaml keeps it)."""
    return PARAMS.replace("alpha: 0.20 ", f"alpha: {alpha}".ljust(len("alpha: 0.20 ")))


def runs(*where: str) -> list[dict[str, Any]]:
    result = cli("ls", "--json", "--limit", "100", *where)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def run(*args: str) -> None:
    result = cli("run", *args, "--", sys.executable, "-c", SCRIPT)
    assert result.exit_code == 0, result


def all_ways(prefix: str) -> None:
    run("-n", f"{prefix}-single", "-S", "alpha=0.05")
    run("-n", f"{prefix}-serial", "-S", "alpha=0.05,0.3", "--jobs", "1")
    run("-n", f"{prefix}-parallel", "-S", "alpha=0.05,0.3", "--jobs", "2")


def test_an_override_never_makes_a_run_dirty_whatever_jobs_is(project: Path) -> None:
    all_ways("clean")
    docs = runs()
    assert len(docs) == 5
    head = git(project, "rev-parse", "HEAD").strip()
    for doc in docs:
        code = doc["code"]
        assert code["dirty"] is False, doc["name"]
        assert code["commit"] == head
        assert code["modified"] == []
        assert code["untracked"] == []
        alpha = doc["params"]["alpha"]
        shown = git(project, "show", f"{code['checkpoint']}:params.yaml")
        assert shown == overridden(alpha), doc["name"]
        assert code["diffstat"] == {"files": 1, "insertions": 1, "deletions": 1}
    assert (project / "params.yaml").read_text() == PARAMS


def test_a_real_code_change_makes_every_run_dirty_whatever_jobs_is(project: Path) -> None:
    (project / "notes.py").write_text("x = 1\n")
    all_ways("dirty")
    docs = runs()
    assert {d["code"]["dirty"] for d in docs} == {True}
    assert all(d["code"]["untracked"] == ["notes.py"] for d in docs)
    for doc in docs:
        checkpoint = doc["code"]["checkpoint"]
        assert git(project, "show", f"{checkpoint}:notes.py") == "x = 1\n"
        assert f"alpha: {doc['params']['alpha']}" in git(
            project, "show", f"{checkpoint}:params.yaml"
        )


def test_require_clean_code_judges_an_overridden_run_clean(project: Path) -> None:
    run("-n", "tuned", "-S", "alpha=0.05")
    assert [d["name"] for d in runs("--where", "code.dirty = false")] == ["tuned"]
