"""The one promotion-rule engine: ``check_promotion`` runs every rule on a stage change.

The rules are the structural ones (``governance.structure``) and the policy's
(``governance.rules``, resolved by ``governance.policy``). ``registry`` calls
``check_proposal`` before it edits ``.gitml/stages.toml``; ``git ml check`` and
``registry apply`` call ``check_promotion`` with the policy and context of the commit
they judge (``governance.promotions``).
"""

from __future__ import annotations

from collections.abc import Mapping

from gitml.config import Settings
from gitml.governance.findings import Finding, Proposal
from gitml.governance.policy import Policy, policy_at
from gitml.governance.rules import RuleContext, needs_history, policy_findings
from gitml.governance.structure import STRUCTURE_RULES
from gitml.registry.store import RegistryIndex, open_index
from gitml.registry.trust import Trust, trusted_log
from gitml.storage.repo import GitRepo


def check_promotion(
    repo: GitRepo, proposal: Proposal, *, policy: Policy, ctx: RuleContext
) -> list[Finding]:
    """Every finding for ``proposal`` under ``policy`` in ``ctx``, errors first."""
    found = [f for rule in STRUCTURE_RULES for f in rule(repo, proposal)]
    found += policy_findings(repo, proposal, policy, ctx)
    found.sort(key=lambda f: f.severity != "error")
    return found


def check_proposal(repo: GitRepo, proposal: Proposal) -> list[Finding]:
    """Every finding for a stage change made in the work tree, under its policy."""
    policy = policy_at(repo, None)
    history: frozenset[tuple[str, str, str]] = frozenset()
    if proposal.action == "promote" and needs_history(policy, proposal.model, proposal.stage):
        history = held_stages(repo, proposal.settings, {}, proposal.model, proposal.version)
    return check_promotion(repo, proposal, policy=policy, ctx=RuleContext(history=history))


def held_stages(
    repo: GitRepo,
    settings: Settings,
    env: Mapping[str, str],
    model: str,
    version: str,
    *,
    trust: Trust | None = None,
    index: RegistryIndex | None = None,
) -> frozenset[tuple[str, str, str]]:
    """(model, version, stage) of every stage the applied log verifiably gave this version.

    Only events the default branch derives count (``registry.trust.trusted_log``): a
    stage event pushed to the registry ref by hand never satisfies ``requires_stage``.
    ``trust``: the log's judgement for these settings and environment, when the caller
    holds one (judged otherwise); ``index``: the registry's index, when the caller holds
    it open.
    """
    if trust is None:
        trust = trusted_log(repo, settings, env)
    with open_index(repo, index) as index:
        if trust.verified is None:
            stages = index.assigned_stages(model, version)
        else:
            stages = {
                str(e["stage"])
                for e in index.events(model)
                if e["id"] in trust.verified and e["version"] == version and e["action"] == "assign"
            }
    return frozenset((model, version, s) for s in stages)
