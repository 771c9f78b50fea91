"""Fetching and pushing gitml refs through the user's own ``git`` (credentials, SSH, CI tokens)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gitml.errors import GitmlError
from gitml.storage import COLLECTION_REFS, NOTES_REF, REF_ROOT, remote_tracking_ref
from gitml.storage.git import GitTimeout, as_text, last_line, run_git
from gitml.storage.refs import read_ref
from gitml.storage.repo import SHALLOW_ROOTS, GitRepo

SHARED_REFS = (*COLLECTION_REFS, NOTES_REF)
_FINAL_REASONS = ("shallow update not allowed",)
"""Why a remote refuses a push that no pull and no retry fixes (the others, such as
``fetch first`` or ``atomic transaction failed``, mean someone pushed first)."""


class GitRemoteError(GitmlError):
    """git could not reach the remote or refused the transfer."""


def _git(
    repo: GitRepo, *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        proc = run_git(repo.workdir_or_gitdir, *args, timeout=timeout)
    except GitTimeout as exc:
        raise GitRemoteError(str(exc)) from None
    return as_text(proc)


def check_remote(repo: GitRepo, remote: str) -> None:
    names = _git(repo, "remote").stdout.split()
    if remote not in names:
        known = ", ".join(names) or "none"
        raise GitRemoteError(
            f"no git remote named {remote!r} (remotes: {known}); add one with `git remote add`"
        )


def fetch_refspecs(remote: str) -> tuple[str, str]:
    """Refspecs that bring gitml refs into a remote-tracking namespace (never local refs)."""
    return (f"+{REF_ROOT}*:refs/remotes/{remote}/gitml/*", notes_refspec(remote))


def notes_refspec(remote: str) -> str:
    """The notes' refspec: a pattern (``gitml*``), because git fails a whole fetch when an
    exact source ref is missing on the remote, which the notes are until the first push."""
    return f"+{NOTES_REF}*:refs/notes/remotes/{remote}/gitml*"


def fetch(
    repo: GitRepo, remote: str, *, timeout: float | None = None, branches: Sequence[str] = ()
) -> dict[str, str | None]:
    """Fetch gitml refs into the remote-tracking namespace; local refs are never touched.

    ``branches`` are fetched too (into ``refs/remotes/<remote>/<branch>``, as ``git fetch``
    does), when the remote has them. Returns the remote-tracking tip of every shared ref
    (``None`` when absent).
    """
    check_remote(repo, remote)
    specs = [*fetch_refspecs(remote), *_branch_specs(repo, remote, branches, timeout)]
    proc = _git(repo, "fetch", "--no-tags", "--quiet", remote, *specs, timeout=timeout)
    if proc.returncode != 0:
        raise GitRemoteError(
            f"fetching gitml refs from {remote!r} failed: {last_line(proc.stderr)}"
        )
    tips: dict[str, str | None] = {}
    for ref in SHARED_REFS:
        oid = read_ref(repo, remote_tracking_ref(remote, ref))
        tips[ref] = str(oid) if oid is not None else None
    return tips


def _branch_specs(
    repo: GitRepo, remote: str, branches: Sequence[str], timeout: float | None
) -> list[str]:
    """Refspecs fetching those of ``branches`` the remote has into its remote-tracking refs."""
    if not branches:
        return []
    advertised = _git(repo, "ls-remote", "--heads", remote, *branches, timeout=timeout)
    have = {line.split("\t", 1)[1] for line in advertised.stdout.splitlines() if "\t" in line}
    return [
        f"+refs/heads/{b}:refs/remotes/{remote}/{b}" for b in branches if f"refs/heads/{b}" in have
    ]


def fetch_branches(
    repo: GitRepo, remote: str, branches: Sequence[str], *, timeout: float | None = None
) -> None:
    """Fetch those of ``branches`` the remote has (no gitml ref) into its remote-tracking
    refs; a failure changes nothing and is left to the fetch that follows."""
    check_remote(repo, remote)
    specs = _branch_specs(repo, remote, branches, timeout)
    if specs:
        _git(repo, "fetch", "--no-tags", "--quiet", remote, *specs, timeout=timeout)


def fetch_ref(repo: GitRepo, remote: str, ref: str, *, timeout: float | None = None) -> bool:
    """Fetch ``ref`` alone into its remote-tracking ref; False when the remote has no such
    ref or the fetch failed (nothing changed)."""
    spec = f"+{ref}:{remote_tracking_ref(remote, ref)}"
    proc = _git(repo, "fetch", "--no-tags", "--quiet", remote, spec, timeout=timeout)
    return proc.returncode == 0


def fetch_tips_only(
    repo: GitRepo, remote: str, commits: Mapping[str, str], *, timeout: float | None = None
) -> bool:
    """Fetch each of ``commits`` (ref -> commit id, from a trusted statement) into the ref's
    remote-tracking ref, and the notes tip, without their history (``--depth=1``: they
    become shallow commits, whose parents git neither fetches nor walks). ``commits`` are
    remembered first as the shallow roots the audits accept (``GitRepo.shallow_roots``).

    The notes tip is asked for by the id the remote advertises, and only when this clone
    does not hold that commit (a commit it holds would lose its history here). A shallow
    commit git records beyond those asked for is refused (a server can name any). False
    (nothing fetched) when the remote refuses: a server that speaks only protocol version
    0 serves only commits its refs advertise.
    """
    notes = _advertised(repo, remote, NOTES_REF, timeout=timeout)
    specs = [f"+{oid}:{remote_tracking_ref(remote, ref)}" for ref, oid in commits.items()]
    asked = set(commits.values())
    if notes is not None and not repo.has_commit(notes):
        specs.append(f"+{notes}:{remote_tracking_ref(remote, NOTES_REF)}")
        asked.add(notes)
    _remember_roots(repo, commits.values())
    before = repo.shallow_commits()
    proc = _git(repo, "fetch", "--depth=1", "--no-tags", "--quiet", remote, *specs, timeout=timeout)
    if proc.returncode != 0:
        return False
    repo.is_shallow = True
    unasked = repo.shallow_commits() - before - asked
    if unasked:
        raise GitRemoteError(
            f"{remote!r} marked {len(unasked)} commit(s) shallow that were not asked for "
            f"({min(unasked)[:12]}), which would hide their parents from the audit; nothing "
            "was merged (is the remote a plain git server?)"
        )
    return True


def _remember_roots(repo: GitRepo, commits: Iterable[str]) -> None:
    path = repo.state_dir / SHALLOW_ROOTS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as fh:
        fh.writelines(f"{commit}\n" for commit in commits)


def _advertised(
    repo: GitRepo, remote: str, ref: str, *, timeout: float | None = None
) -> str | None:
    """The commit ``remote`` advertises for ``ref`` (None: it has no such ref)."""
    proc = _git(repo, "ls-remote", "--refs", remote, ref, timeout=timeout)
    for line in proc.stdout.splitlines():
        oid, _, name = line.partition("\t")
        if name == ref:
            return oid
    return None


@dataclass(frozen=True)
class PushOutcome:
    pushed: tuple[str, ...]
    up_to_date: tuple[str, ...]
    rejected: tuple[str, ...]


def push(
    repo: GitRepo, remote: str, refs: tuple[str, ...], *, timeout: float | None = None
) -> PushOutcome:
    """Push ``refs`` fast-forward only and atomically (all or none)."""
    check_remote(repo, remote)
    existing = tuple(ref for ref in refs if read_ref(repo, ref) is not None)
    if not existing:
        return PushOutcome((), (), ())
    specs = [f"{ref}:{ref}" for ref in existing]
    proc = _git(
        repo, "push", "--atomic", "--porcelain", "--no-verify", remote, *specs, timeout=timeout
    )
    pushed, up_to_date, rejected = [], [], []
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or len(parts[0]) != 1:
            continue
        flag, spec = parts[0], parts[1]
        ref = spec.split(":", 1)[0]
        if flag == "=":
            up_to_date.append(ref)
        elif flag == "!":
            reason = parts[2] if len(parts) > 2 else ""
            if any(word in reason for word in _FINAL_REASONS):
                raise GitRemoteError(f"{remote!r} refused {ref}: {reason or 'no reason given'}")
            rejected.append(ref)
        else:
            pushed.append(ref)
    if proc.returncode != 0 and not rejected:
        raise GitRemoteError(f"pushing gitml refs to {remote!r} failed: {last_line(proc.stderr)}")
    if rejected:
        return PushOutcome((), tuple(up_to_date), tuple(existing))
    return PushOutcome(tuple(pushed), tuple(up_to_date), ())
