"""``git ml model register``: versions linked to runs, artifacts cached, names checked."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.core import cli, git
from tests.support.registry import MODEL_FILE, ok, ok_json, record_run, registry_paths, registry_tip


def test_register_links_run_code_params_metrics_data_and_artifact(project: Path) -> None:
    run = record_run(
        project,
        metrics={"acc": 0.91, "loss": 0.2},
        params={"train.lr": 0.1},
        inputs={"data/train.csv": "xxh3-128:" + "ab" * 16},
        model_bytes=b"weights",
        name="brisk-otter",
    )
    doc = ok_json(
        "model",
        "register",
        "churn",
        "--run",
        run,
        "--version",
        "v1.4.0",
        "--artifact",
        MODEL_FILE,
        "--description",
        "first",
        "--tag",
        "team=growth",
    )
    head = git(project, "rev-parse", "HEAD").strip()
    stored = tomllib.loads(
        git(project, "show", "refs/gitml/registry:models/churn/versions/1.4.0.toml")
    )
    assert stored["version"] == doc["version"] == "1.4.0"
    assert stored["event"] == "model_version.created"
    assert stored["run"] == {"id": run, "name": "brisk-otter", "status": "completed"}
    assert stored["code"] == {"commit": head, "checkpoint": head, "branch": "main", "dirty": False}
    assert stored["params"] == {"train.lr": 0.1}
    assert stored["metrics"] == {"acc": 0.91, "loss": 0.2}
    assert stored["inputs"] == {"data/train.csv": "xxh3-128:" + "ab" * 16}
    assert stored["description"] == "first"
    assert stored["tags"] == {"team": "growth"}
    import xxhash

    digest = "xxh3-128:" + xxhash.xxh3_128_hexdigest(b"weights")
    assert stored["artifact"] == {"path": MODEL_FILE, "digest": digest, "size": 7}
    cached = project / ".git" / "gitml" / "cache" / digest[9:11] / digest[11:]
    assert cached.read_bytes() == b"weights"
    log = git(project, "log", "-1", "--format=%s%n%b", "refs/gitml/registry")
    assert log.startswith(f"register churn 1.4.0 (run {run} brisk-otter)")
    assert "Gitml-Event: model_version.created" in log
    assert f'{doc["id"]} = {{ model = "churn", version = "1.4.0"' in git(
        project, "notes", "--ref=gitml", "show", head
    )
    assert git(project, "fsck", "--strict", "--no-dangling", "--no-progress") == ""


def test_register_auto_increments_integer_versions(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"m")
    assert [ok_json("model", "register", "fraud", "--run", run)["version"] for _ in range(3)] == [
        "1",
        "2",
        "3",
    ]


def test_register_takes_the_runs_single_output_as_artifact(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"out")
    doc = ok_json("model", "register", "churn", "--run", run)
    assert doc["artifact"]["path"] == MODEL_FILE
    (project / MODEL_FILE).write_bytes(b"changed since")
    again = ok_json("model", "register", "churn", "--run", run)
    assert again["artifact"] == doc["artifact"]  # the run's bytes, from the cache


def test_register_refuses_an_output_whose_bytes_are_nowhere(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"original")
    (project / MODEL_FILE).write_bytes(b"tampered")
    result = cli("model", "register", "churn", "--run", run, "--artifact", MODEL_FILE)
    assert result.exit_code == 1
    assert f"output {MODEL_FILE} of run {run}" in result.stderr
    assert "is not in the cache and no data remote is configured" in result.stderr
    assert registry_tip(project) == ""


def test_register_refuses_an_existing_version_and_changes_nothing(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"m")
    ok("model", "register", "churn", "--run", run, "--version", "1.0.0")
    tip = registry_tip(project)
    result = cli("model", "register", "churn", "--run", run, "--version", "1.0.0")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: model 'churn' already has version '1.0.0' (versions are immutable); choose "
        "another --version or omit it to auto-increment\n"
    )
    assert registry_tip(project) == tip


def test_register_rejects_bad_names_versions_and_runs(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"m")
    bad_name = cli("model", "register", "Churn", "--run", run)
    assert bad_name.exit_code == 1
    assert "error: model name 'Churn' is not valid" in bad_name.stderr
    bad_version = cli("model", "register", "churn", "--run", run, "--version", "1.2")
    assert bad_version.exit_code == 1, bad_version
    assert "version '1.2' is not valid: use SemVer" in bad_version.stderr
    no_run = cli("model", "register", "churn", "--run", "no-such-run")
    assert no_run.exit_code == 1
    assert "no run matches 'no-such-run'" in no_run.stderr
    failed = record_run(project, metrics={"acc": 0.1}, status="failed")
    refused = cli("model", "register", "churn", "--run", failed)
    assert refused.exit_code == 1, refused
    assert f"run {failed}" in refused.stderr
    assert "is failed; only completed runs" in refused.stderr
    assert registry_paths(project) == []


def test_register_refuses_mixing_version_schemes(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"m")
    ok("model", "register", "churn", "--run", run)
    result = cli("model", "register", "churn", "--run", run, "--version", "1.0.0")
    assert result.exit_code == 1, result
    assert "model 'churn' uses integer versions (latest 1); give --version 2" in result.stderr


def test_concurrent_auto_increments_get_distinct_versions(project: Path) -> None:
    run = record_run(project, metrics={"acc": 0.5}, model_bytes=b"m")
    code = (
        "import sys\nfrom gitml.cli import main\n"
        f"for _ in range(5):\n    assert main(['model', 'register', 'churn', '--run', '{run}', '--artifact', '{MODEL_FILE}']) == 0\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=project, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    versions = sorted(int(p.rsplit("/", 1)[1][:-5]) for p in registry_paths(project))
    assert versions == list(range(1, 11))
