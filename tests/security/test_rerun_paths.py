"""``git ml rerun`` restoring inputs into a checkpoint that someone else wrote.

The record and its checkpoint commit travel from other clones, so an attacker can pair an
honest dataset version with a checkpoint whose tree turns a folder on the way into a link
(one or two levels down, or the dataset root itself), or name an input inside ``.git``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gitml.objects.pathguard as pathguard
from gitml.objects.pathguard import UnsafePath
from gitml.records import ids
from gitml.rerun.inputs import restore_inputs
from gitml.runs.paths import runs_collection
from gitml.runs.record import dump_record
from gitml.runs.store import get_run
from gitml.storage.repo import open_repo
from tests.rerun.rerun_support import isolated_project, record
from tests.security.forge import hash_blob, listing, ok, write
from tests.support.core import cli, git


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dataset 'data' with a file two folders down, and a run that read it."""
    isolated_project(in_repo, tmp_path, monkeypatch)
    write(in_repo / "data" / "train.csv", b"x,y\n1,2\n")
    write(in_repo / "data" / "sub" / "deeper" / "authorized_keys", b"attacker's key\n")
    ok("data", "add", "data")
    git(in_repo, "add", "-A")
    git(in_repo, "commit", "-q", "-m", "data")
    write(tmp_path / "outside" / "authorized_keys", b"the victim's own key\n")
    record("-n", "honest")
    return in_repo


LINKS_ON_THE_WAY = pytest.mark.parametrize(
    ("link", "shown"),
    [("data/sub", "data/sub"), ("data/sub/deeper", "data/sub/deeper"), ("data", "data")],
    ids=["one-down", "two-down", "root"],
)


def forge_run(
    repo: Path,
    *,
    links: dict[str, str],
    inputs: dict[str, str] | None = None,
    cwd: str | None = None,
) -> str:
    """A run record like 'honest' whose checkpoint adds ``links`` (path -> target)."""
    grepo = open_repo(repo)
    doc: dict[str, Any] = dict(get_run(grepo, "honest"))
    index = repo / ".git" / "forge-index"
    env = {"GIT_INDEX_FILE": str(index)}
    git(repo, "read-tree", "HEAD", env=env)
    for path, target in links.items():
        blob = hash_blob(repo, target.encode())
        git(repo, "update-index", "--add", "--cacheinfo", f"120000,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    index.unlink()
    checkpoint = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "checkpoint").strip()
    run_id = ids.new_id()
    doc.update(id=run_id, name="forged", code={**doc["code"], "checkpoint": checkpoint})
    if inputs is not None:
        doc["inputs"] = inputs
    if cwd is not None:
        doc["cwd"] = cwd
    collection = runs_collection(grepo)
    data = dump_record(doc)
    collection.write(lambda _snap: {collection.record_path(run_id): data}, "forged run")
    return run_id


def refused(*needles: str) -> None:
    result = cli("rerun", "forged")
    assert result.exit_code == 1, result
    assert result.stderr.startswith("error: "), result
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result


@LINKS_ON_THE_WAY
def test_checkpoint_link_on_the_way_stops_the_rerun(
    project: Path, tmp_path: Path, link: str, shown: str
) -> None:
    outside = tmp_path / "outside"
    forge_run(project, links={link: str(outside)})
    before = listing(outside)
    refused(f"'{shown}' is a symbolic link")
    assert listing(outside) == before


def test_dataset_root_linked_into_the_users_git_hooks_is_refused(
    project: Path, tmp_path: Path
) -> None:
    hooks = project / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    forge_run(project, links={"data": str(hooks)})
    before = listing(project / ".git")
    refused("'data' is a symbolic link")
    after = listing(project / ".git")
    assert {k: v for k, v in after.items() if k.startswith("hooks")} == {
        k: v for k, v in before.items() if k.startswith("hooks")
    }


def test_link_swapped_in_after_the_checks_stops_the_write(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    forge_run(project, links={})
    swapped: list[str] = []

    class SwappedAfterTheChecks(pathguard.TreeWriter):
        """The race: the rerun's worktree gets a link once every check has passed."""

        def __init__(self, root: Path, *, where: str) -> None:
            super().__init__(root, where=where)
            deeper = root / "data" / "sub" / "deeper"
            deeper.parent.mkdir(parents=True, exist_ok=True)
            deeper.symlink_to(outside)
            swapped.append(str(deeper))

    monkeypatch.setattr(pathguard, "TreeWriter", SwappedAfterTheChecks)
    before = listing(outside)
    result = cli("rerun", "forged")
    assert swapped, result
    assert result.exit_code == 1, result
    assert "'data/sub/deeper' is a symbolic link" in result.stderr
    assert listing(outside) == before


@pytest.mark.parametrize(
    ("cwd", "shown"),
    [
        ("work/made", "'work' is a symbolic link"),
        ("../../made", "has a '..' component"),
        ("/ABSOLUTE/made", "is absolute"),
    ],
    ids=["link-on-the-way", "dot-dot", "absolute"],
)
def test_recorded_cwd_is_made_only_inside_the_worktree(
    project: Path, tmp_path: Path, cwd: str, shown: str
) -> None:
    outside = tmp_path / "outside"
    cwd = cwd.replace("/ABSOLUTE", str(outside))
    forge_run(project, links={"work": str(outside)}, cwd=cwd)
    before = listing(outside)
    result = cli("rerun", "forged")
    assert result.exit_code == 1, result
    assert "Traceback" not in result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: "), result
    assert shown in last, result
    assert listing(outside) == before
    assert not (outside / "made").exists()


@pytest.mark.parametrize("key", ["sub/.git/config", ".GIT/hooks/post-checkout", "a/git~1/x"])
def test_input_path_naming_dot_git_is_refused(project: Path, tmp_path: Path, key: str) -> None:
    honest = get_run(open_repo(project), "honest")
    digest = next(iter(honest["inputs"].values()))
    doc = {**honest, "id": ids.new_id(), "inputs": {key: digest}}
    root = tmp_path / "worktree"
    root.mkdir()
    with pytest.raises(UnsafePath, match=r"which git reads as '\.git'"):
        restore_inputs(open_repo(project), root, run_id=doc["id"], inputs=doc["inputs"])
    assert list(root.iterdir()) == []


@LINKS_ON_THE_WAY
def test_a_ray_node_restores_inputs_only_through_the_guard(
    project: Path, tmp_path: Path, link: str, shown: str
) -> None:
    """What a node of ``rerun --on ray`` does with the forged run: the driver's shipment,
    the checkpoint checked out in the node's worktree, the inputs put back."""
    from gitml.cluster.shipment import build_shipment, input_files
    from gitml.cluster.worker import place_inputs
    from gitml.storage.worktree import add_worktree, remove_worktree

    outside = tmp_path / "outside"
    repo = open_repo(project)
    doc = get_run(repo, forge_run(project, links={link: str(outside)}))
    checkpoint = str(doc["code"]["checkpoint"])
    files, _outside = input_files(repo, checkpoint, doc["inputs"])
    assert "data/sub/deeper/authorized_keys" in files
    shipment = build_shipment(repo, [checkpoint], files)
    node = tmp_path / "node"
    add_worktree(repo, node, checkpoint)
    before = listing(outside)
    try:
        with pytest.raises(UnsafePath, match=f"'{shown}' is a symbolic link"):
            place_inputs(node, files, shipment, tmp_path / "node-state")
        assert listing(outside) == before
    finally:
        remove_worktree(repo, node)
