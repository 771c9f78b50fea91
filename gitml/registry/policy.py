"""The part of ``.gitml/policy.toml`` the registry itself needs: ``allow_direct``.

Rules for a model override rules for a stage (``[model.churn.stage.production]`` over
``[stage.production]``); direct promotion is off unless a rule turns it on.
"""

from __future__ import annotations

from typing import Any

from gitml.config import POLICY_FILE
from gitml.records import codec
from gitml.records.schema import validate


def load_policy(data: bytes | None, *, where: str = POLICY_FILE) -> dict[str, Any]:
    if data is None:
        return {}
    doc = codec.loads(data, where=where)
    validate(doc, "policy", where=where)
    return doc


def allow_direct(policy: dict[str, Any], model: str, stage: str) -> bool:
    override = policy.get("model", {}).get(model, {}).get("stage", {}).get(stage, {})
    if "allow_direct" in override:
        return bool(override["allow_direct"])
    return bool(policy.get("stage", {}).get(stage, {}).get("allow_direct", False))


def direct_field(policy: dict[str, Any], model: str, stage: str) -> str:
    """Where the deciding ``allow_direct`` is (or would be) written."""
    override = policy.get("model", {}).get(model, {}).get("stage", {}).get(stage, {})
    if "allow_direct" in override:
        return f"model.{model}.stage.{stage}.allow_direct"
    return f"stage.{stage}.allow_direct"
