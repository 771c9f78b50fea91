"""pygit2's package initialiser runs only when something beyond its compiled core is used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import git


def _python(cwd: Path, code: str, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_a_clean_run_never_loads_the_full_package(repo_with_commit: Path) -> None:
    subprocess.run([sys.executable, "-m", "gitml", "init"], cwd=repo_with_commit, check=True)
    git(repo_with_commit, "add", ".gitml")
    git(repo_with_commit, "commit", "-qm", "gitml")
    # The first run creates the refs (under a transaction, the full package's API).
    first = [sys.executable, "-m", "gitml", "run", "--", "true"]
    subprocess.run(first, cwd=repo_with_commit, check=True)
    code = (
        "import sys\n"
        "from gitml.cli import main\n"
        "assert main(['run', '--', 'true']) == 0\n"
        "assert main(['ls', '--json']) == 0\n"
        "print('pygit2.repository' in sys.modules, 'pygit2.index' in sys.modules)\n"
    )
    assert _python(repo_with_commit, code) == "False False"


def test_a_lean_repository_becomes_a_full_one_on_first_use(repo_with_commit: Path) -> None:
    code = (
        "from gitml.storage.repo import open_repo\n"
        "repo = open_repo()\n"
        "before = type(repo.raw).__name__\n"
        "name = repo.raw.config['user.name']\n"
        "import pygit2\n"
        "print(before, isinstance(repo.raw, pygit2.Repository), name, pygit2.Index is not None)\n"
    )
    assert _python(repo_with_commit, code) == "LeanRepository True Test User True"


def test_threads_completing_at_once_all_see_the_full_package(repo_with_commit: Path) -> None:
    code = (
        "import threading\n"
        "import gitml.storage\n"
        "import pygit2\n"
        "seen = []\n"
        "def use():\n"
        "    seen.append(pygit2.Repository is not None and pygit2.Index is not None)\n"
        "threads = [threading.Thread(target=use) for _ in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(seen == [True] * 8)\n"
    )
    assert _python(repo_with_commit, code) == "True"


def test_switched_off_it_is_plain_pygit2(repo_with_commit: Path) -> None:
    code = (
        "from gitml.storage.repo import open_repo\n"
        "import sys\n"
        "print(type(open_repo().raw).__name__, 'pygit2.repository' in sys.modules)\n"
    )
    assert _python(repo_with_commit, code, GITML_LEAN_PYGIT2="0") == "Repository True"


def test_package_dunders_complete_it_too(repo_with_commit: Path) -> None:
    code = (
        "import gitml.storage\n"
        "import pygit2\n"
        "print(pygit2.__version__ == __import__('importlib.metadata').metadata.version('pygit2'))\n"
    )
    assert _python(repo_with_commit, code) == "True"
