"""What the promotion rules judge and what they answer: a ``Proposal`` and its ``Finding``s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from gitml.config import STAGES_FILE

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.records.shapes import ModelVersionRecord
    from gitml.registry.stagefile import Assignments

Action = Literal["promote", "demote", "archive"]


class Finding(NamedTuple):
    """One result of a rule: where (file, field), which rule, and what to do."""

    rule: str
    message: str
    file: str = STAGES_FILE
    field: str = ""
    severity: Literal["error", "warning"] = "error"

    def line(self) -> str:
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        return f"{where}{self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "field": self.field,
            "message": self.message,
        }


class Proposal(NamedTuple):
    """A stage change as it would land: the file before and after, and the records (built
    with keywords)."""

    action: Action
    model: str
    version: str
    stage: str
    before: Assignments
    after: Assignments
    candidate: ModelVersionRecord
    current: ModelVersionRecord | None
    settings: Settings

    @property
    def field(self) -> str:
        return f"models.{self.model}.{self.stage}"


def errors(findings: list[Finding]) -> list[Finding]:
    """The findings that block the change."""
    return [f for f in findings if f.severity == "error"]
