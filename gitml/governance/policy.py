"""Resolving ``.gitml/policy.toml``: stage rules for every model, overridden per model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitml.config import POLICY_FILE
from gitml.registry.policy import load_policy
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import read_file_at


@dataclass(frozen=True)
class Rules:
    """The rules in force for one model in one stage, and where each one is written."""

    values: dict[str, Any]
    fields: dict[str, str]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def field(self, name: str) -> str:
        return self.fields.get(name, name)


def resolve(policy: dict[str, Any], model: str, stage: str) -> Rules:
    """``[stage.S]`` merged with ``[model.M.stage.S]`` (per rule; maps merge per metric)."""
    values: dict[str, Any] = {}
    fields: dict[str, str] = {}
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
            fields[name] = f"{POLICY_FILE}: {prefix}.{name}"
    return Rules(values, fields)


def policy_at(repo: GitRepo, commit: str | None) -> dict[str, Any]:
    """The validated policy at ``commit`` (the work tree when None); {} when absent."""
    if commit is None:
        path = repo.workdir / POLICY_FILE
        data = path.read_bytes() if path.is_file() else None
        return load_policy(data)
    where = f"{POLICY_FILE} (commit {commit[:12]})"
    return load_policy(read_file_at(repo, commit, POLICY_FILE), where=where)
