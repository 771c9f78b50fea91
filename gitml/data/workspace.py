"""Where data commands work: the work tree, its git directories, settings and caches.

Finding the repository costs one ``git rev-parse`` (a few milliseconds) instead of importing
the git library, so a clean ``git ml data status`` never loads pygit2; commands that read
or write refs open the repository on first use of ``DataWorkspace.repo``.

State lives under the git directory: the content cache is shared by all worktrees
(``<common dir>/gitml/cache``), the stat cache belongs to one worktree
(``<git dir>/gitml/statcache.sqlite``), since the same path in two worktrees is two files.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import RemoteConfig, Settings, load_settings
from gitml.data.pointers import Pointer, load_pointers, pointer_folder
from gitml.objects.cache import CACHE_DIR, Cache, LinkMode
from gitml.objects.errors import RemoteError
from gitml.objects.remotes.config import open_configured
from gitml.objects.statcache import StatCache
from gitml.storage.git import run_git
from gitml.storage.repo import STATE_DIR, open_repo

if TYPE_CHECKING:
    from gitml.objects.remotes.base import Remote
    from gitml.storage.repo import GitRepo


def _rev_parse(start: Path) -> tuple[Path, Path, Path] | None:
    try:
        proc = run_git(
            start, "rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"
        )
    except OSError:
        return None
    lines = os.fsdecode(proc.stdout).splitlines()
    if proc.returncode != 0 or len(lines) != 3:
        return None
    top, gitdir, common = (Path(line) for line in lines)
    common = common if common.is_absolute() else (start / common)
    return top.resolve(), gitdir.resolve(), common.resolve()


class DataWorkspace:
    """A work tree with its settings, content cache and (lazily) its git repository."""

    def __init__(
        self, workdir: Path, gitdir: Path, commondir: Path, settings: Settings | None = None
    ) -> None:
        self.workdir = workdir
        self.gitdir = gitdir
        self.commondir = commondir
        self.settings = settings if settings is not None else load_settings(workdir)
        self.link: LinkMode | None = None  # None: default_link()

    @classmethod
    def of_repo(cls, repo: GitRepo) -> DataWorkspace:
        """The workspace of an already opened (non-bare) repository."""
        ws = cls(repo.workdir, repo.gitdir, repo.commondir)
        ws.__dict__["repo"] = repo  # the cached_property's slot
        return ws

    @cached_property
    def repo(self) -> GitRepo:
        return open_repo(self.workdir)

    @property
    def pointer_dir(self) -> str:
        return pointer_folder(self.settings)

    @cached_property
    def cache(self) -> Cache:
        link = self.link if self.link is not None else default_link()
        return Cache(self.commondir / STATE_DIR / CACHE_DIR, link=link)

    def statcache(self) -> StatCache:
        return StatCache(self.gitdir / STATE_DIR)

    def pointers(self) -> dict[str, Pointer]:
        return load_pointers(self.workdir, self.pointer_dir)

    def remote_config(self, name: str | None = None) -> RemoteConfig:
        return self.settings.remote(name)

    def has_remote(self) -> bool:
        return bool(self.settings.data_remotes)

    def open_remote(self, name: str | None = None) -> tuple[RemoteConfig, Remote]:
        """The configured remote ``name`` (default: the default one), probed."""
        config = self.settings.remote(name)
        try:
            return config, open_configured(self.workdir, config)
        except RemoteError as exc:
            raise RemoteError(f"data remote '{config.name}': {exc}") from None

    def remote_jobs(self, config: RemoteConfig) -> int | None:
        jobs = config.options.get("jobs")
        return int(jobs) if jobs is not None else None


LINK_CHOICES = ("auto", "hardlink", "reflink", "copy")


def default_link() -> LinkMode:
    """Reflink, else a read-only hard link, else a copy -- but no hard links for root.

    A hard-linked work-tree file is made read-only so that in-place writes fail instead
    of changing the cached object; root ignores file modes, so for root an in-place write
    (``df.to_csv`` over the same path) would silently corrupt the cache. Root gets
    reflink-or-copy unless it asks for hard links.
    """
    return LinkMode.REFLINK if os.geteuid() == 0 else LinkMode.AUTO


def link_mode(choice: str) -> LinkMode:
    """The cache link mode of a ``--link`` choice (see ``LINK_CHOICES``)."""
    if choice == "auto":
        return default_link()
    if choice == "hardlink":
        return LinkMode.AUTO
    return LinkMode(choice)


def open_workspace(start: str | os.PathLike[str] | None = None) -> DataWorkspace:
    """The workspace containing ``start`` (default: the current directory)."""
    here = Path(start) if start is not None else Path.cwd()
    found = _rev_parse(here)
    if found is None:
        repo = open_repo(here)  # raises the precise error (not a repository, bare, ...)
        workdir = repo.workdir
        return DataWorkspace(workdir, repo.gitdir, repo.commondir)
    return DataWorkspace(*found)
