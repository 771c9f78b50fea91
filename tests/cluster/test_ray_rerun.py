"""Reruns and a queue drained on a real Ray cluster: judged and recorded by the driver."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cluster.conftest import ls_json
from tests.support.core import git
from tests.support.runs import git_ml

READS_DATA = '''\
"""Sums the data file scaled by params; the data is ignored by git, so a node needs it sent."""
import json
from pathlib import Path

import yaml

import gitml

scale = float(yaml.safe_load(Path("params.yaml").read_text())["train"]["lr"])
values = [float(x) for x in Path("data/values.txt").read_text().split()]
for step, value in enumerate(values):
    gitml.log_metric("partial", scale * sum(values[: step + 1]), step=step)
Path("model.json").write_text(json.dumps({"total": scale * sum(values)}))
gitml.log_metric("total", scale * sum(values))
'''


def test_rerun_on_ray_restores_untracked_inputs_and_is_judged_here(project: Path, on: str) -> None:
    (project / "data").mkdir()
    (project / "data" / "values.txt").write_text("1 2 3 4.5\n")
    (project / "sum.py").write_text(READS_DATA)
    (project / ".gitignore").write_text("model.json\n__pycache__/\n/data/\n")
    git(project, "add", "sum.py", ".gitignore")
    git(project, "commit", "-q", "-m", "summer")
    git_ml(project, "data", "add", "data")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "data")
    original = git_ml(project, "run", "-n", "sum", "-i", "data", "-o", "model.json", "--", "python", "sum.py")  # fmt: skip
    assert original.returncode == 0
    (project / "data" / "values.txt").write_text("changed here, not in the recorded input\n")

    result = git_ml(project, "rerun", "sum", "--on", on, "--json")
    verdict = json.loads(result.stdout)
    assert verdict["verdict"] == "reproduced", verdict
    runs = ls_json(project)
    assert sorted(r["name"] for r in runs) == ["sum", "sum-rerun"]
    first, again = sorted(runs, key=lambda r: r["name"])
    assert again["parent"] == first["id"]
    assert again["rerun"]["verdict"] == "reproduced"
    assert again["metrics"] == first["metrics"] == {"total": 0.1 * 10.5, "partial": 0.1 * 10.5}
    assert again["code"]["checkpoint"] == first["code"]["checkpoint"]
    assert again["inputs"] == first["inputs"]
    assert again["outputs"] == first["outputs"]

    what_if = git_ml(
        project, "rerun", "sum", "--on", on, "--set", "train.lr=1.0", "--json", check=False
    )
    assert what_if.returncode == 1  # as a local what-if: never "reproduced"
    changed = json.loads(what_if.stdout)
    assert changed["verdict"] == "differs"
    assert changed["what_if"] == ["train.lr=1.0"]
    runs = ls_json(project)
    assert len(runs) == 3
    latest = max(runs, key=lambda r: r["id"])
    assert latest["metrics"]["total"] == 10.5
    assert latest["params"]["train.lr"] == 1.0
    assert latest["code"]["checkpoint"] != first["code"]["checkpoint"]  # the edited params


def test_queue_drained_on_ray(project: Path, on: str) -> None:
    git_ml(project, "queue", "add", "-n", "qr", "-S", "train.epochs=2,3", "-o", "model.json", "--", "python", "train.py")  # fmt: skip
    git_ml(project, "queue", "add", "-n", "one", "--", "python", "train.py")
    started = git_ml(project, "queue", "start", "--workers", "2", "--on", on)
    assert "queue drained: 2 ran, 0 did not complete" in started.stderr
    entries = {
        e["name"]: e for e in json.loads(git_ml(project, "queue", "status", "--json").stdout)
    }
    assert {e["state"] for e in entries.values()} == {"done"}
    assert entries["qr"]["worker"]["on"] == on
    runs = ls_json(project)
    assert sorted(r["name"] for r in runs) == ["one", "qr-1", "qr-2"]
    assert sorted(r["id"] for r in runs) == sorted(
        rid for e in entries.values() for rid in e["runs"]
    )
    assert all(r["status"] == "completed" for r in runs)
