"""``git ml promote``/``demote``/``archive``: change ``.gitml/stages.toml``, checked.

Three ways to land the change:

* default: edit the file in the work tree (commit it and open a pull request yourself);
* ``--branch [NAME]``: commit the change on top of HEAD on a new branch, leaving the work
  tree and the index alone, and return a Markdown pull-request body;
* ``--direct``: where ``.gitml/policy.toml`` allows it (``allow_direct``), commit the change
  on the default branch (HEAD must be on it) and apply it at once; the commit carries a
  ``Gitml-Promotion: direct`` trailer, so its events record ``source = "direct"``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from gitml.atomic import write_atomic
from gitml.config import POLICY_FILE, STAGES_FILE, Settings
from gitml.errors import CheckFailed, GitmlError
from gitml.governance.engine import check_proposal
from gitml.governance.findings import Action, Finding, Proposal, errors
from gitml.governance.policy import allow_direct, load_policy
from gitml.registry.derive import DIRECT_TRAILER
from gitml.registry.names import check_model_name, check_stage, parse_version, version_sort_key
from gitml.registry.stagefile import (
    Assignments,
    ParsedStages,
    dumps,
    holds,
    parse,
    versions_of,
)
from gitml.registry.store import get_version, registry_collection, version_lookup
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import (
    advance_branch,
    commit_file,
    create_branch,
    head,
    path_is_clean,
    read_file_at,
    sync_worktree_file,
)

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.registry.apply import ApplyReport


class Mode(StrEnum):
    WORKTREE = "worktree"
    BRANCH = "branch"
    DIRECT = "direct"


class StageRequest(NamedTuple):
    action: Action
    model: str
    version: str
    stage: str | None = None


class StageChange(NamedTuple):
    proposal: Proposal
    findings: list[Finding]
    changed: bool
    mode: Mode
    branch: str | None = None
    commit: str | None = None
    body: str | None = None
    applied: ApplyReport | None = None

    def as_dict(self) -> JsonObject:
        p = self.proposal
        return {
            "action": p.action,
            "model": p.model,
            "version": p.version,
            "stage": p.stage,
            "changed": self.changed,
            "mode": str(self.mode),
            "file": STAGES_FILE,
            "branch": self.branch,
            "commit": self.commit,
            "findings": [f.as_dict() for f in self.findings],
            "body": self.body,
            "applied": self.applied.as_dict(p.settings.terminal_stages) if self.applied else None,
        }


def _target_stage(request: StageRequest, settings: Settings) -> str:
    if request.action == "archive":
        if not settings.terminal_stages:
            raise GitmlError(
                "no terminal stage is configured to archive into; add one to "
                '.gitml/config.toml [stages] terminal = ["archived"]'
            )
        return settings.terminal_stages[0]
    assert request.stage is not None
    if request.action == "promote":
        if request.stage in settings.terminal_stages:
            raise GitmlError(
                f"{request.stage!r} is a terminal stage; use `git ml archive "
                f"{request.model} {request.version}`"
            )
        return check_stage(request.stage, settings.stage_order)
    return check_stage(request.stage, settings.stages)


def changed_assignments(
    before: Assignments, action: Action, model: str, version: str, stage: str, settings: Settings
) -> Assignments:
    after = copy.deepcopy(before)
    stages = after.setdefault(model, {})
    if action == "promote":
        stages[stage] = version
    elif action == "demote":
        if not holds(before, model, stage, version):
            holders = ", ".join(versions_of(before.get(model, {}).get(stage)))
            held = (
                f"{stage!r} is held by {model} {holders}"
                if holders
                else f"no version of {model} holds {stage!r}"
            )
            raise GitmlError(
                f"{STAGES_FILE}: models.{model}.{stage}: {model} {version} does not hold "
                f"{stage!r} ({held}); nothing to demote"
            )
        if stage in settings.terminal_stages:
            rest = tuple(v for v in versions_of(stages.get(stage)) if v != version)
            if rest:
                stages[stage] = rest
            else:
                stages.pop(stage)
        else:
            stages.pop(stage)
    else:
        for name in list(stages):
            if name not in settings.terminal_stages and stages[name] == version:
                stages.pop(name)
        members = set(versions_of(stages.get(stage)))
        members.add(version)
        stages[stage] = tuple(sorted(members, key=version_sort_key))
    if not stages:
        after.pop(model, None)
    return after


def _message(p: Proposal, direct: bool) -> str:
    subject = {
        "promote": f"Promote {p.model} {p.version} to {p.stage}",
        "demote": f"Demote {p.model} {p.version} from {p.stage}",
        "archive": f"Archive {p.model} {p.version}",
    }[p.action]
    run = p.candidate["run"]
    body = f"Run {run['id']} ({run['name']}), code {p.candidate['code']['commit']}."
    trailers = [
        f"Gitml-Model: {p.model}",
        f"Gitml-Version: {p.version}",
        f"Gitml-Stage: {p.stage}",
        f"Gitml-Action: {p.action}",
    ]
    if direct:
        trailers.append(DIRECT_TRAILER)
    return f"{subject}\n\n{body}\n\n" + "\n".join(trailers) + "\n"


def default_branch_name(p: Proposal) -> str:
    if p.action == "archive":
        return f"archive/{p.model}-{p.version}"
    return f"{p.action}/{p.model}-{p.version}-{p.stage}"


def _base(repo: GitRepo, mode: Mode) -> tuple[str | None, bytes | None]:
    """(HEAD commit, the stages file the change starts from)."""
    sha = repo.head_commit()
    if mode is Mode.WORKTREE:
        path = repo.workdir / STAGES_FILE
        return sha, path.read_bytes() if path.is_file() else None
    if sha is None:
        raise GitmlError("the repository has no commits yet; commit .gitml/ first")
    return sha, read_file_at(repo, sha, STAGES_FILE)


def change_stage(
    repo: GitRepo,
    settings: Settings,
    request: StageRequest,
    *,
    mode: Mode = Mode.WORKTREE,
    branch_name: str | None = None,
    env: Mapping[str, str] | None = None,
) -> StageChange:
    """Check and land one stage change; nothing is written when a check fails."""
    model = check_model_name(request.model)
    version = parse_version(request.version).text
    stage = _target_stage(request, settings)
    candidate = get_version(repo, model, version)
    if mode is Mode.DIRECT:
        on = head(repo)[1]
        if on != settings.default_branch:
            raise GitmlError(
                f"--direct commits on the default branch {settings.default_branch!r}, but "
                f"HEAD is {'detached' if on is None else f'on {on!r}'}; check it out first "
                "(`git switch " + settings.default_branch + "`), or use --branch"
            )
        if not path_is_clean(repo, STAGES_FILE):
            raise GitmlError(
                f"{STAGES_FILE} has uncommitted changes; commit or discard them before --direct"
            )
    head_sha, data = _base(repo, mode)
    where = STAGES_FILE if mode is Mode.WORKTREE else f"{STAGES_FILE} (HEAD)"
    known = version_lookup(registry_collection(repo).snapshot())
    base = (
        parse(data, where=where, settings=settings, versions=known)
        if data is not None
        else ParsedStages()
    )
    after = changed_assignments(base.assignments, request.action, model, version, stage, settings)
    holder = base.assignments.get(model, {}).get(stage)
    current = None
    if request.action == "promote" and isinstance(holder, str) and holder != version:
        current = get_version(repo, model, holder)
    proposal = Proposal(
        action=request.action,
        model=model,
        version=version,
        stage=stage,
        before=base.assignments,
        after=after,
        candidate=candidate,
        current=current,
        settings=settings,
    )
    if after == base.assignments:
        return StageChange(proposal=proposal, findings=[], changed=False, mode=mode)
    findings = check_proposal(repo, proposal)
    failed = errors(findings)
    if failed:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise CheckFailed(failed[0].line() + more)
    text = dumps(ParsedStages(after, base.header)).encode("utf-8")
    result = StageChange(proposal=proposal, findings=findings, changed=True, mode=mode)
    if mode is Mode.WORKTREE:
        write_atomic(repo.workdir / STAGES_FILE, text)
        return result
    assert head_sha is not None
    if mode is Mode.BRANCH:
        name = branch_name or default_branch_name(proposal)
        commit = commit_file(repo, head_sha, STAGES_FILE, text, _message(proposal, False))
        create_branch(repo, name, commit)
        # What each way of landing needs is loaded by that way only: a promotion in the
        # work tree, the usual one, loads neither the pull-request body nor ``apply``.
        from gitml.lineage import upstream_markdown
        from gitml.registry.prbody import pr_body

        upstream = upstream_markdown(repo, str(proposal.candidate["run"]["id"]))
        body = pr_body(proposal, findings, branch=name, commit=commit, upstream=upstream)
        return result._replace(branch=name, commit=commit, body=body)
    policy = load_policy(read_file_at(repo, head_sha, POLICY_FILE))
    allowed, decided_by = allow_direct(policy, model, stage)
    if not allowed:
        raise CheckFailed(
            f"{POLICY_FILE}: {decided_by}: direct changes of "
            f"{model!r} in {stage!r} are not allowed; use --branch and a pull request "
            "(or set allow_direct = true for this stage)"
        )
    branch = settings.default_branch
    commit = commit_file(repo, head_sha, STAGES_FILE, text, _message(proposal, True))
    advance_branch(repo, branch, commit, head_sha, f"gitml: {proposal.action} {model} {version}")
    sync_worktree_file(repo, STAGES_FILE, text)
    from gitml.registry.apply import apply

    applied = apply(repo, settings, env or {})
    return result._replace(branch=branch, commit=commit, applied=applied)
