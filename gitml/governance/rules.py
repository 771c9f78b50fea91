"""The policy rules of ``.gitml/policy.toml``, one ``check_*`` function per rule.

Each takes the proposal, the rules in force for its model and stage, and the context of
the check (the promotion commit when there is one, the CI environment) and returns
findings that name the policy field, the rule and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import POLICY_FILE
from gitml.errors import GitmlError
from gitml.governance.findings import Finding, Proposal
from gitml.governance.policy import Policy, Rules, resolve
from gitml.registry.rules import RulesAt
from gitml.registry.stagefile import versions_of
from gitml.storage import MONITOR_REF
from gitml.storage.repo import GitRepo
from gitml.units import format_bytes, mib

if TYPE_CHECKING:
    from gitml.monitor.report import ReportKind

APPROVALS_ENV = "GITML_APPROVALS"


class RuleContext(NamedTuple):
    """Where a promotion is checked: its commit (None: not committed yet), environment,
    the stages the version verifiably held, and the commit whose rules are in force (the
    target's: the merge base, the base of the landing; None: the work tree)."""

    commit: str | None = None
    env: Mapping[str, str] = MappingProxyType({})
    history: frozenset[tuple[str, str, str]] = frozenset()
    rules: str | None = None


def _f(p: Proposal, rules: Rules, rule: str, message: str) -> Finding:
    return Finding(rule, message, field=f"{p.field} (policy {rules.field(rule)})")


def needs_history(policy: Policy, model: str, stage: str) -> bool:
    """Whether a rule of ``policy`` for ``model`` entering ``stage`` reads the stages the
    version held (``RuleContext.history``, which costs a judgement of the stage log):
    only ``requires_stage`` does, so a policy without one -- none at all, or only its
    schema line -- never needs it."""
    return bool(resolve(policy, model, stage).get("requires_stage"))


def check_requires_stage(_r: GitRepo, p: Proposal, rules: Rules, ctx: RuleContext) -> list[Finding]:
    need = rules.get("requires_stage")
    if not need or versions_of(p.before.get(p.model, {}).get(need)).count(p.version):
        return []
    if (p.model, p.version, need) in ctx.history:
        return []
    return [
        _f(
            p,
            rules,
            "requires_stage",
            f"{p.model} {p.version} must hold {need!r} before {p.stage!r}; promote it "
            f"there first (`git ml promote {p.model} {p.version} {need}`)",
        )
    ]


def _metric(p: Proposal, name: str) -> float | None:
    value = p.candidate["metrics"].get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _metric_bounds(p: Proposal, rules: Rules, rule: str, *, minimum: bool) -> list[Finding]:
    """``min_metrics`` (``minimum``) or ``max_metrics``: each named metric within its bound."""
    sign, word = (">=", "below the minimum") if minimum else ("<=", "above the maximum")
    hint = "; train a better version or change the policy in a reviewed commit" if minimum else ""
    out = []
    for name, bound in sorted((rules.get(rule) or {}).items()):
        value = _metric(p, name)
        if value is None:
            message = f"{p.model} {p.version} has no metric {name!r} (needs {sign} {bound})"
        elif (value < bound) if minimum else (value > bound):
            message = f"{p.model} {p.version}: {name} = {value:g} is {word} {bound:g}{hint}"
        else:
            continue
        out.append(_f(p, rules, rule, message))
    return out


def check_min_metrics(_r: GitRepo, p: Proposal, rules: Rules, _c: RuleContext) -> list[Finding]:
    return _metric_bounds(p, rules, "min_metrics", minimum=True)


def check_max_metrics(_r: GitRepo, p: Proposal, rules: Rules, _c: RuleContext) -> list[Finding]:
    return _metric_bounds(p, rules, "max_metrics", minimum=False)


def check_no_regression(_r: GitRepo, p: Proposal, rules: Rules, _c: RuleContext) -> list[Finding]:
    if p.current is None:
        return []
    lower = set(rules.get("lower_is_better") or ())
    out = []
    for name, allowed in sorted((rules.get("no_regression") or {}).items()):
        new, old = _metric(p, name), p.current["metrics"].get(name)
        if new is None or not isinstance(old, int | float):
            if new is None:
                out.append(
                    _f(
                        p,
                        rules,
                        "no_regression",
                        f"{p.model} {p.version} has no metric {name!r} to compare",
                    )
                )
            continue
        drop = (new - old) if name in lower else (old - new)
        if drop > allowed + 1e-12:
            out.append(
                _f(
                    p,
                    rules,
                    "no_regression",
                    f"{p.model} {p.version}: {name} = {new:g} regresses from {old:g} "
                    f"(current {p.current['version']}) by {drop:g}, more than the allowed {allowed:g}",
                )
            )
    return out


def check_require_clean_code(
    _r: GitRepo, p: Proposal, rules: Rules, _c: RuleContext
) -> list[Finding]:
    if not rules.get("require_clean_code") or not p.candidate["code"]["dirty"]:
        return []
    run = p.candidate["run"]["id"]
    return [
        _f(
            p,
            rules,
            "require_clean_code",
            f"{p.model} {p.version} comes from run {run} with uncommitted code; "
            "commit the code, re-run and register the new run",
        )
    ]


def _digests(p: Proposal) -> list[str]:
    found = [*p.candidate["inputs"].values(), *p.candidate["outputs"].values()]
    artifact = p.candidate.get("artifact")
    if artifact is not None:
        found.append(artifact["digest"])
    return sorted(set(found))


def check_require_data_pushed(
    repo: GitRepo, p: Proposal, rules: Rules, _c: RuleContext
) -> list[Finding]:
    if not rules.get("require_data_pushed"):
        return []
    wanted = _digests(p)
    if not wanted:
        return []

    try:
        conf = p.settings.remote(None)
        from gitml.objects.remotes.config import open_configured

        remote = open_configured(repo.workdir_or_gitdir, conf)
        present = {str(d) for d in remote.has_many(wanted)}
    except GitmlError as exc:
        return [_f(p, rules, "require_data_pushed", f"cannot check the data remote: {exc}")]
    missing = [d for d in wanted if d not in present]
    if not missing:
        return []
    return [
        _f(
            p,
            rules,
            "require_data_pushed",
            f"{p.model} {p.version}: {len(missing)} digest(s) are not on the data "
            f"remote {conf.name!r} (first {missing[0]}); run `git ml data push`",
        )
    ]


def _report_rule(
    repo: GitRepo, p: Proposal, rules: Rules, *, rule: str, kind: ReportKind
) -> list[Finding]:
    """require_monitor_ok / require_scan_ok: the version's newest report of ``kind`` is clean."""
    if not rules.get(rule):
        return []
    from gitml.monitor.report import latest_report

    report = latest_report(repo, p.model, p.version, kind)
    label = "monitoring" if kind == "monitor" else "scan"
    if report is None:
        return [
            _f(
                p,
                rules,
                rule,
                f"{p.model} {p.version} has no {label} report on {MONITOR_REF}; run "
                f"`git ml {kind}` on it and push the report",
            )
        ]
    if report.get("alert"):
        return [
            _f(
                p,
                rules,
                rule,
                f"{p.model} {p.version}: the latest {label} report ({report.get('id', '?')}) "
                f"has an alert; investigate, then re-run `git ml {kind}`",
            )
        ]
    return []


def check_require_monitor_ok(
    repo: GitRepo, p: Proposal, rules: Rules, _c: RuleContext
) -> list[Finding]:
    return _report_rule(repo, p, rules, rule="require_monitor_ok", kind="monitor")


def check_require_scan_ok(
    repo: GitRepo, p: Proposal, rules: Rules, _c: RuleContext
) -> list[Finding]:
    return _report_rule(repo, p, rules, rule="require_scan_ok", kind="scan")


def verify_signature(repo: GitRepo, commit: str, signers: str | None) -> str | None:
    """None when git verifies ``commit``'s signature; otherwise why not."""
    args = ["-c", "gpg.ssh.allowedSignersFile=" + signers] if signers else []
    proc = repo.git(*args, "verify-commit", "--raw", commit, check=False)
    if proc.returncode == 0:
        return None
    text = (proc.stderr or proc.stdout).strip().splitlines()
    return text[-1] if text else "no signature"


SIGNATURE_RULES = ("require_signed", "allowed_signers")
"""The findings of ``check_require_signed``: the rule that judges a promotion's commit."""


def check_require_signed(
    repo: GitRepo, p: Proposal, rules: Rules, ctx: RuleContext
) -> list[Finding]:
    if not rules.get("require_signed"):
        return []
    if ctx.commit is None:
        return []
    signers = rules.get("allowed_signers")
    path = None
    tmp: str | None = None
    if signers:
        target = RulesAt(repo, ctx.rules)
        data = target.read(signers)
        if data is None:
            return [
                _f(
                    p,
                    rules,
                    "allowed_signers",
                    f"{signers} does not exist in the rules in force ({target.where}); "
                    "commit it in a change of its own",
                )
            ]
        import tempfile  # (and shutil's compression modules) only for a signers file

        fd, tmp = tempfile.mkstemp(prefix="gitml-signers-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = tmp
    try:
        why = verify_signature(repo, ctx.commit, path)
    finally:
        if tmp:
            Path(tmp).unlink()
    if why is None:
        return []
    return [
        _f(
            p,
            rules,
            "require_signed",
            f"commit {ctx.commit[:12]} promoting {p.model} {p.version} is not signed by "
            f"an allowed key ({why}); sign it (`git commit -S`, `git merge -S`) with a key in {signers or 'git config'}",
        )
    ]


def approvals(env: Mapping[str, str]) -> int | None:
    """Approvals of the change, as CI reports them: ``GITML_APPROVALS`` (set by the workflow
    template from the forge's API) or GitLab's ``CI_MERGE_REQUEST_APPROVED`` (1 when approved)."""
    if env.get(APPROVALS_ENV, "").strip().isdigit():
        return int(env[APPROVALS_ENV])
    if "CI_MERGE_REQUEST_APPROVED" in env:
        return 1 if env["CI_MERGE_REQUEST_APPROVED"] == "true" else 0
    return None


def check_required_approvals(
    _r: GitRepo, p: Proposal, rules: Rules, ctx: RuleContext
) -> list[Finding]:
    need = int(rules.get("required_approvals") or 0)
    if need == 0:
        return []
    got = approvals(ctx.env)
    if got is None:
        return [
            Finding(
                "required_approvals",
                f"{p.model} {p.version} needs {need} approval(s), which only CI can "
                f"see ({APPROVALS_ENV} is not set); the CI check enforces it",
                field=p.field,
                severity="warning",
            )
        ]
    if got >= need:
        return []
    return [
        _f(
            p,
            rules,
            "required_approvals",
            f"{p.model} {p.version} has {got} approval(s), needs {need}",
        )
    ]


def check_max_artifact_mb(_r: GitRepo, p: Proposal, rules: Rules, _c: RuleContext) -> list[Finding]:
    limit = rules.get("max_artifact_mb")
    artifact = p.candidate.get("artifact")
    size = artifact["size"] if artifact is not None else None
    if limit is None or size is None or size <= mib(limit):
        return []
    return [
        _f(
            p,
            rules,
            "max_artifact_mb",
            f"{p.model} {p.version}: artifact is {format_bytes(size)}, over {limit:g} MiB",
        )
    ]


PolicyRule = Callable[[GitRepo, Proposal, Rules, RuleContext], list[Finding]]

POLICY_RULES: tuple[PolicyRule, ...] = (
    check_requires_stage,
    check_min_metrics,
    check_max_metrics,
    check_no_regression,
    check_require_clean_code,
    check_require_data_pushed,
    check_require_monitor_ok,
    check_require_scan_ok,
    check_require_signed,
    check_required_approvals,
    check_max_artifact_mb,
)


def policy_findings(repo: GitRepo, p: Proposal, policy: Policy, ctx: RuleContext) -> list[Finding]:
    """Every policy finding for a promotion (demotions and archiving are never blocked)."""
    if p.action != "promote" or not policy:
        return []
    rules = resolve(policy, p.model, p.stage)
    out: list[Finding] = []
    for rule in POLICY_RULES:
        out.extend(rule(repo, p, rules, ctx))
    return out


__all__ = ["POLICY_FILE", "RuleContext", "policy_findings"]
