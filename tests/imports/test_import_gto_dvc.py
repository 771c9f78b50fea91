"""``git ml import gto`` and ``git ml import dvc`` on repositories GTO and DVC made."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench.anchors import cached_venv
from gitml.registry import stagefile
from tests.anchors import anchor_requirements
from tests.pipelines.dvc_anchor import dvc_env, dvc_executable
from tests.support.core import cli, git

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gto() -> Path:
    venv, why = cached_venv("gto", anchor_requirements("gto"))
    if venv is None:
        pytest.skip(f"GTO could not be installed: {why}")
    return venv / "bin" / "gto"


def tool(program: Path, repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(program), *args], cwd=repo, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


GTO_STEPS = [
    ("register", "churn"),
    ("assign", "churn", "--version", "v0.0.1", "--stage", "staging"),
    ("assign", "churn", "--version", "v0.0.1", "--stage", "production"),
    ("register", "churn", "--bump-minor"),
    ("assign", "churn", "--version", "v0.1.0", "--stage", "staging"),
    ("assign", "churn", "--version", "v0.1.0", "--stage", "production"),
    ("deprecate", "churn", "v0.0.1"),
]


def test_gto_tags_become_versions_and_stage_history_in_order(gto: Path, in_repo: Path) -> None:
    repo = in_repo
    (repo / "artifacts.yaml").write_text("churn:\n  path: model.pkl\n  type: model\n")
    (repo / "model.pkl").write_text("weights v1")
    git(repo, "add", "artifacts.yaml", "model.pkl")
    git(repo, "commit", "-q", "-m", "model v1")
    for step in GTO_STEPS:
        if step[:2] == ("register", "churn") and "--bump-minor" in step:
            (repo / "model.pkl").write_text("weights v2")
            git(repo, "commit", "-q", "-am", "model v2")
        tool(gto, repo, *step)
    history = json.loads(tool(gto, repo, "history", "churn", "--json"))
    result = cli("import", "gto", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["versions"], summary["problems"]) == (2, [])
    model = json.loads(cli("model", "show", "churn", "--json").stdout)
    ours = sorted(v["version"] for v in model["versions"])
    registered = {e["version"] for e in history if e["event"] == "registration"}
    assert ours == sorted(v.lstrip("v") for v in registered)
    # The branch replays GTO's assignments in GTO's order, one commit per event.
    branch = summary["stage_branch"]
    commits = git(repo, "rev-list", "--reverse", f"HEAD..{branch}").split()
    events = [e for e in history if e["event"] in ("assignment", "deregistration")]
    events.sort(key=lambda e: e["timestamp"])
    assert len(commits) == len(events)
    files = [stagefile.parse(git(repo, "show", f"{c}:.gitml/stages.toml")) for c in commits]
    assert files[1].assignments["churn"]["production"] == "0.0.1"
    assert files[3].assignments["churn"]["production"] == "0.1.0"
    assert files[-1].assignments["churn"] == {
        "staging": "0.1.0", "production": "0.1.0", "archived": ("0.0.1",)
    }  # fmt: skip
    version = json.loads(cli("model", "show", "churn", "--json").stdout)["versions"]
    first = next(v for v in version if v["version"] == "0.0.1")
    assert first["artifact"]["path"] == "model.pkl"
    again = json.loads(cli("import", "gto", "--json").stdout)
    assert (again["runs"], again["versions"], again["stage_branch"]) == (0, 0, None)
    # Fast-forwarded and applied, the registry's event log replays GTO's history.
    git(repo, "merge", "-q", "--ff-only", branch)
    applied = cli("registry", "apply")
    assert applied.exit_code == 0, applied.output
    log = json.loads(cli("model", "history", "churn", "--json").stdout)
    promotions = [
        (e["stage"], e["version"]) for e in log["events"] if e["summary"].startswith("promote")
    ]
    gto_assignments = [
        (e["stage"], e["version"].lstrip("v")) for e in events if e["event"] == "assignment"
    ]
    assert promotions == gto_assignments
    assert log["stages"] == {"staging": "0.1.0", "production": "0.1.0", "archived": ["0.0.1"]}


def test_dvc_experiments_become_runs_equal_to_dvc_exp_show(in_repo: Path, tmp_path: Path) -> None:
    dvc, why = dvc_executable()
    if dvc is None:
        pytest.skip(why)
    repo = in_repo
    env = dvc_env(tmp_path / "site-cache")
    (repo / "params.yaml").write_text("train:\n  lr: 0.1\n  epochs: 3\n")
    (repo / "train.py").write_text(
        "import json, yaml\np = yaml.safe_load(open('params.yaml'))\n"
        "json.dump({'acc': 1 - p['train']['lr'], 'loss': {'val': p['train']['lr'] / 2}},"
        " open('metrics.json', 'w'))\nopen('model.bin', 'w').write(str(p))\n"
    )
    (repo / "data.csv").write_text("a,b\n1,2\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python3 train.py\n    deps: [train.py, data.csv]\n"
        "    params: [train.lr, train.epochs]\n    outs: [model.bin]\n"
        "    metrics: [metrics.json: {cache: false}]\n"
    )
    tool(dvc, repo, "init", "-q", env=env)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pipeline")
    for name, lr in (("exp-a", "0.2"), ("exp-b", "0.3")):
        tool(dvc, repo, "exp", "run", "-q", "-n", name, "--set-param", f"train.lr={lr}", env=env)
    shown = json.loads(tool(dvc, repo, "exp", "show", "--json", env=env))
    theirs: dict[str, Any] = {}
    for rev in shown[1]["experiments"]:
        data = rev["revs"][0]["data"]
        theirs[rev["revs"][0]["name"]] = data
    result = cli("import", "dvc", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"] == 2
    runs = {r["name"]: r for r in json.loads(cli("ls", "--all", "--json").stdout)}
    assert set(runs) == set(theirs) == {"exp-a", "exp-b"}
    for name, data in theirs.items():
        ours = runs[name]
        params = data["params"]["params.yaml"]["data"]["train"]
        assert ours["params"] == {"train.lr": params["lr"], "train.epochs": params["epochs"]}
        metrics = data["metrics"]["metrics.json"]["data"]
        assert ours["metrics"] == {"acc": metrics["acc"], "loss.val": metrics["loss"]["val"]}
        assert ours["inputs"] == {p: f"md5:{d['hash']}" for p, d in data["deps"].items()}
        assert ours["outputs"]["model.bin"] == f"md5:{data['outs']['model.bin']['hash']}"
        assert ours["tags"]["dvc.experiment"] == name
        assert ours["code"]["commit"] == data["rev"]
    # the same from DVC's JSON: the same runs, nothing imported twice
    exported = tmp_path / "exps.json"
    exported.write_text(json.dumps(shown))
    again = json.loads(cli("import", "dvc", "--from-json", str(exported), "--json").stdout)
    assert (again["runs"], again["skipped"]) == (0, 2)
