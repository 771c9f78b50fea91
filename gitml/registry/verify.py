"""``git ml registry verify``: the applied log is exactly what the default branch says.

It re-derives every stage event from the first-parent history of ``.gitml/stages.toml`` on
the default branch (events are deterministic) and compares with the records on
``refs/gitml/registry``; it also checks that no commit of the registry ref ever modified
or deleted a record, and that direct promotions were allowed by the policy of their commit.
Each problem names the record or commit and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitml.config import POLICY_FILE, STAGES_FILE, Settings
from gitml.errors import GitmlError, InvalidRecord
from gitml.records import codec
from gitml.registry import records as rec
from gitml.registry.actor import ci_branch
from gitml.registry.derive import Skipped, derive
from gitml.registry.policy import allow_direct, load_policy
from gitml.registry.store import open_index, registry_collection
from gitml.storage import REGISTRY_REF
from gitml.storage.history import resolve_commit
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import file_changes, find_branch_commit, head, read_file_at


@dataclass
class VerifyReport:
    branch: str
    commit: str
    events: int = 0
    expected: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "branch": self.branch,
            "commit": self.commit,
            "events": self.events,
            "expected": self.expected,
            "problems": self.problems,
            "skipped": [{"commit": s.commit, "reason": s.reason} for s in self.skipped],
        }


def branch_tip(repo: GitRepo, settings: Settings, env: Mapping[str, str], rev: str | None) -> str:
    if rev is not None:
        return resolve_commit(repo, rev)
    branch = settings.default_branch
    found = find_branch_commit(repo, branch)
    if found is not None:
        return found
    sha, on = head(repo)
    if sha is not None and on is None and ci_branch(env) == branch:
        return sha
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
) -> VerifyReport:
    """Every problem of the registry: events against the default branch, versions against
    their runs, and (``audit``) the ref's history against the append-only rules."""
    tip = branch_tip(repo, settings, env, rev)
    report = VerifyReport(rev or settings.default_branch, tip)
    terminal = set(settings.terminal_stages)
    with open_index(repo) as index:
        index.refresh()
        for path, error in index.errors():
            report.problems.append(f"{REGISTRY_REF}:{path}: invalid record: {error}")
        versions = index.version_names()
        rows = index.event_rows()
        version_docs = index.all_versions()
    _check_versions(repo, version_docs, report)
    actual: dict[str, tuple[str, dict[str, Any]]] = {}
    by_model: dict[str, dict[int, list[str]]] = {}
    for path, doc in rows:
        report.events += 1
        expected_path = rec.event_path(doc["model"], int(doc["seq"]), doc["id"])
        if path != expected_path:
            report.problems.append(
                f"{REGISTRY_REF}:{path}: event is filed at the wrong path (its fields say "
                f"{expected_path}); it was not written by `git ml registry apply`"
            )
        if doc["id"] in actual:
            report.problems.append(
                f"{REGISTRY_REF}:{path}: duplicates the event {actual[doc['id']][0]}"
            )
            continue
        actual[doc["id"]] = (path, doc)
        by_model.setdefault(doc["model"], {}).setdefault(int(doc["seq"]), []).append(path)
    for model, seqs in sorted(by_model.items()):
        for seq, paths in sorted(seqs.items()):
            if len(paths) > 1:
                report.problems.append(
                    f"{REGISTRY_REF}: model {model!r} has {len(paths)} events with seq {seq}: "
                    + ", ".join(paths)
                )
    changes = file_changes(repo, tip, STAGES_FILE)
    derived = derive(repo, changes, settings=settings, versions=versions, state={}, seqs={})
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
            report.problems.append(
                f"{STAGES_FILE}: models.{want['model']}.{want['stage']}: change {_label(want, terminal)} {what}"
            )
            continue
        path, doc = found
        diffs = sorted(k for k in set(want) | set(doc) if want.get(k) != doc.get(k))
        if diffs:
            shown = ", ".join(f"{k} = {doc.get(k)!r} (expected {want.get(k)!r})" for k in diffs)
            report.problems.append(
                f"{REGISTRY_REF}:{path}: differs from {_label(want, terminal)}: {shown}"
            )
    for path, doc in sorted(actual.values()):
        report.problems.append(
            f"{REGISTRY_REF}:{path}: event {_label(doc, terminal)} matches no change of "
            f"{STAGES_FILE} on {settings.default_branch!r} (written by hand, or from another history)"
        )
    _check_direct(repo, derived.events, report)
    if audit:
        report.problems += history_problems(repo, settings)
    return report


def history_problems(repo: GitRepo, settings: Settings) -> list[str]:
    """The registry ref's history is append-only with every record where it belongs."""
    from gitml.integrity.history import audited_tips, check_history, remember_audited

    tip = registry_collection(repo).tip()
    if tip is None:
        return []
    known = audited_tips(repo, REGISTRY_REF)
    found = check_history(repo, REGISTRY_REF, str(tip), known, skew_s=settings.clock_skew_s)
    if not found.problems:
        remember_audited(repo, REGISTRY_REF, str(tip))
    return found.problems


def _check_versions(repo: GitRepo, versions: list[dict[str, Any]], report: VerifyReport) -> None:
    """Every version's copied facts against its run's record."""
    from gitml.registry.consistency import problems_of
    from gitml.runs.store import find_runs

    runs = find_runs(repo, [str(v["run"]["id"]) for v in versions])
    for version, problem in problems_of(versions, runs):
        path = rec.version_path(str(version["model"]), str(version["version"]))
        report.problems.append(f"{REGISTRY_REF}:{path}: {problem}; the record was edited or forged")


def _check_direct(repo: GitRepo, events: list[dict[str, Any]], report: VerifyReport) -> None:
    policies: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["source"] != "direct":
            continue
        commit = event["commit"]
        if commit not in policies:
            try:
                policies[commit] = load_policy(
                    read_file_at(repo, commit, POLICY_FILE), where=f"{POLICY_FILE} at {commit[:12]}"
                )
            except InvalidRecord as exc:
                report.problems.append(str(exc))
                policies[commit] = {}
        if not allow_direct(policies[commit], event["model"], event["stage"]):
            report.problems.append(
                f"commit {commit[:12]}: {event['model']} {event['version']} was changed in "
                f"{event['stage']!r} directly, but {POLICY_FILE} at that commit does not allow it"
            )
