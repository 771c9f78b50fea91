"""``git ml registry apply``: turn changes of ``.gitml/stages.toml`` into stage events.

Run by CI on the default branch after a merge. It walks the branch's first-parent history
back to the newest commit that already has events, derives the events of every later
change (``derive``), and appends them to ``refs/gitml/registry`` in one commit whose
message is readable and whose trailers name model, stage, version, commit and actor.
Events are deterministic and the write is planned against a snapshot of the ref, so
running it twice, or twice at once, writes each event exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitml.config import STAGES_FILE, Settings
from gitml.errors import CheckFailed, GitmlError, InvalidRecord, listing
from gitml.records import codec
from gitml.records.schema import validate
from gitml.registry import records as rec
from gitml.registry.actor import Actor, actor_from, ci_branch
from gitml.registry.derive import Derivation, SkippedChange, derive
from gitml.registry.landings import (
    bases,
    landing_rules,
    mixed_problems,
    pending_landings,
)
from gitml.registry.rules import settings_before
from gitml.registry.stagefile import Assignments, Known, check_versions, parse
from gitml.registry.store import (
    Plan,
    RegistryIndex,
    models_in,
    open_index,
    registry_collection,
    version_lookup,
    write_planned,
)
from gitml.registry.trust import LogJudgement, judge_log, move_trust_point
from gitml.storage import REGISTRY_REF
from gitml.storage.collection import Snapshot
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import BranchState, branch_state, file_changes, read_file_at

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, StageEventRecord


class WrongBranch(GitmlError):
    """``registry apply`` outside the default branch."""


class ApplyReport:
    """What ``apply`` did on ``branch`` at ``tip``: the events it wrote, the changes it
    left out and the registry's tip after it (filled in as it goes)."""

    def __init__(self, branch: str, tip: str) -> None:
        self.branch = branch
        self.tip = tip
        self.events: list[StageEventRecord] = []
        self.skipped: list[SkippedChange] = []
        self.registry_tip: str | None = None

    def as_dict(self, terminal: tuple[str, ...] = ()) -> JsonObject:
        return {
            "branch": self.branch,
            "commit": self.tip,
            "applied": [
                {**e, "summary": rec.describe_event(e, e["stage"] in terminal)}
                for e in codec.to_jsonable(self.events)
            ],
            "skipped": [{"commit": s.commit, "reason": s.reason} for s in self.skipped],
            "registry": self.registry_tip,
        }


def default_branch_tip(
    repo: GitRepo, settings: Settings, env: Mapping[str, str]
) -> tuple[str, str]:
    """(branch, HEAD commit) when HEAD is the default branch; WrongBranch otherwise."""
    branch, sha, _state = _on_default_branch(repo, settings, env)
    return branch, sha


def _on_default_branch(
    repo: GitRepo, settings: Settings, env: Mapping[str, str]
) -> tuple[str, str, BranchState]:
    """``default_branch_tip``'s answer and the default branch's state it read."""
    state = branch_state(repo, settings.default_branch)
    sha, branch = state.commit, state.checked_out
    if sha is None:
        raise WrongBranch("the repository has no commits yet; nothing to apply")
    shown = repr(branch)
    if branch is None:
        branch = ci_branch(env)
        shown = f"a detached HEAD{f' (CI branch {branch!r})' if branch else ''}"
    if branch != settings.default_branch:
        raise WrongBranch(
            f"registry apply runs only on the default branch {settings.default_branch!r} "
            f"(this checkout is on {shown}); merge the change "
            f"and run it there (in CI), or set core.default_branch in .gitml/config.toml"
        )
    return branch, sha, state


def check_tip(
    repo: GitRepo, tip: str, settings: Settings, versions: Known, *, empty: bool = False
) -> None:
    """Refuse (InvalidStages naming file, commit and field) when the file at the tip is bad.

    ``empty``: this clone has no registry records at all, which usually means they were
    not fetched; the error then says so instead of blaming the file.
    """
    data = read_file_at(repo, tip, STAGES_FILE)
    if data is None:
        return
    parsed = parse(data, where=f"{STAGES_FILE} (commit {tip[:12]})", settings=settings)
    if empty and parsed.assignments:
        raise GitmlError(
            f"{REGISTRY_REF} does not exist in this clone, but {STAGES_FILE} assigns versions; "
            "fetch the gitml records first (`git ml fetch --ci`, or `git ml pull`), then apply"
        )
    check_versions(parsed.assignments, versions, where=f"{STAGES_FILE} (commit {tip[:12]})")


