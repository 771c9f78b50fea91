"""``git ml registry verify``: the applied log is exactly what the default branch says.

It re-derives every stage event from the first-parent history of ``.gitml/stages.toml`` on
the default branch (events are deterministic) and compares with the records on
``refs/gitml/registry``; it also checks that no commit of the registry ref ever modified
or deleted a record, and that direct promotions were allowed by the policy of their commit.
Each problem names the record or commit and what to do.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.config import POLICY_FILE, STAGES_FILE, Settings
from gitml.errors import GitmlError, InvalidRecord
from gitml.governance.policy import Policy, allow_direct, load_policy
from gitml.integrity import history
from gitml.records import codec
from gitml.registry import records as rec
from gitml.registry.actor import ci_branch
from gitml.registry.consistency import problems_of
from gitml.registry.derive import Derivation, SkippedChange, derive
from gitml.registry.landings import mixed_problems, skipped_landings
from gitml.registry.rules import settings_before
from gitml.registry.stagefile import Known, parse
from gitml.registry.store import RegistryIndex, open_index, registry_collection
from gitml.registry.trustpoint import TrustPoint, save_trust_point
from gitml.storage import REGISTRY_REF
from gitml.storage.history import first_parent, is_ancestor, resolve_commit
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import (
    BranchState,
    file_changes,
    find_branch_commit,
    find_tracking_commit,
    head,
    read_file_at,
)

if TYPE_CHECKING:
    from gitml.records.shapes import AppliedRecord, JsonObject, ModelVersionRecord, StageEventRecord


class VerifyReport:
    """What verifying the log against ``branch`` at ``commit`` found (filled in as it goes)."""

    def __init__(self, branch: str, commit: str) -> None:
        self.branch = branch
        self.commit = commit
        self.events = 0
        self.expected = 0
        self.problems: list[str] = []
        self.skipped: list[SkippedChange] = []
        self.untrusted: list[str] = []
        """The problems that make the log untrustworthy (``apply`` refuses to extend it)."""
        self.verified: set[str] = set()
        """Ids of the events that are exactly what the default branch derives."""
        self.pending: list[StageEventRecord] = []
        """Events the default branch derives that were never applied."""
        self.undone: set[str] = set()
        """Commits whose stage changes applied-state records verifiably skip."""

    def distrust(self, problem: str) -> None:
        self.problems.append(problem)
        self.untrusted.append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> JsonObject:
        return {
            "ok": self.ok,
            "branch": self.branch,
            "commit": self.commit,
            "events": self.events,
            "expected": self.expected,
            "problems": self.problems,
            "skipped": [{"commit": s.commit, "reason": s.reason} for s in self.skipped],
        }


def branch_tip(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    rev: str | None,
    *,
    state: BranchState | None = None,
) -> str:
    """The default branch to verify against: ``rev``, the local branch (or the remote's
    when it is strictly ahead), a CI checkout of it, or the remote's. ``state``: the
    default branch's (``storage.tracked.branch_state``) when the caller has read it."""
    if rev is not None:
        return resolve_commit(repo, rev)
    branch = settings.default_branch
    found = find_branch_commit(repo, branch)
    tracking = state.tracking if state is not None else find_tracking_commit(repo, branch)
    if found is not None:
        # The remote's branch when it is ahead of ours (a pull may bring events of it).
        if tracking is not None and tracking != found and is_ancestor(repo, found, tracking):
            return tracking
        return found
    sha, on = (state.commit, state.checked_out) if state is not None else head(repo)
    if sha is not None and on is None and ci_branch(env) == branch:
        return sha
    if tracking is not None:
        return tracking
    raise GitmlError(
        f"there is no local branch {branch!r} (the default branch); fetch it "
        f"(`git fetch origin {branch}:{branch}`) or pass --rev"
    )


def _label(doc: Mapping[str, Any], terminal: set[str]) -> str:
    return (
        f"`{rec.describe_event(doc, doc['stage'] in terminal)}` (commit {str(doc['commit'])[:12]})"
    )


