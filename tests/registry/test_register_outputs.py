"""``git ml model register`` takes the run's recorded output by digest, whatever the work
tree holds now, and records the output's own relative path."""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli, git
from tests.support.registry import init_project, ok, ok_json, registry_paths

TRAIN = """\
import json, pathlib, sys
params = {}
for line in pathlib.Path("params.yaml").read_text().splitlines():
    key, _, value = line.partition(":")
    params[key.strip()] = value.strip()
pathlib.Path("model.pkl").write_text(f"model alpha={params['alpha']}\\n")
pathlib.Path("metrics.json").write_text(json.dumps({"rmse": float(params["alpha"])}))
"""


@pytest.fixture
def project(in_repo: Path) -> Path:
    init_project(in_repo)
    (in_repo / "train.py").write_text(TRAIN)
    (in_repo / "params.yaml").write_text("alpha: 0.5\nl1_ratio: 0.5\n")
    with (in_repo / ".gitignore").open("a") as fh:
        fh.write("model.pkl\nout/\n")
    git(in_repo, "add", "train.py", "params.yaml", ".gitignore")
    git(in_repo, "commit", "-q", "-m", "trainer")
    return in_repo


def train(*args: str) -> None:
    result = cli("run", *args, "-M", "metrics.json", "--", sys.executable, "train.py")
    assert result.exit_code == 0, result


def show(run: str) -> dict[str, Any]:
    return json.loads(ok("show", run, "--json"))  # type: ignore[no-any-return]


def cached(repo: Path, digest: str) -> Path:
    return repo / ".git" / "gitml" / "cache" / digest[9:11] / digest[11:]


def test_a_sweep_member_is_registered_with_its_own_bytes(project: Path) -> None:
    train(
        "-n",
        "enet",
        "-S",
        "alpha=0.05,0.2",
        "-S",
        "l1_ratio=0.1,0.9",
        "--jobs",
        "2",
        "-o",
        "model.pkl",
    )
    first = show("enet-1")
    assert first["outputs"] == {"model.pkl": first["outputs"]["model.pkl"]}
    (project / "model.pkl").write_text("written later by something else\n")
    doc = ok_json("model", "register", "wine", "--run", "enet-1")
    assert doc["artifact"]["path"] == "model.pkl"
    assert doc["artifact"]["digest"] == first["outputs"]["model.pkl"]
    named = ok_json("model", "register", "wine", "--run", "enet-1", "--artifact", "model.pkl")
    assert named["artifact"] == doc["artifact"]
    ok("model", "get", "wine:1", "--to", "deploy")
    assert (project / "deploy" / "model.pkl").read_text() == "model alpha=0.05\n"


def test_an_output_missing_from_the_cache_comes_from_the_data_remote(
    project: Path, tmp_path: Path
) -> None:
    train("-n", "base", "-o", "model.pkl")
    digest = show("base")["outputs"]["model.pkl"]
    (tmp_path / "store").mkdir()
    ok("data", "remote", "add", "store", str(tmp_path / "store"), "--default")
    ok("data", "push")
    cached(project, digest).unlink()
    (project / "model.pkl").write_text("retrained since\n")
    doc = ok_json("model", "register", "wine", "--run", "base")
    assert doc["artifact"]["digest"] == digest
    assert cached(project, digest).read_text() == "model alpha=0.5\n"


def test_a_run_without_outputs_needs_an_explicit_no_artifact(project: Path) -> None:
    train("-n", "plain")
    refused = cli("model", "register", "wine", "--run", "plain")
    assert refused.exit_code == 1
    assert "recorded no output to register" in refused.stderr
    assert "--no-artifact" in refused.stderr
    assert registry_paths(project) == []
    both = cli("model", "register", "wine", "--run", "plain", "--no-artifact", "--artifact", "x")
    assert both.exit_code == 2
    assert "--artifact and --no-artifact contradict each other" in both.stderr
    result = cli("model", "register", "wine", "--run", "plain", "--no-artifact")
    assert result.exit_code == 0, result
    assert "registered without an artifact" in result.stderr
    assert "artifact" not in tomllib.loads(
        git(project, "show", "refs/gitml/registry:models/wine/versions/1.toml")
    )


