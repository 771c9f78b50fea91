"""Code checkpoints: a commit of the working tree that leaves index, HEAD and files alone.

The checkpoint starts from HEAD's tree in a private in-memory index and adds every
changed tracked file and every untracked file that is not ignored, so ``git checkout
<checkpoint>`` reproduces what a run saw. Files above a size limit and paths the caller
excludes (data tracked by gitml) are left out and listed; so are files the caller's
``screen`` withholds (credentials), before their content enters the object database. A
clean tree reuses HEAD.
"""

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from gitml.errors import GitmlError, WriteFailed
from gitml.storage.filelock import exclusive
from gitml.storage.git import git_output, last_line, run_git, start_git
from gitml.storage.odb import MODE_BLOB, MODE_COMMIT, MODE_EXEC, MODE_LINK, TreeEntry
from gitml.storage.repo import GitRepo, open_repo
from gitml.storage.trees import apply_changes, tree_entry
from gitml.units import format_bytes


class LeftOutFile(NamedTuple):
    """A working-tree file the checkpoint left out, and why."""

    path: str
    reason: str


class DiffStat(NamedTuple):
    files: int = 0
    insertions: int = 0
    deletions: int = 0
    paths: tuple[str, ...] = ()


class PendingDiffStat:
    """The ``diffstat`` of two commits, from a git started now and read when first asked.

    Both sides are commits, which never change: the answer is the same whenever it is
    read, so a caller may do other work (run a command) meanwhile. Pickled, it is the
    settled DiffStat.
    """

    def __init__(self, repo: GitRepo, old: str, new: str) -> None:
        self._sides = (old, new)
        self._proc = start_git(
            repo.workdir_or_gitdir, *_numstat_args(old, new), stderr=subprocess.PIPE
        )
        self._stat: DiffStat | None = None

    def result(self) -> DiffStat:
        if self._stat is None:
            out, err = self._proc.communicate()
            if self._proc.returncode != 0:
                old, new = self._sides
                raise GitmlError(
                    f"cannot compare commits {old} and {new}: `git diff --numstat -z` failed: "
                    f"{last_line(err)}"
                )
            self._stat = _parse_numstat(out)
        return self._stat

    def __reduce__(self) -> tuple[type[DiffStat], tuple[int, int, int, tuple[str, ...]]]:
        stat = self.result()
        return DiffStat, (stat.files, stat.insertions, stat.deletions, stat.paths)


class Checkpoint(NamedTuple):
    """What a run's code was: HEAD, the checkpoint commit and what differs."""

    commit: str
    checkpoint: str
    branch: str | None
    dirty: bool
    untracked: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    skipped: tuple[LeftOutFile, ...] = ()
    diffstat: DiffStat | PendingDiffStat = DiffStat()
    withheld: tuple[LeftOutFile, ...] = ()  # left out because they look like credentials

    def stat(self) -> DiffStat:
        """The diffstat, read (waiting for git if it is still at it)."""
        stat = self.diffstat
        return stat if isinstance(stat, DiffStat) else stat.result()

    def settled(self) -> "Checkpoint":
        """This checkpoint with its diffstat read."""
        return self._replace(diffstat=self.stat())


# (path, untracked, full path) -> why the file must stay out of the checkpoint, or None.
Screen = Callable[[str, bool, Path], str | None]


class _Status(NamedTuple):
    """One path of ``git status --porcelain=v2``."""

    path: str
    untracked: bool
    deleted: bool


def _status(repo: GitRepo) -> tuple[str | None, str | None, list[_Status]]:
    """(HEAD commit, branch, changed paths) from one ``git status``."""
    try:
        out = git_output(
            repo.workdir,
            "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all",
            "--no-renames", "--ignore-submodules=none",
        )  # fmt: skip
    except GitmlError as exc:
        raise GitmlError(f"cannot read the working tree status: {exc}") from None
    head = branch = None
    found: list[_Status] = []
    for item in out.split(b"\0"):
        if not item:
            continue
        text = os.fsdecode(item)
        if text.startswith("# branch.oid "):
            value = text.removeprefix("# branch.oid ")
            head = None if value == "(initial)" else value
        elif text.startswith("# branch.head "):
            value = text.removeprefix("# branch.head ")
            branch = None if value == "(detached)" else value
        elif text.startswith("? "):
            found.append(_Status(text[2:], True, False))
        elif text[:2] in ("1 ", "u "):
            fields = text.split(" ", 8 if text[0] == "1" else 10)
            xy = fields[1]
            found.append(_Status(fields[-1], False, "D" in xy))
    return head, branch, found


