"""Opening a repository, with clear errors for the kinds gitml cannot use."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pygit2

from gitml.errors import GitmlError, NotARepository, UnsupportedRepository
from gitml.storage.lean import open_repository

DEFAULT_NAME = "gitml"
DEFAULT_EMAIL = "gitml@localhost"


def _ref_storage(commondir: Path) -> str:
    """``extensions.refStorage`` of the repository (``files`` unless set), read as git does."""
    config_path = commondir / "config"
    try:
        if b"refstorage" not in config_path.read_bytes().lower():
            return "files"
    except OSError:
        return "files"
    try:
        config = pygit2.Config(str(config_path))
        value = config["extensions.refstorage"]
    except (KeyError, ValueError, pygit2.GitError):
        return "files"
    return str(value).strip().lower() or "files"


def _check_ref_storage(gitdir: Path) -> None:
    commondir = gitdir
    marker = gitdir / "commondir"
    if marker.is_file():
        commondir = (gitdir / marker.read_text().strip()).resolve()
    storage = _ref_storage(commondir)
    if storage != "files":
        raise UnsupportedRepository(
            f"{commondir}: this repository stores refs as {storage!r} (extensions.refStorage), "
            "which gitml's git library cannot read yet; convert it with "
            "`git refs migrate --ref-format=files` (git >= 2.46)"
        )


@dataclass
class GitRepo:
    """A pygit2 repository plus the facts gitml asks about it."""

    raw: pygit2.Repository

    @property
    def gitdir(self) -> Path:
        return Path(self.raw.path).resolve()

    @cached_property
    def commondir(self) -> Path:
        """The shared .git directory (differs from gitdir in linked worktrees)."""
        marker = self.gitdir / "commondir"
        if marker.is_file():
            return (self.gitdir / marker.read_text().strip()).resolve()
        return self.gitdir

    @property
    def workdir(self) -> Path:
        """The work tree; raises for bare repositories."""
        if self.raw.is_bare or self.raw.workdir is None:
            raise UnsupportedRepository(
                f"{self.gitdir}: is a bare repository; run this command in a clone with a work tree"
            )
        return Path(self.raw.workdir).resolve()

    @property
    def is_bare(self) -> bool:
        return bool(self.raw.is_bare)

    @property
    def state_dir(self) -> Path:
        """``.git/gitml``: gitml's disposable caches (index, stat cache, content cache)."""
        path = self.commondir / "gitml"
        if not path.is_dir():  # a stat is cheaper than mkdir's EEXIST on every write
            path.mkdir(exist_ok=True)
        return path

    def has_commit(self, sha: str | pygit2.Oid) -> bool:
        """Whether ``sha`` names a commit present in this repository."""
        try:
            return self.raw[sha].type == pygit2.enums.ObjectType.COMMIT
        except (KeyError, ValueError, TypeError, pygit2.GitError):
            return False

    def require_commits(self) -> None:
        if self.raw.head_is_unborn:
            raise UnsupportedRepository(
                f"{self.workdir_or_gitdir}: the repository has no commits yet; "
                "make a first commit (`git commit --allow-empty -m init`) and try again"
            )

    def require_history(self, what: str) -> None:
        if self.raw.is_shallow:
            raise UnsupportedRepository(
                f"{self.workdir_or_gitdir}: is a shallow clone, and {what} needs history; "
                "run `git fetch --unshallow` first"
            )

    @property
    def workdir_or_gitdir(self) -> Path:
        return Path(self.raw.workdir).resolve() if self.raw.workdir else self.gitdir

    def signature(self) -> pygit2.Signature:
        """The user's git identity, or gitml's fallback when none is configured."""
        try:
            return self.raw.default_signature
        except (KeyError, pygit2.GitError):
            name = os.environ.get("GIT_COMMITTER_NAME") or DEFAULT_NAME
            email = os.environ.get("GIT_COMMITTER_EMAIL") or DEFAULT_EMAIL
            return pygit2.Signature(name, email)

    def config_get(self, key: str) -> str | None:
        try:
            value = self.raw.config[key]
        except (KeyError, pygit2.GitError):
            return None
        return str(value)

    def git(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the git CLI in this repository (for network and maintenance work)."""
        cwd = self.workdir_or_gitdir
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, input=input, check=False
        )
        if check and proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise GitmlError(f"`git {' '.join(args)}` failed: {detail}")
        return proc


def open_repo(path: str | os.PathLike[str] | None = None) -> GitRepo:
    """Discover and open the repository containing ``path`` (default: the cwd)."""
    start = Path(path) if path is not None else Path.cwd()
    try:
        found = pygit2.discover_repository(str(start))
    except (pygit2.GitError, OSError, ValueError) as exc:
        raise UnsupportedRepository(
            f"{start.resolve()}: git cannot open the repository here: {exc}; "
            "check its permissions (or `git config --global --add safe.directory <path>`)"
        ) from None
    if found is None:
        raise NotARepository(
            f"{start.resolve()}: not inside a git repository; run `git init` first (or cd into one)"
        )
    _check_ref_storage(Path(found))
    try:
        raw = open_repository(found)
    except pygit2.GitError as exc:
        raise UnsupportedRepository(f"{found}: git cannot open this repository: {exc}") from None
    return GitRepo(raw)