def refuse_violations(
    repo: GitRepo,
    settings: Settings,
    events: list[StageEventRecord],
    *,
    snap: Snapshot,
    env: Mapping[str, str],
    bases: Mapping[str, str | None],
    judged: LogJudgement | None = None,
    index: RegistryIndex | None = None,
) -> None:
    """Re-run every check on the promotions about to be applied (hooks can be skipped).

    Each change is judged by the rules at the base of its landing (``bases``); ``judged``:
    the stage log's judgement already made (``refuse_untrusted``); ``index``: the
    registry's index, when the caller holds it open.
    """
    from gitml.governance.promotions import check_events

    failed = check_events(repo, events, snap, env, bases=bases, judged=judged, index=index)
    if failed:
        lines = listing([f.line() for f in failed], shown=len(failed))
        raise CheckFailed(
            f"registry apply refuses {len(failed)} policy violation(s) on "
            f"{settings.default_branch!r}; nothing was applied:\n{lines}\n"
            f"revert the change of {STAGES_FILE} (`git revert <commit>`) or fix it, then apply again"
        )


def _undone(repo: GitRepo, tip: str, settings: Settings, state: Assignments) -> bool:
    """Whether the stages file at ``tip`` assigns exactly the applied ``state``."""
    data = read_file_at(repo, tip, STAGES_FILE)
    if data is None:
        return not state
    try:
        return parse(data, settings=settings).assignments == state
    except InvalidRecord:
        return False


def refuse_untrusted(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    state: BranchState | None = None,
    *,
    index: RegistryIndex | None = None,
) -> LogJudgement:
    """Refuse to extend a log that does not verify against the default branch; the
    judgement, for the checks that follow (``state``: the default branch's, already read;
    ``index``: the registry's, when the caller holds it open)."""
    judged = judge_log(repo, settings, env, state=state, index=index)
    trust = judged.trust
    if trust.untrusted:
        raise CheckFailed(
            f"registry apply refuses to extend {REGISTRY_REF}: its log does not verify against "
            f"{settings.default_branch!r}; nothing was applied:\n{listing(trust.untrusted)}\n"
            "see `git ml registry verify`; restore the registry ref from a clone whose log "
            "verifies (records are append-only: no event is ever edited or removed)"
        )
    return judged


def refuse_mixed(settings: Settings, problems: list[str]) -> None:
    """Refuse landings that changed the rules and the stages together (``problems``:
    ``mixed_problems``; revert them: once the stages file is back to the applied state,
    apply records that and moves on)."""
    if problems:
        raise CheckFailed(
            f"registry apply refuses {len(problems)} change(s) on {settings.default_branch!r}; "
            f"nothing was applied:\n{listing(problems)}\nrevert that change (`git revert -m 1 <merge>`, or "
            f"`git revert <commit>`), then land the rules and the promotion separately"
        )


def _origin(event: StageEventRecord) -> str:
    kind = "merge" if event["source"] == "merge" else "commit"
    return f"{kind} {event['commit'][:7]}"


# Events listed (with trailers) in one apply commit's message. A CI job that applies a
# long backlog at once would otherwise write a message of megabytes, which every later
# read of the log's tip parses again.
MESSAGE_EVENTS = 50


def commit_message(
    events: list[StageEventRecord], commits: list[str], actor: Actor, terminal: set[str]
) -> str:
    """One readable line (``promote churn 1.4.0 -> production (merge 3f2a1c9)``) + trailers."""
    if len(events) == 1:
        event = events[0]
        subject = f"{rec.describe_event(event, event['stage'] in terminal)} ({_origin(event)})"
        body = ""
    else:
        span = (
            _origin(events[0])
            if len(commits) == 1
            else f"{len(commits)} commits, {commits[0][:7]}..{commits[-1][:7]}"
        )
        subject = f"apply {len(events)} stage changes ({span})"
        lines = [
            f"- {rec.describe_event(e, e['stage'] in terminal)} ({_origin(e)})"
            for e in events[:MESSAGE_EVENTS]
        ]
        if len(events) > MESSAGE_EVENTS:
            lines.append(
                f"- and {len(events) - MESSAGE_EVENTS} more; every event is a record in "
                "this commit's tree (`git ml model history NAME`)"
            )
        body = "\n".join(lines) + "\n\n"
    trailers = []
    for event in events[:MESSAGE_EVENTS]:
        key = "Gitml-Merge-Commit" if event["source"] == "merge" else "Gitml-Commit"
        trailers += [
            f"Gitml-Model: {event['model']}",
            f"Gitml-Stage: {event['stage']}",
            f"Gitml-Version: {event['version']}",
            f"Gitml-Event: {event['event']}",
            f"{key}: {event['commit']}",
        ]
    trailers.append(f"Gitml-Actor: {actor.trailer()}")
    if actor.run_url:
        trailers.append(f"Gitml-CI-Run: {actor.run_url}")
    return f"{subject}\n\n{body}" + "\n".join(trailers) + "\n"


