"""``model get --to DIR``: artifact names from records pass the path guard; links at the
package's names are replaced, never followed, also when one appears mid-way."""

from __future__ import annotations

from pathlib import Path

import pytest

import gitml.objects.pathguard as pathguard
from gitml.objects.pathguard import UnsafePath
from gitml.registry import artifacts
from gitml.storage.repo import open_repo
from tests.security.forge import commit_files, listing, ok, write
from tests.support.core import cli, git
from tests.support.registry import init_project, record_run

WEIGHTS = b"weights\n"


@pytest.fixture
def registered(in_repo: Path, tmp_path: Path) -> Path:
    """Model 'm' 1.0.0 with artifact model.bin; a folder outside holding a secret."""
    init_project(in_repo)
    run_id = record_run(in_repo, metrics={"acc": 0.9}, model_bytes=WEIGHTS)
    ok("model", "register", "m", "--run", run_id, "--version", "1.0.0")
    write(tmp_path / "outside" / "authorized_keys", b"the victim's own key\n")
    return in_repo


@pytest.mark.parametrize(
    "path", [".git", ".GIT", "x/.Git", "..", "a/..", "git~1", ".git.", "C:x", "a\\.git"]
)
def test_artifact_name_git_refuses_is_never_written(
    registered: Path, tmp_path: Path, path: str
) -> None:
    repo = open_repo(registered)
    digest, size = artifacts.hash_file(registered / "model.bin")
    hostile = artifacts.Artifact(path, digest, size)
    target = tmp_path / "deploy"
    with pytest.raises(UnsafePath, match="gitml never writes such a path"):
        artifacts.materialize(repo.state_dir, hostile, target, where="m 2.0.0")
    assert not target.exists() or not any(target.iterdir())


@pytest.mark.parametrize("name", ["gitml-model.toml", "MLmodel"])
def test_artifact_named_like_a_package_file_is_refused(
    registered: Path, tmp_path: Path, name: str
) -> None:
    repo = open_repo(registered)
    digest, size = artifacts.hash_file(registered / "model.bin")
    hostile = artifacts.Artifact(f"out/{name}", digest, size)
    with pytest.raises(UnsafePath, match="would overwrite the package's own"):
        artifacts.materialize(
            repo.state_dir,
            hostile,
            tmp_path / "d",
            where="m",
            reserved=("gitml-model.toml", "MLmodel"),
        )


@pytest.mark.parametrize("path", [".git", "models/.GIT", "git~1"])
def test_forged_version_naming_dot_git_is_refused_by_model_get(
    registered: Path, tmp_path: Path, path: str
) -> None:
    text = git(registered, "show", "refs/gitml/registry:models/m/versions/1.0.0.toml")
    forged = text.replace('version = "1.0.0"', 'version = "2.0.0"').replace(
        'path = "model.bin"', f'path = "{path}"'
    )
    commit_files(
        registered, "refs/gitml/registry", {"models/m/versions/2.0.0.toml": forged.encode()}
    )
    target = tmp_path / "deploy"
    result = cli("model", "get", "m:2.0.0", "--to", str(target))
    assert result.exit_code == 1, result
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert not target.exists() or not any(target.iterdir())


@pytest.mark.parametrize("fmt", ["gitml", "mlflow"])
def test_links_at_the_package_names_are_replaced_not_followed(
    registered: Path, tmp_path: Path, fmt: str
) -> None:
    outside = tmp_path / "outside"
    target = tmp_path / "deploy"
    target.mkdir()
    for name in ("model.bin", "gitml-model.toml", "MLmodel", "requirements.txt"):
        (target / name).symlink_to(outside / "authorized_keys")
    before = listing(outside)
    ok("model", "get", "m:1.0.0", "--to", str(target), "--format", fmt)
    assert listing(outside) == before
    assert not (target / "model.bin").is_symlink()
    assert (target / "model.bin").read_bytes() == WEIGHTS
    assert not (target / "gitml-model.toml").is_symlink()


def test_link_swapped_in_after_the_checks_is_replaced_not_followed(
    registered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    target = tmp_path / "deploy"
    swapped: list[str] = []

    class SwappedAfterTheChecks(pathguard.TreeWriter):
        def __init__(self, root: Path, *, where: str) -> None:
            super().__init__(root, where=where)
            if not swapped:
                for name in ("model.bin", "gitml-model.toml"):
                    (root / name).symlink_to(outside / "authorized_keys")
                swapped.append(str(root))

    monkeypatch.setattr(pathguard, "TreeWriter", SwappedAfterTheChecks)
    before = listing(outside)
    ok("model", "get", "m:1.0.0", "--to", str(target))
    assert swapped
    assert listing(outside) == before
    assert (target / "model.bin").read_bytes() == WEIGHTS
    assert not (target / "gitml-model.toml").is_symlink()


def test_target_inside_a_git_dir_not_named_dot_git_is_refused(
    registered: Path, tmp_path: Path
) -> None:
    """The repository's own git directory is refused by where it is, not by its name: one
    moved out with ``--separate-git-dir`` has no ``.git`` component to catch."""
    store = tmp_path / "store"
    git(registered, "init", "-q", "--separate-git-dir", str(store))
    (store / "hooks").mkdir(exist_ok=True)
    before = listing(store)
    for to in (store, store / "hooks"):
        result = cli("model", "get", "m:1.0.0", "--to", str(to))
        assert result.exit_code == 1, result
        assert "lies inside git's own files" in result.stderr, result
    assert listing(store) == before


@pytest.mark.parametrize(
    ("to", "link"),
    [("deploy", ".git/hooks"), ("deploy/sub", ".git"), (".git/hooks", None), ("x/.GIT", None)],
    ids=["link-to-hooks", "link-to-dot-git", "hooks", "dot-git-mixed-case"],
)
def test_target_leading_into_dot_git_is_refused(
    registered: Path, to: str, link: str | None
) -> None:
    hooks = registered / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    if link is not None:
        (registered / "deploy").symlink_to(link)
        git(registered, "add", "deploy")
        git(registered, "commit", "-q", "-m", "a deploy folder")
    before = listing(registered / ".git")
    result = cli("model", "get", "m:1.0.0", "--to", to)
    assert result.exit_code == 1, result
    assert result.stderr.startswith("error: "), result
    assert result.stderr.count("\n") == 1, result
    assert "lies inside git's own files" in result.stderr, result
    after = listing(registered / ".git")
    assert {k: v for k, v in after.items() if k.startswith("hooks")} == {
        k: v for k, v in before.items() if k.startswith("hooks")
    }
    assert not (registered / "x").exists()
    for fmt in ("gitml", "mlflow"):
        again = cli("model", "get", "m:1.0.0", "--to", to, "--format", fmt)
        assert again.exit_code == 1, again
