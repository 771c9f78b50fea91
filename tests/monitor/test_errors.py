"""Bad input to ``git ml monitor``: one clear line each, saying what to do."""

from __future__ import annotations

from pathlib import Path

from tests.support.core import cli
from tests.support.registry import init_project, record_run


def _error(*args: str, code: int = 1) -> str:
    """Bad data exits 1 (2 means an alert, or a usage mistake as in any command)."""
    result = cli("monitor", *args)
    assert result.exit_code == code, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_monitor_version_without_profile_says_how_to_create_one(in_repo: Path) -> None:
    init_project(in_repo)
    run = record_run(in_repo, metrics={"acc": 0.9}, inputs={"train.csv": "xxh3-128:" + "ab" * 16})
    assert (
        cli("model", "register", "churn", "--run", run, "--version", "1", "--no-artifact").exit_code
        == 0
    )
    (in_repo / "s.csv").write_text("a,b\n1,2\n")
    line = _error("churn:1", "--data", "s.csv")
    assert "no stored profile" in line
    assert "git ml data add" in line


def test_monitor_version_without_inputs_says_how_to_create_a_profile(in_repo: Path) -> None:
    init_project(in_repo)
    run = record_run(in_repo, metrics={"acc": 0.9})
    assert (
        cli("model", "register", "churn", "--run", run, "--version", "1", "--no-artifact").exit_code
        == 0
    )
    (in_repo / "s.csv").write_text("a,b\n1,2\n")
    line = _error("churn", "--data", "s.csv")
    assert "records no input data" in line
    assert "git ml data add" in line


def test_monitor_unreadable_and_wrong_format_files(model: Path) -> None:
    assert "no such file" in _error("churn:1.0.0", "--data", "missing.csv")
    (model / "serving.xlsx").write_bytes(b"PK\x03\x04")
    assert "unknown tabular format" in _error("churn:1.0.0", "--data", "serving.xlsx")
    (model / "broken.parquet").write_bytes(b"not parquet at all")
    assert "broken.parquet" in _error("churn:1.0.0", "--data", "broken.parquet")


def test_monitor_unknown_model_and_missing_data_option(model: Path) -> None:
    assert "not registered" in _error("nope", "--data", "x.csv")
    assert "--data" in _error("churn:1.0.0", code=2)
    assert "log MODEL" in _error("log", code=2)
