"""open_repo and GitRepo: repositories gitml cannot use fail with one clear line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest

from gitml.errors import GitmlError, NotARepository, UnsupportedRepository
from gitml.storage.repo import GitRepo, open_repo
from tests.support.core import git


def _error(call: Callable[[], object]) -> GitmlError:
    with pytest.raises(GitmlError) as info:
        call()
    assert not isinstance(info.value, pygit2.GitError)
    message = str(info.value)
    assert "\n" not in message
    assert message
    return info.value


def test_plain_directory_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    error = _error(lambda: open_repo(plain))
    assert isinstance(error, NotARepository)
    assert str(plain) in str(error)
    assert "git init" in str(error)


def test_missing_directory_is_not_a_repository(tmp_path: Path) -> None:
    error = _error(lambda: open_repo(tmp_path / "nowhere"))
    assert isinstance(error, NotARepository)
    assert str(tmp_path / "nowhere") in str(error)


def test_cwd_and_subdirectory_find_the_repository(in_repo: Path) -> None:
    sub = in_repo / "a" / "b"
    sub.mkdir(parents=True)
    assert open_repo().workdir == in_repo.resolve()
    assert open_repo(sub).gitdir == (in_repo / ".git").resolve()


def test_bare_repository_has_no_work_tree(remote: Path) -> None:
    repo = open_repo(remote)
    assert repo.is_bare
    assert repo.gitdir == remote.resolve()
    error = _error(lambda: repo.workdir)
    assert isinstance(error, UnsupportedRepository)
    assert str(remote.resolve()) in str(error)
    assert "bare" in str(error)
    assert "clone" in str(error)


def test_repository_without_commits_is_refused_by_require_commits(repo: Path) -> None:
    opened = open_repo(repo)
    error = _error(opened.require_commits)
    assert isinstance(error, UnsupportedRepository)
    assert str(repo.resolve()) in str(error)
    assert "git commit --allow-empty" in str(error)


def test_repository_with_commits_passes_require_commits(repo_with_commit: Path) -> None:
    open_repo(repo_with_commit).require_commits()


def test_shallow_clone_is_refused_by_require_history(
    tmp_path: Path, repo_with_commit: Path
) -> None:
    git(repo_with_commit, "commit", "-q", "--allow-empty", "-m", "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo_with_commit}", str(shallow))
    repo = open_repo(shallow)
    repo.require_commits()
    error = _error(lambda: repo.require_history("rerun"))
    assert isinstance(error, UnsupportedRepository)
    assert str(shallow.resolve()) in str(error)
    assert "rerun" in str(error)
    assert "git fetch --unshallow" in str(error)
    open_repo(repo_with_commit).require_history("rerun")


def test_reftable_repository_is_refused_before_pygit2_opens_it(repo_with_commit: Path) -> None:
    git(repo_with_commit, "config", "core.repositoryformatversion", "1")
    git(repo_with_commit, "config", "extensions.refStorage", "reftable")
    error = _error(lambda: open_repo(repo_with_commit))
    assert isinstance(error, UnsupportedRepository)
    message = str(error)
    assert str((repo_with_commit / ".git").resolve()) in message
    assert "reftable" in message
    assert "git refs migrate" in message
    # Also when discovered from a subdirectory.
    (repo_with_commit / "sub").mkdir()
    assert isinstance(_error(lambda: open_repo(repo_with_commit / "sub")), UnsupportedRepository)


def test_reftable_setting_is_read_as_git_reads_config(repo_with_commit: Path) -> None:
    config = repo_with_commit / ".git" / "config"
    config.write_text(config.read_text() + "[Extensions]\n\tREFSTORAGE = ReFtAbLe\n")
    assert isinstance(_error(lambda: open_repo(repo_with_commit)), UnsupportedRepository)


def test_linked_worktree_shares_the_common_state_dir(
    tmp_path: Path, repo_with_commit: Path
) -> None:
    linked = tmp_path / "linked"
    git(repo_with_commit, "worktree", "add", "-q", "--detach", str(linked))
    repo = open_repo(linked)
    assert repo.workdir == linked.resolve()
    assert repo.commondir == (repo_with_commit / ".git").resolve()
    assert repo.state_dir == (repo_with_commit / ".git" / "gitml").resolve()


def test_signature_falls_back_without_identity(repo_with_commit: Path, hermetic_git: Path) -> None:
    (hermetic_git / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    sig = open_repo(repo_with_commit).signature()
    assert (sig.name, sig.email) == ("gitml", "gitml@localhost")


def test_git_cli_errors_become_gitml_errors(repo_with_commit: Path) -> None:
    repo: GitRepo = open_repo(repo_with_commit)
    assert repo.git("rev-parse", "--is-inside-work-tree").stdout.strip() == "true"
    error = _error(lambda: repo.git("rev-parse", "--verify", "no-such-ref"))
    assert "no-such-ref" in str(error)
    assert repo.git("rev-parse", "--verify", "no-such-ref", check=False).returncode != 0
    assert repo.config_get("user.name") == "Test User"
    assert repo.config_get("no.such-key") is None


def test_has_commit_is_true_only_for_commits(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    tree = git(repo_with_commit, "rev-parse", "HEAD^{tree}").strip()
    assert repo.has_commit(head)
    assert not repo.has_commit(tree)
    assert not repo.has_commit("0" * 40)
    assert not repo.has_commit("not-a-sha")