def apply(repo: GitRepo, settings: Settings, env: Mapping[str, str]) -> ApplyReport:
    """Append the events of every change not yet applied; idempotent and race-free."""
    branch, tip, state = _on_default_branch(repo, settings, env)
    repo.require_commits()
    with open_index(repo) as index:
        return _apply(repo, settings, env, index, branch=branch, tip=tip, state=state)


def _apply(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    held: RegistryIndex,
    *,
    branch: str,
    tip: str,
    state: BranchState,
) -> ApplyReport:
    """``apply`` with the registry's index open (``held``) for every step."""
    collection = registry_collection(repo)
    signature = repo.signature()
    actor = actor_from(signature.name, signature.email, env)
    terminal = set(settings.terminal_stages)
    report = ApplyReport(branch, tip)

    def plan(snap: Snapshot) -> Plan | None:
        with open_index(repo, held) as index:
            index.check_tip(snap)
            known = version_lookup(snap)
            check_tip(repo, tip, settings, known, empty=snap.tip is None)
            models = models_in(snap)
            state = index.state(models, settings.stages, terminal)
            seqs = {m: index.max_seq(m) for m in models}
            landings = pending_landings(repo, tip, stop=index.is_applied)
            changes = file_changes(repo, tip, STAGES_FILE, stop=index.is_applied)
        changed = {landing: landing_rules(repo, landing) for landing in landings}
        rules = sorted({r for found in changed.values() for r in found})
        mixed = mixed_problems(repo, landings, changed)
        if mixed:
            if not _undone(repo, tip, settings, state):
                refuse_mixed(settings, mixed)
            # The mixed change was reverted: record the applied state, apply nothing.
            skipped = [change.commit for change in changes]
            marker = rec.build_applied(tip, branch, rules, skipped)
            path = rec.applied_path(tip)
            validate(marker, "applied", where=path)
            message = f"apply {branch} at {tip[:7]}: {len(skipped)} undone stage change(s)\n"
            return Plan({path: codec.dump_bytes(marker)}, message, [])
        derivation: Derivation = derive(
            repo,
            changes,
            settings=settings,
            versions=known,
            state=state,
            seqs=seqs,
            settings_for=settings_before(repo),
        )
        report.skipped = derivation.skipped
        files: dict[str, bytes] = {}
        if rules:
            marker = rec.build_applied(tip, branch, rules)
            validate(marker, "applied", where=rec.applied_path(tip))
            files[rec.applied_path(tip)] = codec.dump_bytes(marker)
        if not derivation.events:
            if not files:
                return None
            message = f"apply {branch} at {tip[:7]}: rules changed ({', '.join(rules)})\n"
            return Plan(files, message, [])
        refuse_violations(
            repo,
            settings,
            derivation.events,
            snap=snap,
            env=env,
            bases=bases(landings),
            judged=judged,
            index=held,
        )
        for event in derivation.events:  # validated as derived
            path = rec.event_path(event["model"], event["seq"], event["id"])
            files[path] = codec.dump_bytes(event)
        message = commit_message(derivation.events, derivation.commits, actor, terminal)
        return Plan(files, message, derivation.events)

    judged = refuse_untrusted(repo, settings, env, state, index=held)
    registry_tip, planned = write_planned(collection, plan)
    report.registry_tip = registry_tip
    # The events just written are checked once, here, so later commands start past them.
    move_trust_point(repo, settings, tip, index=held)
    if planned is not None:
        report.events = list(planned.result or [])
    return report
