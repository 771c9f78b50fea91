"""``data add`` writes its pointer and ``.gitignore`` through the path guard too, and
refuses a dataset that checkout would later refuse."""

from __future__ import annotations

from pathlib import Path

from tests.security.forge import listing, write
from tests.support.core import cli


def test_add_refuses_a_dataset_root_linked_into_dot_git(in_repo: Path) -> None:
    (in_repo / "d").symlink_to(".git")
    before = listing(in_repo / ".git")
    result = cli("data", "add", "d")
    assert result.exit_code == 1, result
    assert "'d' is a symbolic link" in result.stderr
    assert listing(in_repo / ".git") == before


def test_pointer_folder_linked_outside_is_never_written_through(
    in_repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (in_repo / ".gitml").mkdir()
    (in_repo / ".gitml" / "data").symlink_to(outside)
    write(in_repo / "data" / "x.csv", b"a\n1\n")
    result = cli("data", "add", "data")
    assert result.exit_code == 1, result
    assert "'.gitml/data' is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_gitignore_link_is_replaced_not_followed(in_repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "bashrc"
    target.write_text("export PATH=/usr/bin\n")
    (in_repo / ".gitignore").symlink_to(target)
    write(in_repo / "data" / "x.csv", b"a\n1\n")
    result = cli("data", "add", "data")
    assert result.exit_code == 0, result
    assert target.read_text() == "export PATH=/usr/bin\n"
    assert not (in_repo / ".gitignore").is_symlink()
    assert "/data" in (in_repo / ".gitignore").read_text()


def test_add_refuses_a_link_to_a_file_of_dot_git(in_repo: Path) -> None:
    """A committed link inside a dataset to ``.git/config`` (which may hold a remote URL
    with a token) lies inside the work tree, but ``data add`` must not record its content:
    it would be pushed to the data remote with the dataset."""
    write(in_repo / "ds" / "ok.txt", b"ok\n")
    (in_repo / "ds" / "config").symlink_to("../.git/config")
    result = cli("data", "add", "ds")
    assert result.exit_code == 1, result
    assert "'ds/config'" in result.stderr
    assert ".git" in result.stderr
    assert not (in_repo / ".gitml" / "data" / "ds.toml").exists()
