"""``git ml repro -S``: an override is a param, so it never makes the runs dirty."""

from __future__ import annotations

from pathlib import Path

from tests.pipelines.test_repro import repro, runs
from tests.support.core import git
from tests.support.pipelines import cli_in


def test_an_override_does_not_make_a_repro_dirty(getstarted: Path) -> None:
    repro(getstarted)
    git(getstarted, "add", "-A")
    git(getstarted, "commit", "-q", "-m", "v1")
    for args in (("-S", "train.n_est=3"), ("-S", "train.n_est=2,6", "--jobs", "2")):
        result = cli_in(getstarted, "repro", *args)
        assert result.exit_code == 0, result.output
        git(getstarted, "commit", "-q", "-am", "dvc.lock of the repro", check=False)  # clean again
    overridden = [d for d in runs(getstarted) if d["params"].get("train.n_est") in (2, 3, 6)]
    assert overridden
    assert {d["code"]["dirty"] for d in overridden} == {False}
    assert "n_est: 4" in (getstarted / "params.yaml").read_text()
