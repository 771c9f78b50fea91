"""Acceptance: the whole registry flow with a bare remote, a CI clone and plain-git merges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.core import CliResult, git
from tests.support.runs import git_ml, setup_ml_env

TRAIN = """\
import json, sys, tomllib
from pathlib import Path
lr = tomllib.loads(Path("params.toml").read_text())["lr"]
acc = round(0.7 + lr, 4)
Path("metrics.json").write_text(json.dumps({"acc": acc}))
Path("model.bin").write_bytes(f"weights lr={lr}".encode())
"""


def js(cwd: Path, *args: str, env: dict[str, str] | None = None) -> object:
    return json.loads(git_ml(cwd, *args, "--json", env=env).stdout)


@pytest.mark.slow
def test_full_flow_with_a_bare_remote(
    tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = setup_ml_env(tmp_path, monkeypatch)
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(remote), str(dev))
    (dev / "train.py").write_text(TRAIN)
    (dev / "params.toml").write_text("lr = 0.1\n")
    (dev / ".gitignore").write_text("metrics.json\nmodel.bin\n")
    git_ml(dev, "init")
    git(dev, "add", ".")
    git(dev, "commit", "-q", "-m", "Trainer and gitml")
    git(dev, "push", "-q", "origin", "main")

    # Three versions from three runs.
    runs = []
    for i, lr in enumerate(("0.1", "0.2", "0.25")):
        run = json.loads(
            git_ml(
                dev,
                "run",
                "-S",
                f"lr={lr}",
                "-M",
                "metrics.json",
                "-o",
                "model.bin",
                "--",
                sys.executable,
                "train.py",
            )
            .stderr.split("gitml: run ", 1)[1]
            .split(" ", 1)[0]
            .join(['"', '"'])
        )
        runs.append(run)
        doc = js(dev, "model", "register", "churn", "--run", run, "--version", f"1.{i}.0")
        assert doc["artifact"]["path"] == "model.bin"  # type: ignore[index]
    git_ml(dev, "push")

    # Promote 1.1.0 to production with a reviewed branch; merge it with plain git.
    proc = git_ml(dev, "promote", "churn", "1.1.0", "production", "--branch")
    assert "## Promote `churn` 1.1.0 to `production`" in proc.stdout
    assert git(dev, "status", "--porcelain") == ""
    git(dev, "push", "-q", "origin", "promote/churn-1.1.0-production")
    git(dev, "merge", "-q", "--no-ff", "promote/churn-1.1.0-production", "-m", "Merge PR #1")
    git(dev, "push", "-q", "origin", "main")
    merge = git(dev, "rev-parse", "HEAD").strip()

    # CI: a fresh clone of main applies the merged change and pushes the log.
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(remote), str(ci))
    ci_env = {
        **env,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_RUN_ID": "42",
        "GITHUB_REPOSITORY": "acme/churn",
    }
    applied = js(ci, "registry", "apply", "--push", "origin", env=ci_env)
    assert [e["summary"] for e in applied["applied"]] == ["promote churn 1.1.0 -> production"]  # type: ignore[index]
    assert applied["applied"][0]["commit"] == merge  # type: ignore[index]
    again = git_ml(ci, "registry", "apply", "--push", "origin", env=ci_env)
    assert again.stdout == ""
    assert "nothing to apply" in again.stderr
    log = git(remote, "log", "--format=%s%n%(trailers:only)", "refs/gitml/registry")
    assert log.count("promote churn 1.1.0 -> production") == 1
    assert f"promote churn 1.1.0 -> production (merge {merge[:7]})" in log
    assert "Gitml-Actor: Test User <test@example.com> (github:octocat)" in log
    assert "Gitml-CI-Run: https://github.com/acme/churn/actions/runs/42" in log
    assert git_ml(ci, "registry", "verify").returncode == 0

    # The developer pulls and sees it; deployment gets the verified artifact.
    git_ml(dev, "pull")
    shown = js(dev, "model", "show", "churn")
    assert shown["stages"] == {"production": "1.1.0"}  # type: ignore[index]
    assert [v["version"] for v in shown["versions"]] == ["1.2.0", "1.1.0", "1.0.0"]  # type: ignore[index]
    assert [v["run"] for v in shown["versions"]][::-1] == runs  # type: ignore[index]
    history = js(dev, "model", "history", "churn", "--stage", "production")
    [event] = history["events"]  # type: ignore[index]
    assert (event["commit"], event["source"], event["who"]["name"]) == (merge, "merge", "Test User")
    target = tmp_path / "deploy"
    got = js(dev, "model", "get", "churn@production", "--to", str(target))
    assert (target / "model.bin").read_bytes() == b"weights lr=0.2"
    assert got["verified"] is True  # type: ignore[index]
    assert git_ml(dev, "registry", "verify").returncode == 0


def _fast_import(repo: Path, stream: str) -> None:
    proc = subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        input=stream,
        text=True,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_thousand_versions_and_five_thousand_events(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,000 versions, 5,000 stage changes merged on main: every command stays correct."""
    from datetime import UTC, datetime

    from gitml.records import codec, ids
    from gitml.registry import artifacts
    from gitml.registry import records as rec
    from gitml.registry.names import version_sort_key
    from gitml.registry.query import replay
    from gitml.registry.store import open_index, registry_collection
    from gitml.storage.repo import open_repo
    from tests.support.registry import record_run

    run = record_run(project, metrics={"acc": 0.9}, model_bytes=b"shared weights")
    repo = open_repo(project)
    stored = artifacts.store(repo.state_dir, project / "model.bin", "model.bin")
    from gitml.runs.store import get_run

    run_doc = get_run(repo, run)
    versions = [f"1.{i // 100}.{i % 100}" for i in range(1000)]
    versions[-1] = "10.123.4567-rc.12"
    files = {}
    for i, version in enumerate(versions):
        doc = rec.build_version(
            record_id=ids.new_id(1_700_000_000_000 + i),
            model="churn",
            version=version,
            run=run_doc,
            created=datetime(2025, 1, 1, tzinfo=UTC),
            author={"name": "Bulk", "email": "bulk@example.com"},
            artifact=stored.as_dict(),
        )
        files[rec.version_path("churn", version)] = codec.dump_bytes(doc)
    registry_collection(repo).write(lambda _s: files, "register 1000 versions")

    # 5,000 commits on main, each moving one stage of churn.
    stages = ("dev", "staging", "production")
    head = git(project, "rev-parse", "HEAD").strip()
    state: dict[str, str] = {}
    archived: set[str] = set()
    lines = []
    for i in range(5000):
        if i % 10 == 9:  # every tenth change archives or restores a version
            archived ^= {versions[(i * 3) % 50]}
        else:
            state[stages[i % 3]] = versions[(i * 7) % 1000]
        body = 'schema = "gitml/stages/1"\n\n[models.churn]\n' + "".join(
            f'{s} = "{v}"\n' for s, v in sorted(state.items())
        )
        if archived:
            listed = ", ".join(f'"{v}"' for v in sorted(archived, key=version_sort_key))
            body += f"archived = [{listed}]\n"
        data = body.encode()
        lines.append(
            f"commit refs/heads/main\nmark :{i + 1}\n"
            f"committer Bulk <bulk@example.com> {1_767_000_000 + i} +0000\n"
            f"data 9\nchange {i % 10}\n"
            + (f"from {head}\n" if i == 0 else "")
            + f"M 100644 inline .gitml/stages.toml\ndata {len(data)}\n{body}\n"
        )
    _fast_import(project, "".join(lines))
    git(project, "reset", "-q", "--hard", "main")
    applied = json.loads(_ok("registry", "apply", "--json"))
    assert len(applied["applied"]) == 5000
    assert applied["applied"][-1]["seq"] == 5000
    assert json.loads(_ok("registry", "apply", "--json"))["applied"] == []

    shown = json.loads(_ok("model", "show", "churn", "--json"))
    expected = {s: state[s] for s in stages}
    if archived:
        expected["archived"] = sorted(archived, key=version_sort_key)  # type: ignore[assignment]
    assert shown["stages"] == expected
    with open_index(repo) as index:
        assert replay(index.events("churn"), ["archived"]) == index.state(
            ["churn"], [*stages, "archived"], ["archived"]
        )
    assert len(shown["versions"]) == 1000
    assert shown["events"] == 5000
    monkeypatch.setenv("COLUMNS", "40")
    table = _ok("model", "show", "churn")
    for version in versions:
        assert f"\n{version} " in table or f"\n{version}\n" in table
    assert "10.123.4567-rc.12" in _ok("model", "ls")
    history = json.loads(_ok("model", "history", "churn", "--stage", "production", "--json"))
    assert len(history["events"]) == len([i for i in range(5000) if i % 3 == 2 and i % 10 != 9])
    got = json.loads(_ok("model", "get", "churn@production", "--json"))
    assert got["version"] == state["production"]
    assert _cli("registry", "verify").exit_code == 0


def _cli(*args: str) -> CliResult:
    from tests.support.core import cli

    return cli(*args)


def _ok(*args: str) -> str:
    from tests.support.core import cli

    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout
