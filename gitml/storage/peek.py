"""Cheap reads for shell completion: where the repository is, names in a tree, run names.

Completion must answer in a few tens of milliseconds, so nothing here imports the record
codec, the schemas or pygit2: one ``git`` process per question, and the query index read
as it stands (``index_rows``), with its tip so the caller can tell whether it is stale.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from gitml.storage import INDEX_FILE, INDEX_USERS_SUFFIX
from gitml.storage.filelock import hold_shared
from gitml.storage.git import layout, run_git


@dataclass(frozen=True)
class Where:
    """The work tree (None when bare) and the common git directory of a repository."""

    workdir: Path | None
    commondir: Path

    @property
    def cwd(self) -> Path:
        return self.workdir or self.commondir


def locate(cwd: Path | str = ".") -> Where | None:
    """The repository around ``cwd``, or None outside one."""
    lines, _stderr = layout(cwd)
    if len(lines) < 4:
        return None
    workdir = Path(lines[4]) if lines[2] == "false" and len(lines) > 4 else None
    return Where(workdir, Path(lines[1]))


def tree_names(where: Where, treeish: str) -> list[str]:
    """Names of the entries of a tree (``REF:path/``); empty when there is no such tree."""
    proc = run_git(where.cwd, "ls-tree", "--name-only", "-z", treeish)
    if proc.returncode != 0:
        return []
    return [n.decode("utf-8", "replace") for n in proc.stdout.split(b"\0") if n]


def ref_tip(where: Where, ref: str) -> str | None:
    """The commit a ref points at, or None."""
    proc = run_git(where.cwd, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def git_remotes(where: Where) -> list[str]:
    """The names of the repository's git remotes."""
    proc = run_git(where.cwd, "remote")
    return proc.stdout.decode("utf-8", "replace").split() if proc.returncode == 0 else []


@dataclass(frozen=True)
class IndexedNames:
    """Ids and ``name`` fields of one kind of record, and the tip they were indexed at."""

    tip: str | None
    ids: list[str]
    names: list[str]


def index_rows(
    where: Where, ref: str, kind: str, prefix: str, *, ids: bool = True
) -> IndexedNames | None:
    """Record names (and with ``ids`` ids) starting with ``prefix``, from the index as it is.

    None when there is no index yet, it cannot be read, or it lacks ``records_name`` (a
    first load leaves it to the first lookup, which the caller's refresh is); the caller
    decides whether a stale one (``tip`` not the ref's tip) is worth a refresh. Names are
    read from the index's ``records_name`` index alone, so 10,000 records cost no document
    parsing (without it, a million cost seconds).
    """
    path = where.commondir / "gitml" / INDEX_FILE
    if not path.is_file():
        return None
    upper = prefix.upper()
    # Held as every connection holds it: a load never swaps the file while it is read.
    try:
        users = hold_shared(Path(f"{path}{INDEX_USERS_SUFFIX}"))
    except OSError:
        return None
    try:
        with (
            suppress(sqlite3.Error),
            closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db,
        ):
            named = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='index' AND name='records_name'"
            ).fetchone()
            if named is None:
                return None
            row = db.execute("SELECT tip FROM tips WHERE ref=?", (ref,)).fetchone()
            found_ids = (
                db.execute(
                    "SELECT id FROM records WHERE ref=? AND error IS NULL AND kind=? "
                    "AND id >= ? AND id < ? ORDER BY id",
                    (ref, kind, upper, upper + "\U0010ffff"),
                ).fetchall()
                if ids
                else []
            )
            names = db.execute(
                "SELECT DISTINCT name FROM records WHERE ref=? AND kind=? AND error IS NULL "
                "AND name >= ? AND name < ? ORDER BY name",
                (ref, kind, prefix, prefix + "\U0010ffff"),
            ).fetchall()
            return IndexedNames(
                tip=(row[0] or None) if row else None,
                ids=[str(r[0]) for r in found_ids],
                names=[str(r[0]) for r in names if r[0]],
            )
    finally:
        os.close(users)
    return None
