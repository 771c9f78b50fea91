"""The README's examples run verbatim.

Every fenced block of README.md is listed below, keyed by its first line: it either runs,
line by line with bash, in a scratch repository prepared the way its prose assumes (the
repository ``git ml demo`` builds, which has the runs, data and model the examples name),
or it is skipped with the reason it cannot run here. A new or changed block fails
``test_every_readme_block_is_run_or_skipped_with_a_reason`` until it is listed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.pipelines import make_getstarted
from tests.support.ui import hermetic_env, make_demo_repo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
pytestmark = pytest.mark.slow

Setup = Callable[[Path, dict[str, str]], None]


@dataclass(frozen=True)
class Block:
    """How one README block is exercised: ``skip`` (the reason) or run in a scratch repo."""

    skip: str | None = None
    base: str = "demo"  # the scratch repository: demo, fresh (git ml init only), getstarted
    setup: tuple[str, ...] = ()  # shell lines run first (not part of the README)
    skip_lines: dict[str, str] = field(default_factory=dict)  # line prefix -> reason
    exit_codes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # prefix -> allowed
    python_preamble: str = ""  # for a python block: names its prose says the script has


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, indentation removed."""
    found = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", text, re.S | re.M):
        indent = len(match.group(1))
        body = "\n".join(line[indent:] for line in match.group(3).splitlines())
        found.append((match.group(2), body.strip("\n")))
    return found


def key_of(body: str) -> str:
    return body.splitlines()[0].strip()


PLACEHOLDER = "an id that stands for one of yours"
BLOCKS: dict[str, Block] = {
    "$ git ml run -S train.lr=0.1 -- python train.py     # record params, metrics, code, data, env": Block(
        skip="a prompt-prefixed overview; the same commands run in the blocks below"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q '.[all]' && .venv/bin/git-ml demo": Block(
        skip="installs gitml into ./.venv; CI builds and smoke-tests the wheel, and "
        "tests/demo/test_demo.py runs the demo"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest": Block(
        skip="the test command itself (.ci/run runs it)"
    ),
    "git ml run -M metrics.json -- python train.py            # record a run": Block(),
    "import gitml": Block(python_preamble="epochs = 3\nloss = 0.25\n"),
    "import gitml  # the same calls under git ml run and on their own": Block(
        skip="names a figure, an array, a frame and a model that stand for yours; "
        "tests/tracking and tests/integrations make each call on real ones"
    ),
    "git ml import mlflow ./mlruns                 # MLflow's file store, or sqlite:///mlflow.db": Block(
        skip="needs stores made by MLflow, DVC and GTO; tests/imports imports stores each "
        "tool made in its own venv"
    ),
    "git ml ui                      # http://127.0.0.1:8765/ — read-only, local, no account": Block(
        skip="git ml ui serves until interrupted and --open starts a browser (tests/ui drives "
        "both); the report lines name runs and a sweep id that stand for yours"
    ),
    "git ml rerun baseline                      # rebuild it from its checkpoint, data and params": Block(
        setup=("git tag v1.2 HEAD~2",),
        skip_lines={"git ml rerun --sweep 01KDZ8M2F0": PLACEHOLDER},
        exit_codes={"git ml rerun baseline --set": (1,)},  # a what-if is never 'reproduced'
    ),
    "git ml data add data/                       # hash (xxh3-128, parallel), cache, record, write .gitml/data/data.toml": Block(
        base="fresh",
        setup=(
            "mkdir data && printf 'a,b\\n1,2\\n' > data/train.csv && git ml data add data/",
            "git add .gitml .gitignore && git commit -q -m 'Training data v0' && git tag v1.0",
            "printf 'a,b\\n1,2\\n3,4\\n' > data/train.csv",
        ),
    ),
    "git ml completion bash > ~/.local/share/bash-completion/completions/git-ml   # bash (git's completion finds it)": Block(
        base="fresh",
        setup=(
            "mkdir -p ~/.local/share/bash-completion/completions ~/.zfunc "
            "~/.config/fish/conf.d",
        ),
    ),
    "git ml data remote add store s3://bucket/team/data --default [--endpoint-url URL] [--region R] [--profile P]": Block(
        skip="needs an S3 bucket, a GCS project or a mounted NAS; tests/objects runs remotes on "
        "a folder, a moto S3 server and (remotes/test_fsspec.py) sshd, Azurite, a GCS emulator "
        "and http.server on loopback"
    ),
    "git ml model register churn --run brisk-otter --artifact model.pkl --version 1.4.0": Block(
        base="fresh",
        setup=(
            "git init -q --bare ../origin.git && git remote add origin ../origin.git",
            "echo model.pkl > .gitignore && git add .gitignore && git commit -q -m 'ignore'",
            "git push -q origin HEAD:refs/heads/main",
            "git ml run -n brisk-otter -o model.pkl -- python -c "
            "\"open('model.pkl', 'w').write('weights')\"",
        ),
        skip_lines={
            "git ml model get churn@production --to /srv/model": "writes under /srv and needs "
            "the pull request merged by a forge (the demo deploys into ./deploy after a merge)"
        },
    ),
    "git ml repro                     # run what is stale, in DVC's order; restore what is cached": Block(
        base="getstarted",
        skip_lines={
            "git ml repro -S train.lr=": "train.lr stands for one of your params (DVC's "
            "get-started project has train.n_est; tests/pipelines runs its sweeps)",
            "git ml lineage churn@production": "churn stands for a registered model "
            "(tests/lineage/test_lineage.py walks one)",
        },
    ),
    'schema = "gitml/policy/1"': Block(),
    "# .gitml/config.toml": Block(),
    "# .pre-commit-config.yaml": Block(
        skip="names a mirror URL that stands for yours; "
        "tests/governance/test_precommit_readme.py copies this block and runs it with the "
        "real pre-commit against a clone of this repository"
    ),
    "git ml monitor churn@production --data serving.csv --prediction score --label churned": Block(
        skip_lines={
            "git ml monitor churn@production --data serving.csv": "serving.csv with score and "
            "churned stands for your data (the demo runs it on serving/monday.csv)",
            "git ml scan churn:1.2.0": "churn 1.2.0 and model.py's predict stand for yours",
        },
    ),
    "git ml run --search random --trials 4 -S train.lr='loguniform(0.01,1)' -S train.epochs='int(5,30)' --objective metrics.acc -M metrics.json --jobs 2 -- python train.py": Block(
        skip_lines={
            "git ml run --on ray://10.0.0.5:6379": "needs a Ray cluster at that address "
            "(tests/cluster runs sweeps on a real local one)",
        },
    ),
    "git ml push            # push refs/gitml/* and refs/notes/gitml (fast-forward, atomic)": Block(
        setup=(
            "git init -q --bare ../origin.git && git remote add origin ../origin.git",
            "git push -q origin HEAD:refs/heads/main",
        ),
    ),
}  # fmt: skip