def _blob_for(
    repo: GitRepo, workdir: Path, path: str, max_bytes: int
) -> tuple[str, str] | LeftOutFile | None:
    """Blob id and mode of a working-tree file; LeftOutFile when too large; None when gone."""
    full = workdir / path
    try:
        st = full.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return LeftOutFile(path, f"unreadable ({exc.strerror})")
    if stat.S_ISLNK(st.st_mode):
        return repo.odb.write_blob(os.fsencode(full.readlink())), MODE_LINK
    if not stat.S_ISREG(st.st_mode):
        return LeftOutFile(path, "not a regular file")
    if st.st_size > max_bytes:
        return LeftOutFile(path, f"larger than the limit ({format_bytes(st.st_size)})")
    if "\n" in path:  # not expressible to git's --stdin-paths: stored as it is, unfiltered
        oid: str | None = repo.odb.write_blob(full.read_bytes())
    else:
        oid = repo.odb.hash_files([path])[0]
    if oid is None:
        _refuse_full_disk(repo)
        return LeftOutFile(path, "unreadable (git could not read it)")
    return oid, MODE_EXEC if st.st_mode & stat.S_IXUSR else MODE_BLOB


def _refuse_full_disk(repo: GitRepo) -> None:
    """``WriteFailed`` when git could not store a file because the disk is (nearly) full.

    git's object writer answers "unreadable" either way; a file left out of a checkpoint
    because the disk was full would be a silent loss.
    """
    fs = os.statvfs(repo.commondir)
    if fs.f_bavail * fs.f_frsize < 1 << 20:
        raise WriteFailed(
            f"cannot write the code checkpoint: {os.strerror(errno.ENOSPC)}; free some space "
            "and run again",
            errno.ENOSPC,
        )


def create_checkpoint(
    repo: GitRepo,
    *,
    max_file_bytes: int,
    exclude: Callable[[str], bool] | None = None,
    screen: Screen | None = None,
    message: str = "gitml checkpoint",
    diffstat_later: bool = False,
) -> Checkpoint:
    """Commit the working tree (tracked changes + untracked, not ignored) without side effects.

    A file ``screen`` withholds keeps its HEAD version (or stays out, if untracked). With
    ``diffstat_later`` the diffstat is still being computed (``Checkpoint.settled``).
    """
    workdir = repo.workdir
    head, branch, status = _status(repo)
    if head is None:
        repo.require_commits()
    assert head is not None
    if not status:
        return Checkpoint(commit=head, checkpoint=head, branch=branch, dirty=False)
    repo.prepare_writes()
    odb = repo.odb
    head_commit = odb.commit(head)
    base = odb.tree(head_commit.tree)
    changes: dict[str, TreeEntry | None] = {}
    untracked: list[str] = []
    modified: list[str] = []
    skipped: list[LeftOutFile] = []
    withheld: list[LeftOutFile] = []
    for item in sorted(status, key=lambda s: s.path):
        path = item.path
        if path.endswith("/"):
            skipped.append(LeftOutFile(path.rstrip("/"), "nested git repository"))
            continue
        if exclude is not None and exclude(path):
            skipped.append(LeftOutFile(path, "data tracked by gitml"))
            continue
        existing = tree_entry(odb, base, path)
        if existing is not None and existing.mode == MODE_COMMIT:
            continue
        if screen is not None:
            reason = screen(path, existing is None, workdir / path)
            if reason is not None:
                withheld.append(LeftOutFile(path, reason))
                continue
        found = _blob_for(repo, workdir, path, max_file_bytes)
        if isinstance(found, LeftOutFile):
            skipped.append(found)
            continue
        if found is None:
            if existing is not None or item.deleted:
                if existing is not None:
                    changes[path] = None
                modified.append(path)
            continue
        oid, mode = found
        changes[path] = TreeEntry(path.rpartition("/")[2], mode, oid)
        (untracked if item.untracked and existing is None else modified).append(path)
    tree = apply_changes(odb, base, changes)
    at_head = Checkpoint(
        commit=head,
        checkpoint=head,
        branch=branch,
        dirty=bool(untracked or modified),
        skipped=tuple(skipped),
        withheld=tuple(withheld),
    )
    if tree == head_commit.tree:
        return at_head
    signature = repo.signature()
    commit = odb.write_commit(tree, [head], message, author=signature, committer=signature)
    return at_head._replace(
        checkpoint=commit,
        untracked=tuple(untracked),
        modified=tuple(modified),
        diffstat=_diffstat(repo, head, commit, later=diffstat_later),
    )


def checkpoint_with_files(
    repo: GitRepo,
    base: Checkpoint,
    files: Mapping[str, bytes],
    *,
    message: str,
    diffstat_later: bool = False,
) -> Checkpoint:
    """``base`` with ``files`` (work-tree paths -> content) written into its checkpoint.

    The code of a run whose params files gitml rewrote for ``-S``: HEAD, branch and what
    the user had changed (``dirty``, modified, untracked) stay those of ``base``; only the
    checkpoint commit (parent HEAD) and its diffstat take the rewritten files (still being
    computed with ``diffstat_later``).
    """
    repo.prepare_writes()
    odb = repo.odb
    start = odb.tree(odb.commit(base.checkpoint).tree)
    changes: dict[str, TreeEntry | None] = {}
    for path, data in files.items():
        existing = tree_entry(odb, start, path)
        mode = existing.mode if existing is not None else MODE_BLOB
        changes[path] = TreeEntry(path.rpartition("/")[2], mode, odb.write_blob(data))
    tree = apply_changes(odb, start, changes)
    if tree == odb.commit(base.checkpoint).tree:
        return base
    signature = repo.signature()
    commit = odb.write_commit(tree, [base.commit], message, author=signature, committer=signature)
    return base._replace(
        checkpoint=commit, diffstat=_diffstat(repo, base.commit, commit, later=diffstat_later)
    )


