"""A bad artifact fails at the ``log_artifact`` call and never loses a run."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import gitml
from tests.support.core import cli


def runs() -> list[dict[str, Any]]:
    result = cli("ls", "--json")
    assert result.exit_code == 0, result
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def run_script(name: str, script: str, *options: str) -> Any:
    return cli("run", "-n", name, *options, "--", sys.executable, "-c", script)


def test_a_mistyped_artifact_fails_at_the_call_and_the_run_is_kept(in_repo: Path) -> None:
    script = (
        "import gitml\n"
        "gitml.log_metric('loss', 0.5)\n"
        "try:\n"
        "    gitml.log_artifact('nope.txt')\n"
        "except FileNotFoundError as exc:\n"
        "    print('caught', exc.filename)\n"
        "gitml.log_metric('acc', 0.9)\n"
        "gitml.log_artifact('nope.txt')\n"
    )
    result = run_script("typo", script)
    assert result.exit_code == 1
    (doc,) = runs()
    assert doc["status"] == "failed"
    assert doc["metrics"] == {"acc": 0.9, "loss": 0.5}
    assert doc["outputs"] == {}


def test_an_artifact_gone_before_the_end_is_left_out_with_a_warning(in_repo: Path) -> None:
    script = (
        "import os, pathlib, gitml\n"
        "pathlib.Path('tmp.txt').write_text('x')\n"
        "pathlib.Path('kept.txt').write_text('y')\n"
        "gitml.log_artifact('tmp.txt')\n"
        "gitml.log_artifact('kept.txt')\n"
        "gitml.log_metric('acc', 0.9)\n"
        "os.remove('tmp.txt')\n"
    )
    result = run_script("gone", script)
    assert result.exit_code == 0, result
    assert "warning: log_artifact " in result.stderr
    assert "tmp.txt: not recorded, it no longer exists" in result.stderr
    (doc,) = runs()
    assert doc["status"] == "completed"
    assert doc["metrics"] == {"acc": 0.9}
    assert list(doc["outputs"]) == ["kept.txt"]


def test_a_declared_output_never_written_keeps_the_run(in_repo: Path) -> None:
    result = run_script("no-output", "print('trained')", "-o", "model.pkl")
    assert result.exit_code == 0, result
    assert "warning: -o model.pkl: not recorded, it no longer exists" in result.stderr
    (doc,) = runs()
    assert doc["status"] == "completed"
    assert doc["outputs"] == {}


def test_a_metrics_file_never_written_is_reported(in_repo: Path) -> None:
    (in_repo / "old.json").write_text('{"acc": 0.1}')
    result = run_script("no-metrics", "print('trained')", "-M", "missing.json", "-M", "old.json")
    assert result.exit_code == 0, result
    assert "warning: -M missing.json: no metrics file was found after the run" in result.stderr
    assert "warning: -M old.json: the run did not write it (unchanged since before)" in (
        result.stderr
    )
    assert runs()[0]["metrics"] == {}


def test_start_run_raises_at_the_call_and_records_the_run(in_repo: Path) -> None:
    def train() -> None:
        with gitml.start_run(name="local-typo") as run:
            run.log_metric("acc", 0.8)
            run.log_artifact("nope.txt")

    with pytest.raises(FileNotFoundError, match="log_artifact: no such file or folder"):
        train()
    (doc,) = runs()
    assert doc["name"] == "local-typo"
    assert doc["status"] == "failed"
    assert doc["metrics"] == {"acc": 0.8}


def test_start_run_keeps_the_run_when_an_artifact_vanishes(in_repo: Path) -> None:
    (in_repo / "tmp.txt").write_text("x")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with gitml.start_run(name="local-gone") as run:
            run.log_artifact("tmp.txt")
            run.log_metric("acc", 0.7)
            (in_repo / "tmp.txt").unlink()
    assert any("tmp.txt: not recorded, it no longer exists" in str(w.message) for w in caught)
    (doc,) = runs()
    assert doc["status"] == "completed"
    assert doc["metrics"] == {"acc": 0.7}
    assert doc["outputs"] == {}
