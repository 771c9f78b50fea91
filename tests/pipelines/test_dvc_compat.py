"""gitml beside DVC itself on the same get-started project: same order, same decisions.

DVC runs from its own venv (``dvc_anchor``); if it cannot be installed the tests skip
and say why. Both tools reproduce identical copies of the project; after each of five
edits (a dependency, a param, a command, a deleted output, nothing) they must name the
same stale stages, then run, restore and skip the same stages in the same order, and
write byte-identical ``dvc.lock`` files. Each then reads the other's lock file.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.pipelines.dvc_anchor import dvc_env, dvc_executable
from tests.support.core import git
from tests.support.pipelines import cli_in, copy_getstarted, make_getstarted

pytestmark = pytest.mark.slow
_LINE = re.compile(
    r"^(?:Running stage '(?P<ran>[^']+)'|Stage '(?P<restored>[^']+)' is cached"
    r"|Stage '(?P<skipped>[^']+)' didn't change)"
)


@pytest.fixture(scope="module")
def dvc() -> Path:
    found, why = dvc_executable()
    if found is None:
        pytest.skip(why)
    return found


class Dvc:
    def __init__(self, exe: Path, root: Path) -> None:
        self.exe = exe
        self.root = root

    def __call__(self, *args: str) -> str:
        proc = subprocess.run(
            [str(self.exe), *args],
            cwd=self.root,
            env=dvc_env(self.root.parent / "dvc-site"),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"dvc {' '.join(args)}: {proc.stdout}{proc.stderr}"
        return proc.stdout + proc.stderr


def make_dvc_project(exe: Path, path: Path) -> Dvc:
    copy_getstarted(path)
    dvc = Dvc(exe, path)
    dvc("init", "-q")
    dvc("add", "-q", "data/data.xml")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "get-started")
    return dvc


def dvc_actions(output: str) -> list[tuple[str, str]]:
    found = []
    for line in output.splitlines():
        match = _LINE.match(line)
        if match:
            kind = next(k for k, v in match.groupdict().items() if v)
            found.append((match[kind], kind))
    return found


def gitml_repro(root: Path) -> list[tuple[str, str]]:
    result = cli_in(root, "repro", "--json")
    assert result.exit_code == 0, result.output
    return [(s["stage"], s["action"]) for s in json.loads(result.stdout)["stages"]]


def gitml_stale(root: Path) -> list[str]:
    result = cli_in(root, "status", "--json")
    assert result.exit_code == 0, result.output
    stale: list[str] = json.loads(result.stdout)["stale"]
    return stale


def dvc_stale(dvc: Dvc) -> list[str]:
    text = dvc("status", "--json")
    data = json.loads(text[text.index("{") :]) if "{" in text else {}
    return [name for name in data if not name.endswith(".dvc")]


def edit_dep(root: Path) -> None:
    with (root / "src" / "train.py").open("a") as f:
        f.write("# a comment changes the dependency, not the model\n")


def edit_param(root: Path) -> None:
    path = root / "params.yaml"
    path.write_text(path.read_text().replace("max_features: 100", "max_features: 200"))


def edit_command(root: Path) -> None:
    path = root / "dvc.yaml"
    path.write_text(
        path.read_text().replace("cmd: python3 src/evaluate.py", "cmd: python3 -B src/evaluate.py")
    )


def delete_output(root: Path) -> None:
    (root / "model.pkl").unlink()


def nothing(_root: Path) -> None:
    return None


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("dependency", edit_dep),
    ("param", edit_param),
    ("command", edit_command),
    ("output deleted", delete_output),
    ("nothing", nothing),
]


def test_gitml_and_dvc_agree_on_order_staleness_and_lock(dvc: Path, tmp_path: Path) -> None:
    ours = make_getstarted(tmp_path / "gitml")
    theirs = make_dvc_project(dvc, tmp_path / "dvc")

    first = gitml_repro(ours)
    assert first == [(name, "ran") for name, _ in dvc_actions(theirs("repro"))]
    assert [name for name, _ in first] == ["prepare", "featurize", "train", "evaluate"]
    assert (ours / "dvc.lock").read_text() == (theirs.root / "dvc.lock").read_text()

    decisions: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    for what, edit in EDITS:
        edit(ours)
        edit(theirs.root)
        stale = gitml_stale(ours)
        assert stale == dvc_stale(theirs), f"after editing {what}"
        assert bool(stale) == (what != "nothing"), what
        ran_gitml = gitml_repro(ours)
        ran_dvc = dvc_actions(theirs("repro"))
        assert ran_gitml == ran_dvc, f"after editing {what}"
        assert len(ran_gitml) == 4, what
        decisions.append((what, stale, ran_gitml))
        assert (ours / "dvc.lock").read_text() == (theirs.root / "dvc.lock").read_text(), what
    assert [(what, stale) for what, stale, _ in decisions] == [
        ("dependency", ["train"]),
        ("param", ["featurize"]),
        ("command", ["evaluate"]),
        ("output deleted", ["train", "evaluate"]),
        ("nothing", []),
    ]
    assert ("train", "restored") in decisions[3][2]  # both restore it from the run cache


def test_each_tool_reads_the_others_lock_file(dvc: Path, tmp_path: Path) -> None:
    ours = make_getstarted(tmp_path / "gitml")
    theirs = make_dvc_project(dvc, tmp_path / "dvc")
    gitml_repro(ours)
    theirs("repro")

    # DVC on gitml's lock: commands, dependencies and params agree; only its own cache
    # lacks the outputs (gitml keeps them in its cache).
    Dvc(dvc, ours)("init", "-q")
    report = json.loads(Dvc(dvc, ours)("status", "--json"))
    for stage, entries in report.items():
        for entry in entries:
            assert isinstance(entry, dict), (stage, entry)
            assert set(entry) == {"changed outs"}, (stage, entry)
            assert set(entry["changed outs"].values()) == {"not in cache"}, (stage, entry)

    # gitml on DVC's lock: the same, the other way round.
    result = cli_in(theirs.root, "status", "--json")
    assert result.exit_code == 0, result.output
    for row in json.loads(result.stdout)["stages"]:
        assert row["changes"], row
        assert {(c["section"], c["state"]) for c in row["changes"]} == {("outs", "not in cache")}
