"""A 2x3 grid on a real Ray cluster: recorded once each, as a local sweep records them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cluster.conftest import ls_json, sweep_of
from tests.support.core import git
from tests.support.runs import git_ml

GRID = ("-S", "train.lr=0.05,0.5", "-S", "train.epochs=2,3,5")
COMMAND = ("-o", "model.json", "--", "python", "train.py")


def _members(repo: Path, sweep: str) -> list[dict[str, object]]:
    return ls_json(repo, "--where", f"sweep = '{sweep}'")


def test_grid_on_ray_records_each_member_once_like_local_jobs(project: Path, on: str) -> None:
    ray_run = git_ml(project, "run", "-n", "onray", "--on", on, *GRID, *COMMAND)
    local_run = git_ml(project, "run", "-n", "local", "--jobs", "2", *GRID, *COMMAND)
    on_ray = _members(project, sweep_of(ray_run.stderr))
    local = _members(project, sweep_of(local_run.stderr))

    assert sorted(r["name"] for r in on_ray) == [f"onray-{i}" for i in range(1, 7)]
    assert len({r["id"] for r in on_ray}) == 6
    assert len(ls_json(project)) == 12  # nothing else was recorded

    def grid(runs: list[dict[str, object]]) -> dict[tuple[object, object], object]:
        return {
            (r["params"]["train.lr"], r["params"]["train.epochs"]): r["metrics"]  # type: ignore[index]
            for r in runs
        }

    assert grid(on_ray) == grid(local)  # same grid, same metrics (the script is deterministic)
    for remote, here in zip(
        sorted(on_ray, key=lambda r: r["name"]), sorted(local, key=lambda r: r["name"]), strict=True
    ):
        assert remote.keys() == here.keys()
        assert remote["status"] == "completed"
        assert remote["code"]["commit"] == here["code"]["commit"]  # type: ignore[index]
        assert remote["code"]["dirty"] is False  # type: ignore[index]
        assert remote["outputs"]["model.json"] == here["outputs"]["model.json"]  # type: ignore[index]
        assert remote["env"]["python"] == here["env"]["python"]  # type: ignore[index]
        assert remote["env"]["packages"]["count"] > 0  # type: ignore[index]


def test_ray_member_record_holds_checkpoint_history_and_pulled_outputs(
    project: Path, on: str, tmp_path: Path, remote: Path
) -> None:
    result = git_ml(project, "run", "-n", "hist", "--on", on, "-S", "train.epochs=4,6", *COMMAND)
    runs = _members(project, sweep_of(result.stderr))
    assert len(runs) == 2
    run = next(r for r in runs if r["params"]["train.epochs"] == 6)  # type: ignore[index]
    checkpoint = run["code"]["checkpoint"]  # type: ignore[index]
    assert git(project, "cat-file", "-t", checkpoint).strip() == "commit"
    assert "epochs: 6" in git(project, "show", f"{checkpoint}:params.yaml")
    history = json.loads(git_ml(project, "show", str(run["id"]), "--json").stdout)["history"]
    assert [step for step, _ in history["acc"]] == list(range(6))  # every step came back
    assert [step for step, _ in history["loss"]] == list(range(6))
    digest = str(run["outputs"]["model.json"])  # type: ignore[index]

    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "HEAD")
    git_ml(project, "push", "--no-data")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git_ml(clone, "pull")
    git_ml(clone, "data", "pull", "--all")
    hexdigest = digest.partition(":")[2]
    cached = clone / ".git" / "gitml" / "cache" / hexdigest[:2] / hexdigest[2:]
    assert cached.is_file()  # the node pushed the output to the data remote


# Each member counts the files earlier members left in its work tree, leaves one (and an
# ignored one) itself, and logs which worker process's worktree it ran in.
LITTER = """\
from pathlib import Path

import gitml

left = [p.name for p in Path(".").iterdir() if p.name.startswith("left-")]
gitml.log_metric("leftovers", float(len(left)))
gitml.log_metric("tree", float(Path.cwd().name.split("-")[0]))  # its worker's PID
Path("params.yaml").write_text("changed: by the member\\n")
Path("left-" + Path.cwd().name).write_text("left behind\\n")
Path("model.json").write_text("ignored, left behind\\n")
"""


def test_members_reusing_a_worker_see_none_of_each_others_files(project: Path, on: str) -> None:
    (project / "litter.py").write_text(LITTER)
    git(project, "add", "litter.py")
    git(project, "commit", "-q", "-m", "litter")
    result = git_ml(project, "run", "--on", on, "-S", "train.lr=1,2,3,4,5,6,7,8", "--", "python", "litter.py")  # fmt: skip
    runs = _members(project, sweep_of(result.stderr))
    assert len(runs) == 8
    assert all(r["status"] == "completed" for r in runs)
    assert [r["metrics"]["leftovers"] for r in runs] == [0.0] * 8  # type: ignore[index]
    assert all(r["params"]["train.lr"] in range(1, 9) for r in runs)  # type: ignore[index]
    trees = [r["metrics"]["tree"] for r in runs]  # type: ignore[index]
    assert len(set(trees)) < len(trees)  # some worker process ran more than one member
