"""One git boundary: outside ``gitml/storage`` no module runs git or imports a git library.

The check reads every module's syntax tree, so imports inside functions count too. A
module outside storage reaches git through ``gitml.storage`` (``GitRepo.git``,
``gitml.storage.git.run_git``, the object reader, the raw-diff parser).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GITML = Path(__file__).resolve().parents[1] / "gitml"
STORAGE = GITML / "storage"
GIT_LIBRARIES = ("pygit2", "dulwich", "git")
# Modules that start processes other than git, and why.
OTHER_PROCESSES = {
    "gitml/runs/supervise.py": "runs the user's command",
    "gitml/runs/env.py": "asks nvidia-smi for the GPUs",
    "gitml/runs/interpreter.py": "asks the command's Python for its version and module path",
    "gitml/cli/bodies/demo.py": "runs the demo's transcript, the commands a user would type",
}
# Sequences starting with "git" that are text shown to a user, not commands gitml runs.
TRANSCRIPTS = {"gitml/demo/__init__.py"}


def _modules() -> list[Path]:
    return sorted(p for p in GITML.rglob("*.py") if STORAGE not in p.parents)


def _rel(path: Path) -> str:
    return path.relative_to(GITML.parent).as_posix()


def violations(source: str, rel: str) -> list[str]:
    """What in module ``rel`` reaches git without going through ``gitml.storage``."""
    tree = ast.parse(source, filename=rel)
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            if root in GIT_LIBRARIES:
                found.append(f"{rel}:{node.lineno}: imports {name}")
            if root == "subprocess" and rel not in OTHER_PROCESSES:
                found.append(f"{rel}:{node.lineno}: starts processes (import subprocess)")
        if isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            if callee in ("os.system", "os.popen") or callee.startswith(("os.exec", "os.spawn")):
                found.append(f"{rel}:{node.lineno}: starts a process with {callee}")
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and rel not in TRANSCRIPTS:
            words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts[:2]]
            if words[0] == "git" and words[1:] != ["ml"]:  # "git ml ..." is gitml's own
                found.append(f"{rel}:{node.lineno}: builds a git command line")
    return found


def test_no_module_outside_storage_reaches_git_directly() -> None:
    found = [v for path in _modules() for v in violations(path.read_text("utf-8"), _rel(path))]
    assert found == []


def test_the_exceptions_are_still_needed() -> None:
    for rel in OTHER_PROCESSES:
        assert "import subprocess" in (GITML.parent / rel).read_text("utf-8"), rel


@pytest.mark.parametrize(
    "source",
    [
        "import pygit2\n",
        "def f():\n    import pygit2\n",
        "def f():\n    from dulwich.repo import Repo\n",
        "import subprocess\nsubprocess.run(['ls'])\n",
        "from gitml.storage.git import run_git\nARGS = ('git', 'status')\n",
        "ARGS = ['git', '-C', 'x', 'ml']\n",
        "import os\nos.system('git status')\n",
    ],
)
def test_the_check_finds_each_way_around_the_boundary(source: str) -> None:
    assert violations(source, "gitml/data/probe.py")
