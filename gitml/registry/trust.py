"""Whether to believe the applied stage log, verified incrementally from a trust point.

``registry.verify.verify`` derives every event from the whole history of the stages file
(about half a second at 1,000 events) and, when the log verifies, leaves a trust point. A
later command checks only what arrived since: the registry ref's new commits must descend
from the trust point's and pass the append-only audit, the default branch's first-parent
line must pass through the trust point's commit, and every new stage event must be exactly
one the new stage changes derive from the trust point's state (or one derived before and
still pending). Anything else -- a rewritten or non-descending history, an event that does
not match, an applied-state record that skips a change derived before or says the branch
was applied past a change whose event is missing, a newly registered version that makes a
change left out before valid -- verifies the whole log again,
which reports the problem precisely.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import STAGES_FILE, Settings
from gitml.errors import GitmlError
from gitml.integrity.history import check_history
from gitml.records import codec
from gitml.registry import records as rec
from gitml.registry.derive import derive, registers_valid
from gitml.registry.rules import settings_before
from gitml.registry.store import RegistryIndex, open_index, registry_collection, version_lookup
from gitml.registry.trustpoint import TrustPoint, load_trust_point, save_trust_point
from gitml.registry.verify import VerifyReport, applied_over, branch_tip, check_applied, verify
from gitml.storage import REGISTRY_REF
from gitml.storage.history import is_ancestor
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import BranchState, FileChange, file_changes

if TYPE_CHECKING:
    from gitml.records.shapes import StageEventRecord


class Trust(NamedTuple):
    """Which stage events to believe: all (``verified`` None) or only those listed."""

    untrusted: list[str]
    verified: frozenset[str] | None


class LogJudgement(NamedTuple):
    """A judgement of the log and everything it depended on: whoever holds one for the
    registry tip, settings and environment it names may use its ``trust`` as is."""

    repo: Path
    registry: str | None
    branch: str
    settings: Settings
    env: dict[str, str]
    trust: Trust

    def holds_for(
        self, repo: GitRepo, registry: str | None, settings: Settings, env: Mapping[str, str]
    ) -> bool:
        """Whether this judgement answers for the log of ``repo`` at ``registry`` under
        ``settings`` and ``env`` (a judgement that found no default branch answers for
        nothing)."""
        return (
            bool(self.branch)
            and self.repo == repo.state_dir
            and self.registry == registry
            and self.settings == settings
            and self.env == dict(env)
        )


_last: list[LogJudgement] = []


def trusted_log(repo: GitRepo, settings: Settings, env: Mapping[str, str]) -> Trust:
    """Whether the applied log verifies against the default branch (``judge_log``'s trust)."""
    return judge_log(repo, settings, env).trust


def judge_log(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    *,
    state: BranchState | None = None,
    index: RegistryIndex | None = None,
) -> LogJudgement:
    """Whether the applied log verifies against the default branch, and what that depended on.

    From the last trust point only what arrived since is checked; without one, or when what
    arrived does not extend it, the whole log is verified. With no default branch to verify
    against, nothing is believed. The judgement is a function of the registry's tip, the
    branch's tip, the settings and the environment, so a process asking again with all four
    unchanged (``registry apply`` judging thousands of events) gets the same answer back.
    ``state``: the default branch's state when the caller has just read it; ``index``:
    the registry's index, when the caller holds it open.
    """
    registry = registry_collection(repo).tip()
    asked = LogJudgement(
        repo=repo.state_dir,
        registry=str(registry) if registry is not None else None,
        branch="",
        settings=settings,
        env=dict(env),
        trust=Trust([], None),
    )
    try:
        tip = branch_tip(repo, settings, env, None, state=state)
    except GitmlError as exc:
        return asked._replace(trust=Trust([str(exc)], frozenset()))
    asked = asked._replace(branch=tip)
    for answer in list(_last):  # another thread may replace it meanwhile
        if answer._replace(trust=asked.trust) == asked:
            return answer
    trust = _judge(repo, settings, env, tip, index)
    if registry_collection(repo).tip() == registry:
        # Judged at the tip asked about: the ref only moves forward, so the key holds.
        judged = asked._replace(trust=trust)
        _last[:] = [judged]
        return judged
    # The ref moved while judging: the answer is right, but for no tip this process knows.
    return asked._replace(branch="", trust=trust)


def _judge(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    tip: str,
    index: RegistryIndex | None,
) -> Trust:
    if move_trust_point(repo, settings, tip, index=index):
        return Trust([], None)
    report = verify(repo, settings, env, index=index)
    if not report.untrusted:
        return Trust([], None)
    return Trust(report.untrusted, frozenset(report.verified))


def move_trust_point(
    repo: GitRepo, settings: Settings, branch: str, *, index: RegistryIndex | None = None
) -> bool:
    """Move the trust point to the registry's tip and ``branch`` when what arrived since
    verifies; False when there is none or it does not (the whole log must be verified).
    ``index``: the registry's index, when the caller holds it open."""
    point = load_trust_point(repo)
    if point is None:
        return False
    advanced = advance(repo, settings, point, branch, index=index)
    if advanced is None:
        return False
    if advanced != point:
        save_trust_point(repo, advanced)
    return True


def advance(
    repo: GitRepo,
    settings: Settings,
    point: TrustPoint,
    branch: str,
    *,
    index: RegistryIndex | None = None,
) -> TrustPoint | None:
    """The trust point moved to the registry's tip and ``branch``, when everything that arrived
    since ``point`` verifies; None when the whole log must be verified."""
    if not repo.has_commit(point.registry) or not is_ancestor(repo, point.branch, branch):
        return None
    with open_index(repo, index) as index:
        index.refresh()
        registry = index.tip
        if registry is None:
            return None
        if registry == point.registry and branch == point.branch:
            return point
        added = _added(repo, settings, point.registry, registry)
        if added is None or any(True for _ in index.errors()):
            return None
        docs = index.docs_at(added)
        markers = [(p, d) for p, (kind, d) in docs.items() if kind == rec.APPLIED_SCHEMA]
        # Which commits were applied matters only to a new record that skips something.
        applied = (
            {str(doc["commit"]) for _path, doc in index.applied_rows()}
            if any(doc.get("skipped") for _path, doc in markers)
            else set()
        )
    versions = version_lookup(registry_collection(repo).snapshot_at(registry))
    if any("/versions/" in p for p in added) and registers_valid(repo, point.skipped, versions):
        return None  # a new version makes a change left out before valid
    changes = _changes_since(repo, point.branch, branch)
    if changes is None:
        return None
    events = {p: d for p, (kind, d) in docs.items() if kind == rec.EVENT_SCHEMA}
    undone = _undone(repo, point, branch, markers, {c.commit for c in changes}, applied=applied)
    if undone is None:
        return None
    kept = [c for c in changes if c.commit not in undone]
    derived = derive(
        repo,
        kept,
        settings=settings,
        versions=versions,
        state=point.state,
        seqs=point.seqs,
        settings_for=settings_before(repo),
    )
    new = [codec.to_jsonable(e) for e in derived.events]
    pending = _match([*point.pending, *new], events)
    if pending is None or any(applied_over(repo, e, markers) for e in pending):
        return None  # a new applied-state record claims a change whose event is missing
    seqs = dict(point.seqs)
    seqs.update({str(e["model"]): int(e["seq"]) for e in new})
    return point._replace(
        registry=registry,
        branch=branch,
        state=derived.state,
        seqs=seqs,
        pending=pending,
        undone=sorted(undone),
        skipped=[*point.skipped, *(s.commit for s in derived.skipped if s.unregistered)],
    )


def _added(repo: GitRepo, settings: Settings, old: str, new: str) -> list[str] | None:
    """Paths of the records the registry's commits from ``old`` to ``new`` add; None when
    ``new`` does not descend from ``old`` or its history is not append-only."""
    if old == new:
        return []
    if not is_ancestor(repo, old, new):
        return None
    found = check_history(repo, REGISTRY_REF, new, [old], skew_s=settings.clock_skew_s)
    return None if found.problems else found.added


def _changes_since(repo: GitRepo, old: str, new: str) -> list[FileChange] | None:
    """The stage changes on ``new``'s first-parent line after ``old``; None when that line
    does not pass through ``old``."""
    reached = False

    def stop(sha: str) -> bool:
        nonlocal reached
        reached = reached or sha == old
        return reached

    changes = file_changes(repo, new, STAGES_FILE, stop=stop)
    return changes if reached else None


def _undone(
    repo: GitRepo,
    point: TrustPoint,
    branch: str,
    markers: list[tuple[str, codec.Doc]],
    new_changes: set[str],
    *,
    applied: set[str],
) -> set[str] | None:
    """Every change applied-state records skip, when the new records (``markers``) hold and
    skip only changes not derived before; None otherwise (``applied``: the commits of every
    applied-state record)."""
    report = VerifyReport(REGISTRY_REF, branch)
    undone = set(point.undone)
    fresh = check_applied(repo, branch, markers, report, applied=applied)
    if report.untrusted or not fresh <= undone | new_changes:
        return None
    return undone | fresh


def _match(
    expected: list[StageEventRecord], events: Mapping[str, codec.Doc]
) -> list[StageEventRecord] | None:
    """The expected events still pending once ``events`` (path -> doc) are matched; None when
    an event is not exactly an expected one at its own path, or one is missing before a
    later one of its model."""
    by_id = {str(e["id"]): e for e in expected}
    last: dict[str, int] = {}
    for path, doc in events.items():
        want = by_id.pop(str(doc.get("id")), None)
        if want is None or doc != want:
            return None
        if path != rec.event_path(str(doc["model"]), int(doc["seq"]), str(doc["id"])):
            return None
        last[str(doc["model"])] = max(last.get(str(doc["model"]), 0), int(doc["seq"]))
    pending = [e for e in expected if str(e["id"]) in by_id]
    if any(int(e["seq"]) < last.get(str(e["model"]), 0) for e in pending):
        return None
    return pending
