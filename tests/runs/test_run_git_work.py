"""What one ``git ml run`` asks of git: how many processes, and when it reads the tree.

The processes are counted by git itself (``GIT_TRACE2_EVENT``: every git started writes a
``start`` event), with the real git doing the work.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from gitml.runs.store import list_runs
from gitml.storage.git import GitObject, ObjectReader
from gitml.storage.repo import open_repo
from tests.support.core import git, gitml_process, ok

CLEAN_RUN_GIT_PROCESSES = 6
"""rev-parse (the layout), status, config (the identity), cat-file (reads), unpack-objects
(the record and its note, one pack) and update-ref (both refs, one transaction)."""


DIRTY_RUN_GIT_PROCESSES = 9
"""Those of a clean run, plus hash-object (the changed files), diff (the checkpoint's
diffstat) and unpack-objects (the checkpoint's pack, written before the command starts)."""
CLEAN_RUN_READS = 12
"""Round trips to ``git cat-file --batch`` in a clean run on an existing runs ref: the ref
and its ``layout.toml`` (one each), the trees the record goes into (one), the code
commit, and the notes' reads: the ref, its tip commit (whose ``Gitml-Runs`` trailer says
what the notes cover), its trees one level at a time, the old note (once: the same read
tells whether the line is there and gives what it merges into) and the trees the new note
goes into."""


def git_started(trace: Path) -> list[str]:
    """The commands of the git processes gitml started (not those git started itself)."""
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    sids = {event["sid"] for event in events}
    return [
        " ".join(event["argv"][1:2])
        for event in events
        if event["event"] == "start" and event["sid"].rpartition("/")[0] not in sids
    ]


def traced_run(repo: Path, trace: Path, *command: str) -> list[str]:
    proc = gitml_process(
        "run", "--", *command, cwd=repo, env={"GIT_TRACE2_EVENT": str(trace)}, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return git_started(trace)


def test_a_clean_run_starts_no_more_git_processes_than_it_needs(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    for _ in range(2):  # the first runs create the collection and the package-list cache
        assert gitml_process("run", "--", "true", cwd=repo_with_commit).returncode == 0
    started = traced_run(repo_with_commit, tmp_path / "clean.json", "true")
    assert len(started) <= CLEAN_RUN_GIT_PROCESSES, started
    assert started.count("unpack-objects") == 1, started  # every object in one pack


def test_a_dirty_run_writes_each_commit_as_one_pack(repo_with_commit: Path, tmp_path: Path) -> None:
    assert gitml_process("run", "--", "true", cwd=repo_with_commit).returncode == 0
    (repo_with_commit / "README.md").write_text("changed\n")
    (repo_with_commit / "new.txt").write_text("new\n")
    started = traced_run(repo_with_commit, tmp_path / "dirty.json", "true")
    assert len(started) <= DIRTY_RUN_GIT_PROCESSES, started
    assert started.count("unpack-objects") == 2, started  # the checkpoint, then the record
    assert started.count("diff") == 1, started
    assert git(repo_with_commit, "fsck", "--no-dangling").strip() == ""


def test_the_record_holds_the_tree_before_the_command_changed_it(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    (repo / "model.py").write_text("a = 1\nb = 2\n")
    git(repo, "add", "model.py")
    git(repo, "commit", "-q", "-m", "model")
    (repo / "README.md").write_text("hello\nuser edit\n")
    (repo / "notes.txt").write_text("untracked\n")
    edit = (
        "from pathlib import Path\n"
        "Path('README.md').write_text('rewritten by the run\\n' * 50)\n"
        "Path('model.py').write_text('a = 3\\n')\n"
        "Path('notes.txt').unlink()\n"
        "Path('output.txt').write_text('made by the run\\n')\n"
    )
    proc = gitml_process("run", "--", sys.executable, "-c", edit, cwd=repo, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (repo / "model.py").read_text() == "a = 3\n"  # the command did change the tree

    [run] = list_runs(open_repo(repo)).runs
    code = run["code"]
    assert code["modified"] == ["README.md"]
    assert code["untracked"] == ["notes.txt"]
    assert code["diffstat"] == {"files": 2, "insertions": 2, "deletions": 0}
    numstat = git(repo, "diff", "--numstat", code["commit"], code["checkpoint"])
    assert numstat.splitlines() == ["1\t0\tREADME.md", "1\t0\tnotes.txt"]
    checkpoint = code["checkpoint"]
    assert git(repo, "show", f"{checkpoint}:README.md") == "hello\nuser edit\n"
    assert git(repo, "show", f"{checkpoint}:model.py") == "a = 1\nb = 2\n"
    assert git(repo, "show", f"{checkpoint}:notes.txt") == "untracked\n"
    assert "output.txt" not in git(repo, "ls-tree", "--name-only", checkpoint)


def test_a_clean_run_reads_the_runs_ref_and_its_layout_once(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):  # the first runs create the collections
        ok("run", "--", "true")
    requests: list[list[str]] = []
    read_all = ObjectReader.read_all

    def recorded(self: ObjectReader, names: Sequence[str]) -> list[GitObject | None]:
        requests.append(list(names))
        return read_all(self, names)

    monkeypatch.setattr(ObjectReader, "read_all", recorded)
    ok("run", "--", "true")
    assert len(requests) <= CLEAN_RUN_READS, "\n".join(map(str, requests))
    assert requests.count(["refs/gitml/runs"]) == 1, requests
    assert sum(name.endswith(":layout.toml") for r in requests for name in r) == 1, requests
