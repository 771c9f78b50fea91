"""Opening a repository, with clear errors for the kinds gitml cannot use."""

from __future__ import annotations

import os
import re
import subprocess
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.errors import GitmlError, NotARepository, UnsupportedRepository
from gitml.storage.git import as_text, last_line, layout, run_git, start_git
from gitml.storage.odb import Commit, ObjectDB, Signature

if TYPE_CHECKING:
    import pygit2

DEFAULT_NAME = "gitml"
DEFAULT_EMAIL = "gitml@localhost"
STATE_DIR = "gitml"  # gitml's disposable state in the common git dir (``.git/gitml``)
SHALLOW_ROOTS = "shallow-roots.txt"  # in STATE_DIR: the commits a first pull fetched shallow
_HEX = re.compile(r"[0-9a-f]{4,40}")


def _ref_storage(commondir: Path) -> str:
    """``extensions.refStorage`` of the repository (``files`` unless set), read as git does."""
    config_path = commondir / "config"
    try:
        if b"refstorage" not in config_path.read_bytes().lower():
            return "files"
    except OSError:
        return "files"
    proc = run_git(commondir, "config", "--file", str(config_path), "extensions.refstorage")
    return proc.stdout.decode().strip().lower() or "files"


def _check_ref_storage(gitdir: Path) -> None:
    commondir = gitdir
    marker = gitdir / "commondir"
    if marker.is_file():
        commondir = (gitdir / marker.read_text().strip()).resolve()
    storage = _ref_storage(commondir)
    if storage != "files":
        raise UnsupportedRepository(
            f"{commondir}: this repository stores refs as {storage!r} (extensions.refStorage), "
            "which gitml cannot read yet; convert it with "
            "`git refs migrate --ref-format=files` (git >= 2.46)"
        )