def diffstat(repo: GitRepo, old: str, new: str) -> DiffStat:
    """Files, insertions and deletions between two commits (and the changed paths)."""
    return PendingDiffStat(repo, old, new).result()


def _diffstat(repo: GitRepo, old: str, new: str, *, later: bool) -> DiffStat | PendingDiffStat:
    pending = PendingDiffStat(repo, old, new)
    return pending if later else pending.result()


def _numstat_args(old: str, new: str) -> tuple[str, ...]:
    return (
        "diff", "--numstat", "-z", "--no-renames", "--no-ext-diff", "--no-textconv",
        "--ignore-submodules=none", f"{old}^{{tree}}", f"{new}^{{tree}}", "--",
    )  # fmt: skip


def _parse_numstat(out: bytes) -> DiffStat:
    files = insertions = deletions = 0
    paths: list[str] = []
    for item in out.split(b"\0"):
        if not item:
            continue
        added, removed, path = os.fsdecode(item).split("\t", 2)
        files += 1
        insertions += int(added) if added.isdigit() else 0
        deletions += int(removed) if removed.isdigit() else 0
        paths.append(path)
    return DiffStat(files=files, insertions=insertions, deletions=deletions, paths=tuple(paths))


def _worktrees_lock(repo: GitRepo) -> Path:
    """Held while a worktree is added, removed or pruned: a prune or a remove by one
    process deletes registrations (and the emptied ``worktrees`` folder) that another
    process's ``worktree add`` is still writing."""
    return repo.commondir / "gitml-worktrees.lock"


def add_worktree(repo: GitRepo, path: Path, commit: str) -> GitRepo:
    """A detached temporary worktree of ``commit`` at ``path`` (opened)."""
    with exclusive(_worktrees_lock(repo)):
        repo.git("worktree", "add", "--detach", "--quiet", str(path), commit)
    return open_repo(path)


def remove_worktree(repo: GitRepo, path: Path) -> None:
    """Remove a temporary worktree (files and registration), even if it has changes."""
    import shutil  # with its compression modules: only temporary worktrees need it

    with exclusive(_worktrees_lock(repo)):
        repo.git("worktree", "remove", "--force", str(path), check=False)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
    with exclusive(_worktrees_lock(repo)):
        repo.git("worktree", "prune", check=False)


@contextlib.contextmanager
def temporary_worktree(repo: GitRepo, commit: str, *, prefix: str) -> Iterator[GitRepo]:
    """A detached worktree of ``commit`` in a new temporary folder, for the block; it is
    removed (files, registration and folder) afterwards, also when the block fails."""
    import shutil
    import tempfile

    holder = Path(tempfile.mkdtemp(prefix=prefix))
    path = holder / f"{prefix.rstrip('-')}-{holder.name.rsplit('-', 1)[-1]}"
    try:
        yield add_worktree(repo, path, commit)
    finally:
        remove_worktree(repo, path)
        shutil.rmtree(holder, ignore_errors=True)


def worktree_gitdir(repo: GitRepo, path: Path) -> Path | None:
    """The administrative folder of ``repo``'s worktree at ``path``; None when ``path`` is
    not one (no ``.git`` file, or one that points elsewhere)."""
    try:
        text = (path / ".git").read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir: "):
        return None
    gitdir = Path(text.removeprefix("gitdir: ").strip())
    if gitdir.parent != repo.commondir / "worktrees" or not gitdir.is_dir():
        return None
    return gitdir


def reset_worktree(repo: GitRepo, path: Path, commit: str) -> None:
    """Make ``repo``'s worktree at ``path`` hold exactly ``commit``: HEAD detached there,
    index and tracked files reset, every untracked and ignored file and folder (nested
    repositories too) deleted. ``GitmlError`` when it cannot; git is pointed at the
    worktree explicitly, so a broken one never lets git find a repository above it."""
    gitdir = worktree_gitdir(repo, path)
    if gitdir is None:
        raise GitmlError(f"{path}: is not a worktree of {repo.commondir}")
    where = ("--git-dir", str(gitdir), "--work-tree", str(path))
    for args in (("checkout", "--detach", "--force", "--quiet", commit), ("clean", "-ffdxq")):
        proc = run_git(path, *where, *args)
        if proc.returncode != 0:
            raise GitmlError(f"{path}: `git {args[0]}` failed: {last_line(proc.stderr)}")


def worktree_paths(repo: GitRepo) -> Sequence[str]:
    """Registered worktree folders (the main one first)."""
    out = repo.git("worktree", "list", "--porcelain").stdout
    return [line[9:] for line in out.splitlines() if line.startswith("worktree ")]
