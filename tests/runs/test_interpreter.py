"""A run records the environment of the interpreter its command runs, not gitml's own.

A second venv (made here with ``venv --without-pip``, offline) holds one fake
distribution, so its package list differs from gitml's in a way no accident can produce.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli

ROOT = Path(__file__).resolve().parents[2]


def make_venv(where: Path, package: str = "wineprep", version: str = "1.2.3") -> Path:
    """A venv whose only distribution is ``package==version``; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    (site,) = where.glob("lib/python*/site-packages")
    info = site / f"{package}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    return where / "bin" / "python"


@pytest.fixture(scope="module")
def other_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("other") / "venv")


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def recorded(name: str) -> tuple[dict[str, Any], list[str]]:
    from gitml.runs.store import get_run, read_packages
    from gitml.storage.repo import open_repo

    repo = open_repo()
    doc = get_run(repo, name)
    return doc["env"], list(read_packages(repo, doc) or [])


def run(name: str, *command: str) -> None:
    result = cli("run", "-n", name, "--", *command)
    assert result.exit_code == 0, result


def test_a_venv_python_named_by_path_is_recorded_with_its_packages(
    in_repo: Path, other_python: Path
) -> None:
    run("direct", str(other_python), "-c", "pass")
    env, packages = recorded("direct")
    assert env["executable"] == str(other_python)
    assert env["python_from"] == "command"
    assert packages == ["wineprep==1.2.3"]
    assert env["packages"]["count"] == 1


def test_python_on_the_commands_path_and_python_dash_m(
    in_repo: Path, other_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{other_python.parent}{os.pathsep}{os.environ['PATH']}")
    run("on-path", "python", "-m", "json.tool", "--help")
    env, packages = recorded("on-path")
    assert env["executable"] == str(other_python)
    assert packages == ["wineprep==1.2.3"]


def test_a_scripts_shebang_names_the_interpreter(
    in_repo: Path, other_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    executable(in_repo / "direct.py", f"#!{other_python}\nprint('hi')\n")
    run("shebang", "./direct.py")
    env, packages = recorded("shebang")
    assert (env["executable"], env["python_from"]) == (str(other_python), "shebang")
    assert packages == ["wineprep==1.2.3"]
    monkeypatch.setenv("PATH", f"{other_python.parent}{os.pathsep}{os.environ['PATH']}")
    executable(in_repo / "via_env.py", "#!/usr/bin/env python3\nprint('hi')\n")
    run("env-shebang", "sh", "-c", "./via_env.py --flag")
    env, packages = recorded("env-shebang")
    assert env["executable"] == str(other_python.parent / "python3")
    assert packages == ["wineprep==1.2.3"]


def test_a_script_that_imports_gitml_reports_its_own_interpreter(
    in_repo: Path, other_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (in_repo / "train.py").write_text("import gitml\ngitml.log_metric('acc', 0.9)\n")
    executable(in_repo / "train.sh", f'#!/bin/sh\nexec "{other_python}" train.py\n')
    run("reported", "./train.sh")
    env, packages = recorded("reported")
    assert (env["executable"], env["python_from"]) == (str(other_python), "script")
    assert packages == ["wineprep==1.2.3"]
    assert json.loads(cli("show", "reported", "--json").stdout)["metrics"] == {"acc": 0.9}


def test_uv_run_and_conda_run_are_looked_through(tmp_path: Path, other_python: Path) -> None:
    from gitml.runs import interpreter as it

    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    venv_python = (project / ".venv" / "bin" / "python").resolve()
    venv_python.symlink_to(other_python)
    environ = {"PATH": os.environ["PATH"]}
    found = it.locate(
        ["uv", "run", "--with", "rich", "python", "-m", "x"], project / "src", environ
    )
    assert found == (project / ".venv" / "bin" / "python", "uv")
    pinned = it.locate(["uv", "run", "--python", str(other_python), "train.py"], project, environ)
    assert pinned == (other_python, "uv")
    envs = tmp_path / "envs"
    (envs / "wine" / "bin").mkdir(parents=True)
    (envs / "wine" / "bin" / "python").symlink_to(other_python)
    conda_env = {**environ, "CONDA_ENVS_PATH": str(envs)}
    by_name = it.locate(["conda", "run", "-n", "wine", "python", "t.py"], tmp_path, conda_env)
    assert by_name == (envs / "wine" / "bin" / "python", "conda")
    by_prefix = it.locate(
        ["mamba", "run", "--no-capture-output", "-p", str(envs / "wine"), "python"],
        tmp_path,
        environ,
    )
    assert by_prefix == (envs / "wine" / "bin" / "python", "conda")
    wrapped = it.locate(
        ["env", "A=1", "nice", "-n", "5", str(other_python), "x.py"], tmp_path, environ
    )
    assert wrapped == (other_python, "command")


def test_the_description_is_cached_per_interpreter_and_refreshed_when_it_changes(
    in_repo: Path, other_python: Path
) -> None:
    from gitml.runs.interpreter import CACHE

    run("first", str(other_python), "-c", "pass")
    cache = in_repo / ".git" / "gitml" / CACHE
    saved = json.loads(cache.read_text())
    saved[str(other_python)]["info"]["python"] = "9.9.9"
    cache.write_text(json.dumps(saved))
    run("cached", str(other_python), "-c", "pass")
    assert recorded("cached")[0]["python"] == "9.9.9"  # no second probe
    cfg = other_python.parent.parent / "pyvenv.cfg"
    cfg.write_text(cfg.read_text())  # a rebuilt venv: a new pyvenv.cfg mtime
    os.utime(cfg, ns=(cfg.stat().st_atime_ns, cfg.stat().st_mtime_ns + 10**9))
    run("refreshed", str(other_python), "-c", "pass")
    assert recorded("refreshed")[0]["python"] == sys.version.split()[0]


def test_a_non_python_command_records_the_python_on_its_path_as_a_guess(
    in_repo: Path, other_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{other_python.parent}{os.pathsep}{os.environ['PATH']}")
    run("plain", "true")
    env, packages = recorded("plain")
    assert (env["executable"], env["python_from"]) == (str(other_python.parent / "python3"), "path")
    assert packages == ["wineprep==1.2.3"]