def test_a_version_without_an_artifact_has_nothing_to_get_or_package(project: Path) -> None:
    train("-n", "plain")
    assert cli("model", "register", "wine", "--run", "plain", "--no-artifact").exit_code == 0
    told = (
        "wine 1 has no artifact; register one with "
        "`git ml model register wine --run RUN --artifact PATH`"
    )
    for extra in ([], ["--to", str(project / "pkg")]):
        refused = cli("model", "get", "wine:1", *extra)
        assert refused.exit_code == 1, refused
        assert told in refused.stderr
    assert not (project / "pkg").exists()


def test_several_outputs_need_a_choice_unless_log_model_named_one(project: Path) -> None:
    (project / "extra.txt").write_text("extra\n")
    train("-n", "two", "-o", "model.pkl", "-o", "extra.txt")
    refused = cli("model", "register", "wine", "--run", "two")
    assert refused.exit_code == 1
    assert "recorded 2 outputs (extra.txt, model.pkl); choose the model with --artifact" in (
        refused.stderr
    )
    script = (
        "import pathlib, gitml\n"
        "pathlib.Path('model.pkl').write_text('logged\\n')\n"
        "pathlib.Path('extra.txt').write_text('other\\n')\n"
        "gitml.log_artifact('extra.txt')\n"
        "gitml.log_model('model.pkl')\n"
    )
    assert cli("run", "-n", "logged", "--", sys.executable, "-c", script).exit_code == 0
    doc = ok_json("model", "register", "wine", "--run", "logged")
    assert doc["artifact"]["path"] == "model.pkl"


def test_a_rerun_folder_copy_is_recorded_by_the_runs_relative_path(
    project: Path, tmp_path: Path
) -> None:
    train("-n", "base", "-o", "model.pkl")
    (project / "model.pkl").write_text("changed\n")
    keep = tmp_path / "again"
    result = cli("rerun", "base", "--in", str(keep))
    assert result.exit_code == 0, result
    doc = ok_json(
        "model", "register", "wine", "--run", "base", "--artifact", str(keep / "model.pkl")
    )
    assert doc["artifact"]["path"] == "model.pkl"
    assert doc["artifact"]["digest"] == show("base")["outputs"]["model.pkl"]
    package = ok_json("model", "get", "wine:1", "--to", str(tmp_path / "deploy"))
    assert package["artifact"]["path"] == "model.pkl"
    described = tomllib.loads((tmp_path / "deploy" / "gitml-model.toml").read_text())
    assert described["artifact"]["path"] == "model.pkl"
    assert str(tmp_path) not in git(project, "log", "-p", "refs/gitml/registry")


def test_a_file_of_a_folder_output_is_registered_by_its_path(project: Path) -> None:
    script = (
        "import pathlib; p = pathlib.Path('out'); p.mkdir(); (p / 'model.pkl').write_text('m\\n')"
    )
    assert cli("run", "-n", "dir", "-o", "out", "--", sys.executable, "-c", script).exit_code == 0
    refused = cli("model", "register", "wine", "--run", "dir")
    assert refused.exit_code == 1
    assert "output out of run" in refused.stderr
    assert "is a folder; register one file of it with --artifact out/FILE" in refused.stderr
    shutil.rmtree(project / "out")
    doc = ok_json("model", "register", "wine", "--run", "dir", "--artifact", "out/model.pkl")
    assert doc["artifact"]["path"] == "out/model.pkl"
    assert doc["artifact"]["size"] == 2


def test_a_file_the_run_did_not_record_is_warned_about_or_refused(
    project: Path, tmp_path: Path
) -> None:
    train("-n", "base", "-o", "model.pkl")
    (project / "other.bin").write_text("hand made\n")
    result = cli("model", "register", "wine", "--run", "base", "--artifact", "other.bin")
    assert result.exit_code == 0, result
    assert "warning: other.bin is not an output of run" in result.stderr
    outside = tmp_path / "elsewhere.bin"
    outside.write_text("not the run's\n")
    refused = cli("model", "register", "wine", "--run", "base", "--artifact", str(outside))
    assert refused.exit_code == 1
    assert "is outside the work tree and is not an output of run" in refused.stderr