def readme_blocks() -> list[tuple[str, str]]:
    return [(lang, body) for lang, body in fenced_blocks(README.read_text()) if body]


def test_every_readme_block_is_run_or_skipped_with_a_reason() -> None:
    keys = [key_of(body) for _lang, body in readme_blocks()]
    assert sorted(set(keys) - set(BLOCKS)) == [], "list new README blocks in BLOCKS"
    assert sorted(set(BLOCKS) - set(keys)) == [], "BLOCKS names blocks the README lost"


def cases() -> Iterator[object]:
    for lang, body in readme_blocks():
        block = BLOCKS.get(key_of(body), Block(skip="not listed in BLOCKS"))
        marks = [pytest.mark.skip(reason=block.skip)] if block.skip else []
        yield pytest.param(lang, body, block, id=key_of(body)[:40], marks=marks)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    found = hermetic_env(tmp_path_factory.mktemp("readme-home"))
    found["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{found['PATH']}"
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    return make_demo_repo(tmp_path_factory.mktemp("readme-demo") / "demo", env)


def shell(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def scratch(block: Block, demo: Path, tmp_path: Path, env: dict[str, str]) -> Path:
    where = tmp_path / "work" / "repo"
    if block.base == "getstarted":
        make_getstarted(where)
    elif block.base == "fresh":
        where.mkdir(parents=True)
        for line in (
            "git init -q",
            "git commit -q --allow-empty -m start",
            "git ml init >/dev/null && git add .gitml && git commit -q -m 'Set up gitml'",
        ):
            assert shell(line, where, env).returncode == 0
    else:
        shutil.copytree(demo, where, symlinks=True)
    for line in block.setup:
        proc = shell(line, where, env)
        assert proc.returncode == 0, f"setup {line!r}: {proc.stderr}"
    return where


@pytest.mark.parametrize(("lang", "body", "block"), list(cases()))
def test_readme_block_runs_verbatim(
    lang: str, body: str, block: Block, demo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    repo = scratch(block, demo, tmp_path, env)
    if lang == "python":
        proc = subprocess.run(
            [sys.executable, "-"],
            input=block.python_preamble + body + "\n",
            cwd=repo, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return
    if lang == "toml":
        # A block that starts with '# .gitml/NAME.toml' is added to that file; others are
        # the policy.
        named = key_of(body).removeprefix("#").strip()
        name = named if named.startswith(".gitml/") else ".gitml/policy.toml"
        path = repo / name
        before = path.read_text() if named.startswith(".gitml/") and path.exists() else ""
        path.write_text(before + body + "\n")
        proc = shell(f"git ml validate {name}", repo, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if any(line.startswith(prefix) for prefix in block.skip_lines):
            continue
        allowed = next((c for p, c in block.exit_codes.items() if line.startswith(p)), (0,))
        proc = shell(line, repo, env)
        assert proc.returncode in allowed, f"{line!r} exited {proc.returncode}:\n{proc.stderr}"
