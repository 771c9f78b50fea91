"""Stage events from the history of ``.gitml/stages.toml`` (shared by apply and verify).

Each first-parent commit of the default branch that changed the file is compared with the
state before it; every difference becomes one event. A file that does not parse, names an
unknown stage or an unregistered version is skipped (the next valid one is compared with
the last valid state), so a broken commit that a later commit fixed does not block the log;
``registry apply`` refuses only when the file at the tip itself is invalid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import STAGES_FILE, Settings
from gitml.records.typed import typed
from gitml.registry import records as rec
from gitml.registry.stagefile import (
    Assignments,
    InvalidStages,
    Known,
    check_versions,
    diff,
    parse,
)
from gitml.storage.history import merge_base
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import FileChange, last_change, read_file_at

if TYPE_CHECKING:
    from gitml.records.shapes import ChangeTable, StageEventRecord, StageSource

DIRECT_TRAILER = "Gitml-Promotion: direct"


class SkippedChange(NamedTuple):
    commit: str
    reason: str
    unregistered: bool = False
    """Left out only for naming a model or version not registered (yet): registering it
    would make the change valid. A deleted or malformed file stays left out for good."""


@dataclass
class Derivation:
    events: list[StageEventRecord] = field(default_factory=list)
    skipped: list[SkippedChange] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    state: Assignments = field(default_factory=dict)


def source_of(change: FileChange) -> StageSource:
    if any(line.strip() == DIRECT_TRAILER for line in change.message.splitlines()):
        return "direct"
    return "merge" if len(change.parents) > 1 else "commit"


def _side_change(repo: GitRepo, change: FileChange) -> ChangeTable | None:
    """For a merge: the commit on the merged branch that last changed the file."""
    if len(change.parents) < 2:
        return None
    base = merge_base(repo, change.parents[0], change.parents[1])
    found = last_change(repo, change.parents[1], STAGES_FILE, until=base)
    if found is None:
        return None
    sha, who = found
    return {"commit": sha, "author": rec.person(who.name, who.email)}


def registers_valid(
    repo: GitRepo, commits: Iterable[str], versions: Known | Mapping[str, Iterable[str]]
) -> bool:
    """Whether any of ``commits`` (changes left out before) names only registered models
    and versions now, so that the derivation would no longer leave it out."""
    for commit in commits:
        data = read_file_at(repo, commit, STAGES_FILE)
        if data is None:
            continue
        try:
            check_versions(parse(data).assignments, versions)
        except InvalidStages:
            continue
        return True
    return False


def derive(
    repo: GitRepo,
    changes: Iterable[FileChange],
    *,
    settings: Settings,
    versions: Known | Mapping[str, Iterable[str]],
    state: Assignments,
    seqs: Mapping[str, int],
    settings_for: Callable[[FileChange], Settings] | None = None,
) -> Derivation:
    """Events for ``changes`` (oldest first), starting from ``state`` and sequence numbers.

    Each change is read with ``settings_for(change)`` (the stage configuration in force
    for it; ``rules.settings_before``), or with ``settings``.
    """
    out = Derivation(state=copy.deepcopy(state))
    next_seq = dict(seqs)
    for change in changes:
        where = f"{STAGES_FILE} at commit {change.commit[:12]}"
        if change.new is None:
            out.skipped.append(SkippedChange(change.commit, f"{where}: the file was deleted"))
            continue
        try:
            in_force = settings_for(change) if settings_for is not None else settings
            parsed = parse(change.new, where=where, settings=in_force)
        except InvalidStages as exc:
            out.skipped.append(SkippedChange(change.commit, str(exc)))
            continue
        try:
            check_versions(parsed.assignments, versions, where=where)
        except InvalidStages as exc:
            out.skipped.append(SkippedChange(change.commit, str(exc), unregistered=True))
            continue
        transitions = diff(out.state, parsed.assignments)
        out.state = copy.deepcopy(parsed.assignments)
        if not transitions:
            continue
        source = source_of(change)
        side = _side_change(repo, change)
        author = rec.person(change.author.name, change.author.email)
        for transition in transitions:
            seq = next_seq.get(transition.model, 0) + 1
            next_seq[transition.model] = seq
            event = rec.build_event(
                transition=transition,
                seq=seq,
                commit=change.commit,
                committed=change.committer.time,
                author=author,
                source=source,
                change=side,
            )
            out.events.append(typed(event, "stage-event", where=f"{where}: {transition.model}"))
        out.commits.append(change.commit)
    return out