def verify(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    rev: str | None = None,
    *,
    audit: bool = True,
    index: RegistryIndex | None = None,
) -> VerifyReport:
    """Every problem of the registry: events against the default branch, versions against
    their runs, and (``audit``) the ref's history against the append-only rules.
    ``index``: the registry's index, when the caller holds it open."""
    tip = branch_tip(repo, settings, env, rev)
    report = VerifyReport(rev or settings.default_branch, tip)
    terminal = set(settings.terminal_stages)
    with open_index(repo, index) as index:
        index.refresh()
        registry = index.tip
        for path, error in index.errors():
            report.distrust(f"{REGISTRY_REF}:{path}: invalid record: {error}")
        versions = index.version_names()
        rows = index.event_rows()
        version_docs = index.all_versions()
        applied = index.applied_rows()
        read_one_tip = registry == index.tip
    _check_versions(repo, version_docs, report)
    actual: dict[str, tuple[str, StageEventRecord]] = {}
    by_model: dict[str, dict[int, list[str]]] = {}
    for path, doc in rows:
        report.events += 1
        expected_path = rec.event_path(doc["model"], int(doc["seq"]), doc["id"])
        if path != expected_path:
            report.distrust(
                f"{REGISTRY_REF}:{path}: event is filed at the wrong path (its fields say "
                f"{expected_path}); it was not written by `git ml registry apply`"
            )
        if doc["id"] in actual:
            report.distrust(f"{REGISTRY_REF}:{path}: duplicates the event {actual[doc['id']][0]}")
            continue
        actual[doc["id"]] = (path, doc)
        by_model.setdefault(doc["model"], {}).setdefault(int(doc["seq"]), []).append(path)
    for model, seqs in sorted(by_model.items()):
        for seq, paths in sorted(seqs.items()):
            if len(paths) > 1:
                report.distrust(
                    f"{REGISTRY_REF}: model {model!r} has {len(paths)} events with seq {seq}: "
                    + ", ".join(paths)
                )
    derived = expected_events(repo, settings, tip, versions, applied, report)
    report.skipped = derived.skipped
    report.expected = len(derived.events)
    if tip in {s.commit for s in derived.skipped}:
        reason = next(s.reason for s in derived.skipped if s.commit == tip)
        report.problems.append(f"{reason} (`registry apply` refuses it until fixed)")
    last_seq = {m: max(s) for m, s in by_model.items()}
    for event in derived.events:
        want = codec.to_jsonable(event)
        found = actual.pop(want["id"], None)
        if found is None:
            later = last_seq.get(want["model"], 0) > want["seq"]
            what = (
                "its event is missing from the log (deleted?)"
                if later
                else "was never applied; run `git ml registry apply` on "
                f"{settings.default_branch!r}"
            )
            problem = (
                f"{STAGES_FILE}: models.{want['model']}.{want['stage']}: change "
                f"{_label(want, terminal)} {what}"
            )
            over = None if later else applied_over(repo, want, applied)
            if later:
                report.distrust(problem)
            elif over is not None:
                report.distrust(
                    f"{REGISTRY_REF}:{over[0]}: says {report.branch!r} was applied at "
                    f"{over[1][:12]}, but the log has no event of the change before it: "
                    f"{_label(want, terminal)} (written by hand?)"
                )
            else:
                report.problems.append(problem)
                report.pending.append(want)
            continue
        path, doc = found
        diffs = sorted(k for k in set(want) | set(doc) if want.get(k) != doc.get(k))
        if diffs:
            shown = ", ".join(f"{k} = {doc.get(k)!r} (expected {want.get(k)!r})" for k in diffs)
            report.distrust(
                f"{REGISTRY_REF}:{path}: differs from {_label(want, terminal)}: {shown}"
            )
        else:
            report.verified.add(str(doc["id"]))
    for path, doc in sorted(actual.values()):
        report.distrust(
            f"{REGISTRY_REF}:{path}: event {_label(doc, terminal)} matches no change of "
            f"{STAGES_FILE} on {settings.default_branch!r} (written by hand, or from another history)"
        )
    _check_direct(repo, derived.events, report)
    if audit:
        for problem in history_problems(repo, settings):
            report.distrust(problem)
    if not report.untrusted and audit and rev is None and read_one_tip and registry:
        save_trust_point(
            repo,
            TrustPoint(
                registry=registry,
                branch=tip,
                state=derived.state,
                seqs={str(e["model"]): int(e["seq"]) for e in derived.events},
                pending=report.pending,
                undone=sorted(report.undone),
                skipped=[s.commit for s in derived.skipped if s.unregistered],
            ),
        )
    return report


def expected_events(
    repo: GitRepo,
    settings: Settings,
    tip: str,
    versions: Known | Mapping[str, Iterable[str]],
    applied: list[tuple[str, AppliedRecord]],
    report: VerifyReport,
) -> Derivation:
    """Every stage event the default branch at ``tip`` derives, as ``registry apply`` would
    have written it (changes that applied-state records verifiably skip left out)."""
    commits = {str(doc["commit"]) for _path, doc in applied}
    skip = check_applied(repo, tip, applied, report, applied=commits)
    report.undone = skip
    changes = [c for c in file_changes(repo, tip, STAGES_FILE) if c.commit not in skip]
    return derive(
        repo,
        changes,
        settings=settings,
        versions=versions,
        state={},
        seqs={},
        settings_for=settings_before(repo),
    )


