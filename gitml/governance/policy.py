"""Reading ``.gitml/policy.toml`` and resolving it: stage rules for every model, overridden
per model (``[model.M.stage.S]`` over ``[stage.S]``, rule by rule; metric maps merge per
metric). This is the only place that knows the override order."""

from __future__ import annotations

from typing import Any, NamedTuple

from gitml.config import POLICY_FILE
from gitml.records import codec
from gitml.records.schema import validate
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import read_file_at

Policy = dict[str, Any]
"""A validated ``.gitml/policy.toml``: ``[stage.S]``, ``[model.M.stage.S]`` and ``[monitor]``
tables of rules, their keys the rule names ``governance.rules`` reads."""


class Rules(NamedTuple):
    """The rules in force for one model in one stage, and where each one is written."""

    values: dict[str, Any]
    sources: dict[str, str]
    stage: str = ""

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def source(self, name: str) -> str:
        """The policy key that decides ``name`` (the stage's own when no layer sets it)."""
        return self.sources.get(name, f"stage.{self.stage}.{name}")

    def field(self, name: str) -> str:
        if name not in self.sources:
            return name
        return f"{POLICY_FILE}: {self.sources[name]}"


def load_policy(data: bytes | None, *, where: str = POLICY_FILE) -> Policy:
    """The validated policy document in ``data`` ({} when there is none)."""
    if data is None:
        return {}
    doc = codec.loads(data, where=where)
    validate(doc, "policy", where=where)
    return doc


def resolve(policy: Policy, model: str, stage: str) -> Rules:
    """``[stage.S]`` merged with ``[model.M.stage.S]`` (per rule; maps merge per metric)."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers = (
        (f"stage.{stage}", policy.get("stage", {}).get(stage, {})),
        (
            f"model.{model}.stage.{stage}",
            policy.get("model", {}).get(model, {}).get("stage", {}).get(stage, {}),
        ),
    )
    for prefix, rules in layers:
        for name, value in rules.items():
            if isinstance(value, dict) and isinstance(values.get(name), dict):
                values[name] = {**values[name], **value}
            else:
                values[name] = value
            sources[name] = f"{prefix}.{name}"
    return Rules(values, sources, stage)


def allow_direct(policy: Policy, model: str, stage: str) -> tuple[bool, str]:
    """Whether ``model`` may change in ``stage`` without a pull request, and the policy key
    that decides it (off unless a rule turns it on)."""
    rules = resolve(policy, model, stage)
    return bool(rules.get("allow_direct", False)), rules.source("allow_direct")


def policy_at(repo: GitRepo, commit: str | None) -> Policy:
    """The validated policy at ``commit`` (the work tree when None); {} when absent."""
    if commit is None:
        path = repo.workdir / POLICY_FILE
        data = path.read_bytes() if path.is_file() else None
        return load_policy(data)
    where = f"{POLICY_FILE} (commit {commit[:12]})"
    return load_policy(read_file_at(repo, commit, POLICY_FILE), where=where)
