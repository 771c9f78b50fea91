"""An audit reads a long range in bounded batches and finds what one pass over it finds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitml.storage import audit as audit_module
from gitml.storage.audit import Audit, audit, top_names
from gitml.storage.repo import open_repo
from tests.support.core import git

SHAPE = top_names(["runs"])


def _fed(repo: Path, *args: str, text: str) -> str:
    """``git ARGS`` reading ``text`` on stdin; its output, stripped."""
    proc = subprocess.run(["git", *args], cwd=repo, input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _tree(repo: Path, files: dict[str, str]) -> str:
    blobs = {
        name: _fed(repo, "hash-object", "-w", "--stdin", text=text) for name, text in files.items()
    }
    runs = "".join(f"100644 blob {oid}\t{name}\n" for name, oid in sorted(blobs.items()))
    sub = _fed(repo, "mktree", text=runs)
    return _fed(repo, "mktree", text=f"040000 tree {sub}\truns\n")


def _commit(repo: Path, tree: str, *parents: str) -> str:
    args = [arg for parent in parents for arg in ("-p", parent)]
    return git(repo, "commit-tree", tree, *args, "-m", "run").strip()


def _history(repo: Path) -> str:
    """Run commits linking a code checkpoint, a merged side line, a deletion near the end."""
    checkpoint = git(repo, "rev-parse", "HEAD").strip()
    files: dict[str, str] = {}
    tip = ""
    side = ""
    for n in range(11):
        files[f"{n:02d}.toml"] = f"id = {n}\n"
        if n == 8:
            del files["02.toml"]
        parents = [tip] if tip else []
        if n == 6:
            parents.append(side)
        elif tip:
            parents.append(checkpoint)
        tip = _commit(repo, _tree(repo, files), *parents)
        if n == 3:
            side = _commit(repo, _tree(repo, {**files, "side.toml": "id = 99\n"}), tip)
            files["side.toml"] = "id = 99\n"
    return tip


def _found(report: Audit) -> tuple[object, ...]:
    return (report.commits, sorted(report.violations), sorted(report.added))


@pytest.mark.parametrize("batch", [1, 2, 3, 5])
def test_an_audit_in_small_batches_finds_what_one_batch_finds(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    tip = _history(repo_with_commit)
    whole = audit(open_repo(repo_with_commit), tip, [], shape=SHAPE, skew_s=0.0)
    assert whole.commits == 12
    assert [v.path for v in whole.violations] == ["runs/02.toml"]
    assert len(whole.added) == 12
    monkeypatch.setattr(audit_module, "BATCH", batch)
    repo = open_repo(repo_with_commit)
    assert _found(audit(repo, tip, [], shape=SHAPE, skew_s=0.0)) == _found(whole)
