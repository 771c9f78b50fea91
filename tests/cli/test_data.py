"""``git ml data add/status/diff/checkout/ls/show`` in real repositories, through the CLI."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from gitml.data.store import profile_path
from gitml.objects.digest import hash_bytes, hash_file
from tests.security.forge import commit_files
from tests.support.core import cli, git


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o644)
        path.unlink()
    path.write_bytes(data)


def age(root: Path) -> None:
    """Move mtimes into the past so the stat cache may record the files (racy-git rule)."""
    past = time.time_ns() - 5 * 10**9
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(past, past))


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hash_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def two_versions(in_repo: Path) -> tuple[Path, str, str, dict[str, str], dict[str, str]]:
    """A repo whose commits v1 and v2 hold different data under data/."""
    data = in_repo / "data"
    write(data / "a.csv", b"x,y\n1,2\n3,4\n")
    write(data / "keep.bin", os.urandom(50_000))
    write(data / "sub" / "old.txt", b"old\n")
    ok("data", "add", "data")
    v1 = commit_all(in_repo, "v1")
    old = snapshot(data)
    write(data / "a.csv", b"x,y\n1,2\n3,4\n5,6\n")
    (data / "sub" / "old.txt").unlink()
    write(data / "new" / "n.bin", os.urandom(3000))
    ok("data", "add", "data")
    v2 = commit_all(in_repo, "v2")
    return in_repo, v1, v2, old, snapshot(data)


def test_add_writes_pointer_manifest_and_gitignore(in_repo: Path) -> None:
    write(in_repo / "data" / "train.csv", b"a,b\n1,2\n")
    write(in_repo / "data" / "img" / "x.bin", b"\x00\x01")
    out = json.loads(ok("data", "add", "data", "--json"))
    (entry,) = out["datasets"]
    assert entry["name"] == "data"
    assert entry["files"] == 2
    assert entry["bytes"] == 10
    pointer = (in_repo / ".gitml" / "data" / "data.toml").read_text()
    assert f'manifest = "{entry["manifest"]}"' in pointer
    assert 'path = "data"' in pointer
    assert (in_repo / ".gitignore").read_text() == "/data\n"
    hex32 = entry["manifest"].split(":")[1]
    paths = git(in_repo, "ls-tree", "-r", "--name-only", "refs/gitml/data").split()
    manifest_path = next(p for p in paths if p.endswith(f"{hex32}.toml"))
    record = git(in_repo, "show", f"refs/gitml/data:{manifest_path}")
    assert 'schema = "gitml/dataset/1"' in record
    assert hash_bytes(record.encode()) == entry["manifest"]
    listing = git(in_repo, "show", f"refs/gitml/data:{manifest_path[:-5]}.listing")
    binary, table = hash_bytes(b"\x00\x01"), hash_bytes(b"a,b\n1,2\n")
    assert listing.splitlines()[1:] == [f"{binary}\t2\timg/x.bin", f"{table}\t8\ttrain.csv"]
    assert git(in_repo, "status", "--porcelain") == "?? .gitignore\n?? .gitml/\n"
    git(in_repo, "fsck", "--strict")


def test_add_again_is_idempotent(in_repo: Path) -> None:
    write(in_repo / "d" / "f.txt", b"1")
    first = json.loads(ok("data", "add", "d", "--json"))["datasets"][0]
    tip = git(in_repo, "rev-parse", "refs/gitml/data")
    again = json.loads(ok("data", "add", "d", "--json"))["datasets"][0]
    assert again["manifest"] == first["manifest"]
    assert again["changed"] is False
    assert git(in_repo, "rev-parse", "refs/gitml/data") == tip
    assert (in_repo / ".gitignore").read_text() == "/d\n"


def test_add_single_file_with_name_and_existing_ignore_rule(in_repo: Path) -> None:
    (in_repo / ".gitignore").write_text("*.bin\n")
    write(in_repo / "models" / "m.bin", b"weights")
    out = json.loads(ok("data", "add", "models/m.bin", "--name", "weights", "--json"))
    assert out["datasets"][0]["name"] == "weights"
    assert out["gitignore"] == []
    assert (in_repo / ".gitignore").read_text() == "*.bin\n"
    assert "clean" in ok("data", "status")


def test_status_reports_added_modified_deleted(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    write(in_repo / "data" / "b.txt", b"b")
    ok("data", "add", "data")
    assert ok("data", "status") == "data (data): clean\n"
    write(in_repo / "data" / "a.txt", b"changed")
    (in_repo / "data" / "b.txt").unlink()
    write(in_repo / "data" / "c.txt", b"c")
    status = json.loads(ok("data", "status", "--json"))["datasets"][0]
    assert status["clean"] is False
    assert status["modified"] == ["data/a.txt"]
    assert status["deleted"] == ["data/b.txt"]
    assert status["added"] == ["data/c.txt"]
    human = ok("data", "status")
    assert "1 modified, 1 added, 1 deleted" in human
    assert "  modified: data/a.txt" in human


def test_clean_status_reads_no_file(in_repo: Path) -> None:
    from gitml.objects.statcache import StatCache, hash_with_cache

    write(in_repo / "data" / "a.txt", b"a" * 1000)
    write(in_repo / "data" / "b.txt", b"b" * 1000)
    age(in_repo / "data")
    ok("data", "add", "data", "--link", "copy")
    assert ok("data", "status") == "data (data): clean\n"
    with StatCache(in_repo / ".git" / "gitml") as sc:
        found = hash_with_cache(in_repo, ["data/a.txt", "data/b.txt"], sc)
    assert found.rehashed == frozenset()


def test_checkout_of_older_commit_restores_exact_bytes(
    two_versions: tuple[Path, str, str, dict[str, str], dict[str, str]],
) -> None:
    repo, v1, v2, old, new = two_versions
    git(repo, "checkout", "-q", v1)
    status = json.loads(ok("data", "status", "--json"))["datasets"][0]
    assert not status["clean"]
    out = json.loads(ok("data", "checkout", "--json"))
    assert sorted(out["restored"]) == ["data/a.csv", "data/sub/old.txt"]
    assert out["removed"] == ["data/new/n.bin"]
    assert snapshot(repo / "data") == old
    assert not (repo / "data" / "new").exists()
    assert ok("data", "status") == "data (data): clean\n"
    git(repo, "checkout", "-q", v2)
    ok("data", "checkout")
    assert snapshot(repo / "data") == new


def test_diff_between_commits_lists_added_deleted_modified(
    two_versions: tuple[Path, str, str, dict[str, str], dict[str, str]],
) -> None:
    repo, v1, v2, _, _ = two_versions
    out = json.loads(ok("data", "diff", v1, v2, "--json"))
    changes = {c["path"]: c for c in out["changes"]}
    assert set(changes) == {"data/a.csv", "data/new/n.bin", "data/sub/old.txt"}
    assert changes["data/a.csv"]["status"] == "modified"
    assert changes["data/a.csv"]["old"]["size"] == 12
    assert changes["data/a.csv"]["new"]["size"] == 16
    assert changes["data/new/n.bin"]["status"] == "added"
    assert changes["data/new/n.bin"]["old"] is None
    assert changes["data/sub/old.txt"]["status"] == "deleted"
    assert out["summary"] == {"added": 1, "deleted": 1, "modified": 1}
    human = ok("data", "diff", v1, v2)
    assert "modified  data/a.csv        12 B -> 16 B" in human
    assert human.endswith("1 added, 1 deleted, 1 modified\n")
    assert ok("data", "diff") == "no data changes between HEAD and workspace\n"
    write(repo / "data" / "extra.txt", b"e")
    assert json.loads(ok("data", "diff", "--json"))["changes"][0]["path"] == "data/extra.txt"


def test_checkout_refuses_unadded_changes_without_force(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"v1")
    ok("data", "add", "data", "--link", "copy")
    write(in_repo / "data" / "a.txt", b"precious edit")
    write(in_repo / "data" / "new.txt", b"brand new")
    result = cli("data", "checkout")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "2 file(s) in dataset(s) data have changes that were never added" in result.stderr
    assert (in_repo / "data" / "a.txt").read_bytes() == b"precious edit"
    assert (in_repo / "data" / "new.txt").read_bytes() == b"brand new"
    out = json.loads(ok("data", "checkout", "--force", "--json"))
    assert sorted(out["kept_in_cache"]) == ["data/a.txt", "data/new.txt"]
    assert (in_repo / "data" / "a.txt").read_bytes() == b"v1"
    assert not (in_repo / "data" / "new.txt").exists()
    cache = in_repo / ".git" / "gitml" / "cache"
    edit = hash_bytes(b"precious edit").hex
    assert (cache / edit[:2] / edit[2:]).read_bytes() == b"precious edit"


def test_checkout_path_inside_dataset_restores_only_it(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    write(in_repo / "data" / "b.txt", b"b")
    ok("data", "add", "data")
    (in_repo / "data" / "a.txt").unlink()
    (in_repo / "data" / "b.txt").unlink()
    out = json.loads(ok("data", "checkout", "data/a.txt", "--json"))
    assert out["restored"] == ["data/a.txt"]
    assert not (in_repo / "data" / "b.txt").exists()


def test_ls_and_show_with_profile(in_repo: Path) -> None:
    write(in_repo / "data" / "t.csv", b"age,city\n20,a\n30,b\n40,a\n")
    write(in_repo / "data" / "notes.txt", b"n")
    ok("data", "add", "data")
    rows = json.loads(ok("data", "ls", "--json"))
    assert [(r["name"], r["files"]) for r in rows] == [("data", 2)]
    assert "data  data  2" in ok("data", "ls")
    info = json.loads(ok("data", "show", "data", "--json", "--files"))
    profile = info["profiles"]["data/t.csv"]
    assert profile["schema"] == "gitml/profile/1"
    assert profile["rows"] == 3
    assert profile["columns"]["age"]["mean"] == 30
    assert [e["path"] for e in info["entries"]] == ["data/notes.txt", "data/t.csv"]
    human = ok("data", "show", "data")
    assert "data/t.csv: 3 rows, 2 columns (csv)" in human
    assert "age     numeric      0        min 20  mean 30  max 40" in human
    assert "city    categorical  0        2 distinct: a (2), b (1)" in human


def test_a_stored_profile_against_its_schema_is_refused_in_one_line(in_repo: Path) -> None:
    """Profiles come from refs/gitml/data, which a fetch brings: one that breaks
    schemas/profile.schema.json is named and refused, never shown."""
    write(in_repo / "data" / "t.csv", b"age,city\n20,a\n30,b\n40,a\n")
    ok("data", "add", "data")
    digest = hash_file(in_repo / "data" / "t.csv")
    path = profile_path(digest)
    commit_files(in_repo, "refs/gitml/data", {path: BAD_PROFILE.encode()})
    result = cli("data", "show", "data")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert "profile of data/t.csv" in result.stderr
    assert "age" not in result.stdout


BAD_PROFILE = 'schema = "gitml/profile/1"\nrows = "three"\n'


def test_profiles_are_kept_by_content_and_not_recomputed(in_repo: Path) -> None:
    write(in_repo / "data" / "t.csv", b"a\n1\n2\n")
    first = cli("data", "add", "data")
    assert first.exit_code == 0, first
    assert "profiled data/t.csv" in first.stderr
    write(in_repo / "data" / "other.txt", b"x")
    second = cli("data", "add", "data")
    assert second.exit_code == 0
    assert "profiled" not in second.stderr


def test_add_without_pyarrow_notes_missing_profiles(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitml.tabular import _deps

    def missing() -> None:
        raise _deps.MissingExtra("pyarrow is not available")

    monkeypatch.setattr(_deps, "require", missing)
    write(in_repo / "data" / "t.csv", b"a\n1\n")
    result = cli("data", "add", "data")
    assert result.exit_code == 0
    assert "1 tabular file(s) not profiled: pyarrow is not installed" in result.stderr
    info = json.loads(ok("data", "show", "data", "--json"))
    assert info["profiles"] == {}
    assert info["unprofiled"] == ["data/t.csv"]
