"""Keeping runs attached to their code when commits are amended, rebased or squashed.

Run records are immutable and name the commit they ran on. When that commit is
rewritten, a *link* record ``links/<shard>/<new>-<old>.toml`` on ``refs/gitml/runs``
says that ``new`` replaces ``old``; queries for a commit follow links back to every
commit it replaced. Links come from the ``post-rewrite`` hook (amend, rebase) and from
``git ml relink``, which recognises rebased, cherry-picked and squash-merged commits
made elsewhere (on a forge) by git's patch ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from gitml.errors import UsageError
from gitml.records import codec
from gitml.runs.paths import runs_collection
from gitml.runs.store import RUN_KIND, open_index
from gitml.storage.collection import wide_shard_of
from gitml.storage.history import (
    first_parent_commits,
    is_ancestor,
    merge_base,
    patch_id,
    resolve_commit,
)
from gitml.storage.notes import add_note_lines, read_note
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import LinkKind, LinkRecord

LINK_KIND: Final = "gitml/link/1"
LINK_KINDS = ("amend", "rebase", "squash", "cherry-pick")


@dataclass(frozen=True)
class Link:
    old: str
    new: str
    kind: LinkKind

    def as_dict(self) -> dict[str, str]:
        return {"old": self.old, "new": self.new, "kind": self.kind}


def link_path(new: str, old: str) -> str:
    return f"links/{wide_shard_of(new)}/{new}-{old}.toml"


def link_doc(link: Link) -> LinkRecord:
    return {
        "schema": LINK_KIND,
        "commit": link.new,
        "rewritten_from": link.old,
        "kind": link.kind,
    }


def commits_with_runs(repo: GitRepo, commits: Iterable[str]) -> set[str]:
    """Which of ``commits`` have runs recorded on them."""
    wanted = sorted(set(commits))
    if not wanted:
        return set()
    collection, index = open_index(repo)
    try:
        marks = ",".join("?" * len(wanted))
        rows = index.rows(
            collection,
            f"json_extract(doc, '$.code.commit') IN ({marks})",
            wanted,
            kind=RUN_KIND,
        )
    finally:
        index.close()
    return {str(r.doc["code"]["commit"]) for r in rows}


def record_links(repo: GitRepo, links: Sequence[Link], *, copy_notes: bool = False) -> list[Link]:
    """Store the links whose old commit has runs; returns those stored."""
    for link in links:
        if link.kind not in LINK_KINDS:
            raise UsageError(f"unknown link kind {link.kind!r}; use one of {', '.join(LINK_KINDS)}")
    with_runs = commits_with_runs(repo, (link.old for link in links))
    kept = [link for link in links if link.old in with_runs and link.old != link.new]
    if not kept:
        return []
    collection, _ = open_index(repo)
    files = {link_path(link.new, link.old): codec.dump_bytes(link_doc(link)) for link in kept}
    summary = ", ".join(f"{link.old[:7]}->{link.new[:7]}" for link in kept[:5])
    more = f" (+{len(kept) - 5})" if len(kept) > 5 else ""
    collection.write(lambda _snap: files, f"link {kept[0].kind} {summary}{more}")
    if copy_notes:
        lines: dict[str, list[str]] = {}
        for link in kept:
            note = read_note(repo, link.old)
            if note:
                lines.setdefault(link.new, []).extend(note.splitlines())
        add_note_lines(repo, lines, "gitml note: copy run lines to rewritten commits")
    return kept


def replaced_commits(repo: GitRepo, commit: str) -> set[str]:
    """``commit`` and every commit it replaced, following links transitively."""
    found = {commit}
    frontier = [commit]
    collection, index = open_index(repo)
    try:
        while frontier:
            marks = ",".join("?" * len(frontier))
            rows = index.rows(
                collection, f"json_extract(doc, '$.commit') IN ({marks})", frontier, kind=LINK_KIND
            )
            frontier = [str(r.doc["rewritten_from"]) for r in rows]
            frontier = [c for c in frontier if c not in found]
            found.update(frontier)
    finally:
        index.close()
    return found


def run_commits(repo: GitRepo) -> set[str]:
    collection, index = open_index(repo)
    try:
        return {str(r.doc["code"]["commit"]) for r in index.rows(collection, kind=RUN_KIND)}
    finally:
        index.close()


def find_rewrites(repo: GitRepo, head: str = "HEAD", depth: int = 200) -> list[Link]:
    """Links from run commits outside ``head``'s history to commits in it with the same change.

    A commit whose own patch matches a commit of ``head`` was rebased or cherry-picked;
    a branch whose whole change (from where it left ``head``) matches one commit was
    squash-merged, and so were the earlier commits of that branch.
    """
    tip = resolve_commit(repo, head)
    candidates = [
        c for c in sorted(run_commits(repo)) if repo.has_commit(c) and not is_ancestor(repo, c, tip)
    ]
    if not candidates:
        return []
    by_patch: dict[str, str] = {}
    for commit in first_parent_commits(repo, tip, depth):
        pid = patch_id(repo, None, commit)
        if pid is not None:
            by_patch.setdefault(pid, commit)
    links: list[Link] = []
    squashed: dict[str, tuple[str, str | None]] = {}
    unmatched: list[str] = []
    for old in candidates:
        own = patch_id(repo, None, old)
        if own is not None and own in by_patch:
            links.append(Link(old, by_patch[own], "rebase"))
            continue
        base = merge_base(repo, old, tip)
        whole = patch_id(repo, base, old) if base is not None else None
        if whole is not None and whole in by_patch:
            links.append(Link(old, by_patch[whole], "squash"))
            squashed[old] = (by_patch[whole], base)
        else:
            unmatched.append(old)
    for old in unmatched:
        base = merge_base(repo, old, tip)
        for branch_tip, (new, tip_base) in squashed.items():
            if tip_base == base and is_ancestor(repo, old, branch_tip):
                links.append(Link(old, new, "squash"))
                break
    return links


def relink(
    repo: GitRepo, head: str = "HEAD", *, depth: int = 200, dry_run: bool = False
) -> list[Link]:
    """Find and (unless ``dry_run``) record new links for runs whose commits were rewritten."""
    snapshot = runs_collection(repo).snapshot()
    links = [
        link
        for link in find_rewrites(repo, head, depth)
        if not snapshot.exists(link_path(link.new, link.old))
    ]
    if dry_run or not links:
        return links
    return record_links(repo, links, copy_notes=True)


def parse_rewritten(text: str) -> list[tuple[str, str]]:
    """``post-rewrite`` stdin: ``<old> <new> [extra]`` lines."""
    pairs = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2:
            pairs.append((words[0], words[1]))
    return pairs
