"""A fresh CI checkout that restores the audit marks of an earlier default-branch job reads
only the record history since them, and still refuses anything forged after them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced
from tests.support.core import cli, git
from tests.support.integrity import Team, ok, run_paths, tip
from tests.support.registry import record_run

RUNS = "refs/gitml/runs"
MARKS = ("audited-*.txt", "check-valid-*.txt")


def _audited_commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Commits each history audit reads (an observation; the audit itself runs unchanged)."""
    import gitml.integrity.history as history
    from gitml.storage.audit import Audit

    seen: list[int] = []
    real = history.audit

    def counting(*args: object, **kwargs: object) -> Audit:
        report = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(report.commits)
        return report

    monkeypatch.setattr(history, "audit", counting)
    return seen


def _ci_checkout(team: Team, tmp: Path, name: str, marks: Path | None) -> Path:
    clone = tmp / name
    git(tmp, "clone", "-q", "--depth", "1", f"file://{team.remote}", str(clone))
    if marks is not None:
        shutil.copytree(marks, clone / ".git" / "gitml", dirs_exist_ok=True)
    return clone


def _save_marks(clone: Path, to: Path) -> Path:
    to.mkdir()
    for pattern in MARKS:
        for path in (clone / ".git" / "gitml").glob(pattern):
            shutil.copy(path, to / path.name)
    assert any(to.iterdir())
    return to


def test_restored_marks_bound_fetch_ci_and_check_all_to_the_new_history(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _ci_checkout(team, tmp_path, "ci-1", None)
    monkeypatch.chdir(first)
    audited = _audited_commits(monkeypatch)
    ok("fetch", "--ci")
    ok("check", "--all")
    full = sum(audited)
    assert full >= 12
    marks = _save_marks(first, tmp_path / "cache")

    monkeypatch.chdir(team.victim)
    for i in range(2):
        record_run(team.victim, metrics={"acc": 0.6}, name=f"after-{i}")
    ok("push", "--no-data")

    second = _ci_checkout(team, tmp_path, "ci-2", marks)
    monkeypatch.chdir(second)
    audited.clear()
    ok("fetch", "--ci")
    assert ok("check", "--all") == ""
    assert 0 < sum(audited) <= 6  # the two new runs' commits, not the whole history
    assert len(run_paths(second)) == 14

    cold = _ci_checkout(team, tmp_path, "ci-cold", None)
    monkeypatch.chdir(cold)
    audited.clear()
    ok("fetch", "--ci")
    assert sum(audited) > full  # without the marks: the full audit


def test_restored_marks_never_excuse_a_deletion_forged_after_them(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _ci_checkout(team, tmp_path, "ci-1", None)
    monkeypatch.chdir(first)
    ok("fetch", "--ci")
    marks = _save_marks(first, tmp_path / "cache")

    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), remove=["runs"])
    push_forced(team.attacker, bad, RUNS)
    second = _ci_checkout(team, tmp_path, "ci-2", marks)
    monkeypatch.chdir(second)
    refused = cli("fetch", "--ci")
    assert refused.exit_code == 1
    assert bad[:12] in refused.stderr
    assert "deletes" in refused.stderr
    assert git(second, "rev-parse", "-q", "--verify", RUNS, check=False).strip() == ""