class GitRepo:
    """A repository as git sees it: its directories, objects, identity and command line."""

    def __init__(
        self, gitdir: Path, commondir: Path, workdir: Path | None, *, shallow: bool
    ) -> None:
        self.gitdir = gitdir
        self.commondir = commondir
        self._workdir = workdir
        self.is_shallow = shallow
        self._identity_proc: subprocess.Popen[bytes] | None = None
        self._identity_of_dir = path_identity(gitdir)

    def __repr__(self) -> str:
        return f"GitRepo({str(self.workdir_or_gitdir)!r})"

    def is_current(self) -> bool:
        """Whether the git directory opened is still there (not removed or replaced)."""
        return path_identity(self.gitdir) == self._identity_of_dir

    @property
    def workdir(self) -> Path:
        """The work tree; raises for bare repositories."""
        if self._workdir is None:
            raise UnsupportedRepository(
                f"{self.gitdir}: is a bare repository; run this command in a clone with a work tree"
            )
        return self._workdir

    @property
    def is_bare(self) -> bool:
        return self._workdir is None

    @property
    def workdir_or_gitdir(self) -> Path:
        return self._workdir if self._workdir is not None else self.gitdir

    @property
    def state_dir(self) -> Path:
        """``.git/gitml``: gitml's disposable caches (index, stat cache, content cache)."""
        path = self.commondir / STATE_DIR
        if not path.is_dir():  # a stat is cheaper than mkdir's EEXIST on every write
            path.mkdir(exist_ok=True)
        return path

    @cached_property
    def odb(self) -> ObjectDB:
        """The object database (git processes start on first use)."""
        return ObjectDB(self.workdir_or_gitdir)

    @cached_property
    def raw(self) -> pygit2.Repository:
        """The repository through libgit2, for the few operations that use it."""
        import pygit2

        try:
            return pygit2.Repository(str(self.gitdir))
        except pygit2.GitError as exc:
            raise UnsupportedRepository(
                f"{self.gitdir}: git cannot open this repository: {exc}"
            ) from None

    def close(self) -> None:
        """Stop the git processes this repository started (they also end with the process)."""
        if "odb" in self.__dict__:
            self.odb.close()

    def has_commit(self, sha: object) -> bool:
        """Whether ``sha`` (a full or abbreviated id) names a commit in this repository."""
        text = str(sha)
        if not _HEX.fullmatch(text):
            return False
        try:
            self.odb.commit(text)
        except KeyError:
            return False
        return True

    def commit_named(self, sha: object) -> Commit | None:
        """The commit ``sha`` names as ``has_commit`` judges it (an id, tags followed), read
        past the object cache and not kept there; None when it names none."""
        text = str(sha)
        return self.odb.find_commit(text) if _HEX.fullmatch(text) else None

    def head_commit(self) -> str | None:
        """HEAD's commit, or None before the first commit."""
        found = self.odb.read("HEAD")
        return found.oid if found is not None and found.kind == "commit" else None

    def require_commits(self) -> None:
        if self.head_commit() is None:
            raise UnsupportedRepository(
                f"{self.workdir_or_gitdir}: the repository has no commits yet; "
                "make a first commit (`git commit --allow-empty -m init`) and try again"
            )

    def shallow_commits(self) -> frozenset[str]:
        """The commits whose parents this shallow clone does not have (none when not
        shallow): git's walks, and gitml's, end there."""
        if not self.is_shallow:
            return frozenset()
        try:
            text = (self.commondir / "shallow").read_text("ascii")
        except OSError:
            return frozenset()
        return frozenset(line.strip() for line in text.splitlines() if line.strip())

    def shallow_roots(self) -> frozenset[str]:
        """The shallow commits a first pull asked for because a trusted statement named
        them (``storage.remote.fetch_tips_only``): the only ones an audit judges as first
        commits (any other in a range it reads hides a parent it must compare with)."""
        try:
            return frozenset((self.state_dir / SHALLOW_ROOTS).read_text("ascii").split())
        except OSError:
            return frozenset()

    def require_history(self, what: str) -> None:
        if self.is_shallow:
            raise UnsupportedRepository(
                f"{self.workdir_or_gitdir}: is a shallow clone, and {what} needs history; "
                "run `git fetch --unshallow` first"
            )

    def prepare_writes(self) -> None:
        """Start the git processes a write will need, so they start while it reads."""
        self.odb.start_writers()
        self.odb.reader.start()
        if self._identity_proc is None and "_identity" not in self.__dict__:
            self._identity_proc = start_git(
                self.workdir_or_gitdir, "config", "--get-regexp", r"^user\.(name|email)$"
            )

    @cached_property
    def _identity(self) -> tuple[str, str]:
        proc, self._identity_proc = self._identity_proc, None
        if proc is None:
            out = run_git(
                self.workdir_or_gitdir, "config", "--get-regexp", r"^user\.(name|email)$"
            ).stdout
        else:
            out = proc.communicate()[0]
        found = dict(
            line.split(" ", 1)
            for line in out.decode("utf-8", "replace").splitlines()
            if " " in line
        )
        if found.get("user.name") and found.get("user.email"):
            return found["user.name"], found["user.email"]
        name = os.environ.get("GIT_COMMITTER_NAME") or DEFAULT_NAME
        email = os.environ.get("GIT_COMMITTER_EMAIL") or DEFAULT_EMAIL
        return name, email

    def signature(self) -> Signature:
        """The user's git identity (or gitml's fallback when none is configured), now."""
        name, email = self._identity
        now = time.time()
        offset = time.localtime(now).tm_gmtoff // 60
        return Signature(name=name, email=email, time=int(now), offset=offset)

    def config_get(self, key: str) -> str | None:
        proc = self.git("config", "--get", key, check=False)
        return proc.stdout.rstrip("\n") if proc.returncode == 0 else None

    def git(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the git CLI in this repository (text in and out)."""
        proc = run_git(
            self.workdir_or_gitdir, *args, input=input.encode() if input is not None else None
        )
        if check and proc.returncode != 0:
            raise GitmlError(f"`git {' '.join(args)}` failed: {last_line(proc.stderr)}")
        return as_text(proc)


def path_identity(path: Path) -> tuple[int, int] | None:
    """``path``'s (device, inode), which tells a replaced file or folder from the one
    first seen; None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _find_gitdir(start: Path) -> Path | None:
    """The git directory above ``start`` found by looking, for errors git itself refused."""
    for folder in (start, *start.parents):
        dotgit = folder / ".git"
        if dotgit.is_dir():
            return dotgit
        if dotgit.is_file():
            text = dotgit.read_text("utf-8", "replace").strip()
            if text.startswith("gitdir:"):
                return (folder / text.removeprefix("gitdir:").strip()).resolve()
        if (folder / "HEAD").is_file() and (folder / "objects").is_dir():
            return folder
    return None


def open_repo(path: str | os.PathLike[str] | None = None) -> GitRepo:
    """Discover and open the repository containing ``path`` (default: the cwd)."""
    start = Path(path) if path is not None else Path.cwd()
    if not start.is_dir():
        raise NotARepository(
            f"{start.resolve()}: not inside a git repository; run `git init` first (or cd into one)"
        )
    lines, stderr = layout(start)
    if len(lines) < 4:
        error = last_line(stderr)
        if "not a git repository" in error:
            raise NotARepository(
                f"{start.resolve()}: not inside a git repository; "
                "run `git init` first (or cd into one)"
            )
        found = _find_gitdir(start.resolve())
        if found is not None:
            _check_ref_storage(found)
        raise UnsupportedRepository(
            f"{start.resolve()}: git cannot open the repository here: {error}; "
            "check its permissions (or `git config --global --add safe.directory <path>`)"
        )
    gitdir = Path(lines[0]).resolve()
    commondir = (start / lines[1]).resolve()
    _check_ref_storage(gitdir)
    workdir: Path | None = None
    if lines[2] != "true":
        if len(lines) > 4:
            workdir = Path(lines[4]).resolve()
        elif gitdir.name == ".git":  # run from inside the git directory
            workdir = gitdir.parent
    return GitRepo(gitdir, commondir, workdir, shallow=lines[3] == "true")
