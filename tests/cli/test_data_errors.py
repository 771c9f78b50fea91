"""Bad input to ``git ml data``: one clear line on stderr, exit 1, nothing lost or written."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.cli.test_data import ok, write
from tests.support.core import CliResult, cli, git


def fails(*args: str) -> CliResult:
    result = cli(*args)
    assert result.exit_code == 1, result
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    return result


def nothing_recorded(repo: Path) -> None:
    assert not (repo / ".gitml" / "data").exists()
    assert git(repo, "for-each-ref", "refs/gitml/") == ""
    assert not (repo / ".gitignore").exists()


def test_add_missing_path(in_repo: Path) -> None:
    assert fails("data", "add", "nope").stderr == "error: 'nope' does not exist\n"
    nothing_recorded(in_repo)


def test_add_path_outside_repository(in_repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n")
    assert "is outside the repository" in fails("data", "add", str(outside)).stderr
    assert "is outside the repository" in fails("data", "add", "../outside.csv").stderr
    nothing_recorded(in_repo)


def test_add_repository_root_or_git_dir(in_repo: Path) -> None:
    assert "is the whole repository" in fails("data", "add", ".").stderr
    assert "which git reads as '.git'" in fails("data", "add", ".git/HEAD").stderr
    nothing_recorded(in_repo)


@pytest.mark.parametrize("where", ["top", "inside"])
def test_add_symlink_pointing_outside(in_repo: Path, tmp_path: Path, where: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not the repository's\n")
    (in_repo / "data").mkdir()
    write(in_repo / "data" / "ok.txt", b"fine")
    link = in_repo / "data" / "link.txt" if where == "inside" else in_repo / "link.txt"
    link.symlink_to(secret)
    target = "data" if where == "inside" else "link.txt"
    message = fails("data", "add", target).stderr
    assert f"is a symlink to '{secret}', outside the work tree" in message
    nothing_recorded(in_repo)
    assert secret.read_text() == "not the repository's\n"


def test_add_symlink_inside_repository_is_followed(in_repo: Path) -> None:
    write(in_repo / "data" / "real.txt", b"content")
    (in_repo / "data" / "alias.txt").symlink_to(in_repo / "data" / "real.txt")
    assert "2 files" in ok("data", "add", "data")


def test_add_ragged_csv_keeps_everything_as_it_was(in_repo: Path) -> None:
    csv = in_repo / "data" / "t.csv"
    write(csv, b"a,b,c\n1,2,3\n4,5\n6,7,8\n")
    before = csv.stat()
    message = fails("data", "add", "data").stderr
    assert message.startswith("error: data/t.csv: line 3: expected 3 fields, found 2")
    assert "--no-profile" in message
    nothing_recorded(in_repo)
    assert csv.read_bytes() == b"a,b,c\n1,2,3\n4,5\n6,7,8\n"
    assert stat.S_IMODE(csv.stat().st_mode) == stat.S_IMODE(before.st_mode)
    assert csv.stat().st_nlink == 1
    assert "(1 file, 22 B)" in ok("data", "add", "data", "--no-profile")
    assert (in_repo / ".gitml" / "data" / "data.toml").is_file()


def test_add_path_tracked_by_git(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    git(in_repo, "add", "data/a.txt")
    message = fails("data", "add", "data").stderr
    assert "'data/a.txt' is tracked by git; untrack it first with `git rm -r --cached data`" in (
        message
    )


def test_add_overlapping_and_clashing_datasets(in_repo: Path) -> None:
    write(in_repo / "data" / "sub" / "a.txt", b"a")
    write(in_repo / "other" / "sub" / "b.txt", b"b")
    ok("data", "add", "data")
    assert "overlaps dataset 'data'" in fails("data", "add", "data/sub").stderr
    assert "already tracks 'data'" in fails("data", "add", "other", "--name", "data").stderr
    assert "invalid dataset name" in fails("data", "add", "other", "--name", "-x").stderr


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("../outside", "has a '..' component"),
        ("data/../../x", "has a '..' component"),
        ("/etc", "is absolute"),
        (".Git/hooks", "has a '.Git' component, which git reads as '.git'"),
        ("data/.git", "has a '.git' component, which git reads as '.git'"),
    ],
)
def test_pointer_with_escaping_path(in_repo: Path, path: str, problem: str) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    ok("data", "add", "data")
    pointer = in_repo / ".gitml" / "data" / "data.toml"
    pointer.write_text(pointer.read_text().replace('path = "data"', f'path = "{path}"'))
    for command in (("data", "status"), ("data", "checkout"), ("data", "ls")):
        message = fails(*command).stderr
        assert message.startswith(f"error: .gitml/data/data.toml: path: '{path}' {problem}")
    assert (in_repo / "data" / "a.txt").read_bytes() == b"a"


def test_pointer_edited_to_unknown_digest(in_repo: Path, tmp_path: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    ok("data", "add", "data")
    store = tmp_path / "store"
    store.mkdir()
    ok("data", "remote", "add", "store", str(store))
    ok("data", "push")
    pointer = in_repo / ".gitml" / "data" / "data.toml"
    text = pointer.read_text()
    digest = text.split('manifest = "')[1].split('"')[0]
    bogus = "xxh3-128:" + "0" * 32
    pointer.write_text(text.replace(digest, bogus))
    message = fails("data", "checkout").stderr
    assert f"manifest {bogus} of dataset 'data' is in neither refs/gitml/data, the cache nor " in (
        message
    )
    assert "data remote 'store'; was the pointer edited?" in message
    assert (in_repo / "data" / "a.txt").read_bytes() == b"a"
    status = ok("data", "status")
    assert status.startswith("data (data): unknown: ")
    pointer.write_text(text.replace(digest, "xxh3-128:nothex"))
    assert "manifest: 'xxh3-128:nothex' does not match" in fails("data", "status").stderr


def test_checkout_without_cache_or_remote(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    ok("data", "add", "data", "--link", "copy")
    cache = in_repo / ".git" / "gitml" / "cache"
    for obj in cache.rglob("*"):
        if obj.is_file() and obj.parent.name != "tmp" and obj.stat().st_size == 1:
            obj.unlink()
    (in_repo / "data" / "a.txt").unlink()
    message = fails("data", "checkout").stderr
    assert "1 object(s) are not in the cache (first: 'data/a.txt') and no data remote" in message


def test_unreachable_directory_remote(in_repo: Path, tmp_path: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    ok("data", "add", "data")
    ok("data", "remote", "add", "gone", str(tmp_path / "unmounted"))
    message = fails("data", "push").stderr
    assert "data remote 'gone'" in message
    assert "is not a directory; create it, or check that its volume is mounted" in message


def test_remote_commands_reject_bad_input(in_repo: Path) -> None:
    assert "unsupported data remote URL" in fails("data", "remote", "add", "x", "ftp://h/p").stderr
    usage = cli("data", "remote", "add", "x", "dir", "--region", "eu")
    assert usage.exit_code == 2
    assert usage.stderr == "error: --region applies to s3:// remotes only, not 'dir'\n"
    assert "no data remote named 'x'" in fails("data", "remote", "rm", "x").stderr
    ok("data", "remote", "add", "x", "dir")
    assert "already exists" in fails("data", "remote", "add", "x", "dir2").stderr


def test_show_and_status_of_unknown_dataset(in_repo: Path) -> None:
    assert "no dataset named 'nope'" in fails("data", "show", "nope").stderr
    assert "no dataset named or at 'nope'" in fails("data", "status", "nope").stderr


def test_unknown_revision_in_diff(in_repo: Path) -> None:
    assert fails("data", "diff", "nope").stderr == (
        "error: unknown revision 'nope'; use a commit id, branch or tag\n"
    )


def test_invalid_link_mode_is_a_usage_error(in_repo: Path) -> None:
    result = cli("data", "add", "x", "--link", "sym")
    assert result.exit_code == 2


def test_add_refuses_a_file_list_over_the_limit_every_clone_reads_under(in_repo: Path) -> None:
    """A version whose file list is over ``data.max_listing_mb`` would be refused by every
    clone that reads it (its own included): ``data add`` refuses it, naming the setting,
    and records nothing; with the limit raised it is added."""
    config = in_repo / ".gitml" / "config.toml"
    write(config, b'schema = "gitml/config/1"\n\n[data]\nmax_listing_mb = 0.001\n')
    for i in range(40):
        write(in_repo / "many" / f"{i:04d}.txt", f"{i}\n".encode())
    message = fails("data", "add", "many").stderr
    assert "'many': its file list (40 files)" in message
    assert "over the 1.0 KiB limit" in message
    assert "data.max_listing_mb" in message
    assert not (in_repo / ".gitml" / "data").exists()
    assert git(in_repo, "for-each-ref", "refs/gitml/") == ""
    write(config, b'schema = "gitml/config/1"\n\n[data]\nmax_listing_mb = 1\n')
    ok("data", "add", "many")
    ok("data", "status")