def check_applied(
    repo: GitRepo,
    tip: str,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    report: VerifyReport,
    *,
    applied: Container[str],
) -> set[str]:
    """Check the applied-state records ``rows``; the stage changes they verifiably skip.

    A record must name a commit of the default branch, the changes it skips must be
    exactly the stage changes on that commit's first-parent line from the first of them on,
    that commit must have undone them (the stages file is back to what it was before), and
    they must be what ``registry apply`` skips: every change since the last applied state
    (``applied``: the commits of all applied-state records), among them a landing that
    changed the rules and the stages together.
    """
    skip: set[str] = set()
    for path, doc in rows:
        commit = str(doc["commit"])
        skipped = [str(c) for c in doc.get("skipped") or []]
        if not is_ancestor(repo, commit, tip):
            report.distrust(
                f"{REGISTRY_REF}:{path}: says the default branch was applied at "
                f"{commit[:12]}, which is not on {report.branch!r} (written by hand?)"
            )
        elif skipped and _changes_through(repo, skipped[0], commit) != skipped:
            report.distrust(
                f"{REGISTRY_REF}:{path}: skips {len(skipped)} commit(s) that are not the stage "
                f"changes from {skipped[0][:12]} through {commit[:12]} (written by hand?)"
            )
        elif skipped and not _undone_by(repo, skipped[0], commit):
            report.distrust(
                f"{REGISTRY_REF}:{path}: skips the stage change of {skipped[0][:12]}, which "
                f"{commit[:12]} did not undo (written by hand?)"
            )
        elif skipped and not _skippable(repo, commit, skipped, applied):
            report.distrust(
                f"{REGISTRY_REF}:{path}: skips {len(skipped)} stage change(s) through "
                f"{commit[:12]}, but `registry apply` skips changes only when they are all "
                "those since the last applied state and one landing among them changed the "
                "rules and the stages together (written by hand?)"
            )
        else:
            skip.update(skipped)
    return skip


def applied_over(
    repo: GitRepo, event: Mapping[str, Any], markers: Sequence[tuple[str, Mapping[str, Any]]]
) -> tuple[str, str] | None:
    """(path, commit) of an applied-state record that says the default branch was applied
    at or after the change of ``event``, an event the log lacks (None when none does):
    ``registry apply`` never goes back past such a record, so the event would never come."""
    for path, doc in markers:
        if is_ancestor(repo, str(event["commit"]), str(doc["commit"])):
            return path, str(doc["commit"])
    return None


def _changes_through(repo: GitRepo, first: str, commit: str) -> list[str]:
    """The stage changes on ``commit``'s first-parent line after ``first``'s first parent
    (none when ``first`` names no commit)."""
    if not repo.has_commit(first):
        return []
    before = first_parent(repo, first)
    changes = file_changes(repo, commit, STAGES_FILE, stop=lambda sha: sha == before)
    return [change.commit for change in changes]


def _skippable(repo: GitRepo, commit: str, skipped: list[str], applied: Container[str]) -> bool:
    """Whether ``registry apply`` at ``commit`` refused a landing among the changes
    ``skipped`` for mixing rules and stages (it skips them only then, once undone)."""
    landings = skipped_landings(repo, commit, skipped, applied=applied)
    return landings is not None and bool(mixed_problems(repo, landings))


def _undone_by(repo: GitRepo, first: str, commit: str) -> bool:
    before = first_parent(repo, first)
    old = read_file_at(repo, before, STAGES_FILE) if before else None
    new = read_file_at(repo, commit, STAGES_FILE)
    try:
        return (parse(old).assignments if old else {}) == (parse(new).assignments if new else {})
    except InvalidRecord:
        return False


def history_problems(repo: GitRepo, settings: Settings) -> list[str]:
    """The registry ref's history is append-only with every record where it belongs."""
    tip = registry_collection(repo).tip()
    if tip is None:
        return []
    known = history.audited_tips(repo, REGISTRY_REF)
    found = history.check_history(repo, REGISTRY_REF, str(tip), known, skew_s=settings.clock_skew_s)
    if not found.problems:
        history.remember_audited(repo, REGISTRY_REF, str(tip))
    return found.problems


def _check_versions(
    repo: GitRepo, versions: list[ModelVersionRecord], report: VerifyReport
) -> None:
    """Every version's copied facts against its run's record."""
    from gitml.runs.store import find_runs

    runs = find_runs(repo, [str(v["run"]["id"]) for v in versions])
    for version, problem in problems_of(versions, runs):
        path = rec.version_path(str(version["model"]), str(version["version"]))
        report.problems.append(f"{REGISTRY_REF}:{path}: {problem}; the record was edited or forged")


def _check_direct(repo: GitRepo, events: list[StageEventRecord], report: VerifyReport) -> None:
    policies: dict[str, Policy] = {}
    for event in events:
        if event["source"] != "direct":
            continue
        commit = event["commit"]
        if commit not in policies:
            before = first_parent(repo, commit) or commit
            try:
                policies[commit] = load_policy(
                    read_file_at(repo, before, POLICY_FILE), where=f"{POLICY_FILE} at {before[:12]}"
                )
            except InvalidRecord as exc:
                report.problems.append(str(exc))
                policies[commit] = {}
        if not allow_direct(policies[commit], event["model"], event["stage"])[0]:
            report.problems.append(
                f"commit {commit[:12]}: {event['model']} {event['version']} was changed in "
                f"{event['stage']!r} directly, but {POLICY_FILE} before that commit did not allow it"
            )
