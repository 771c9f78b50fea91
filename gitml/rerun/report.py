"""What a rerun (or a set of reruns, or a dry run) found, for the CLI and ``--json``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.rerun.envdiff import EnvDiff
from gitml.rerun.inputs import Restored
from gitml.rerun.verdict import Judgement, Verdict

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, RunRecord


def run_ref(doc: Mapping[str, Any]) -> JsonObject:
    return {"id": doc["id"], "name": doc["name"]}


@dataclass(frozen=True)
class RerunResult:
    """One finished rerun: the original, the new record, and the comparisons."""

    original: RunRecord
    doc: RunRecord
    judgement: Judgement
    env: EnvDiff
    inputs: tuple[Restored, ...] = ()
    warnings: tuple[str, ...] = ()
    worktree: Path | None = None  # kept with --in
    overhead_s: float = 0.0

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict

    @property
    def exit_code(self) -> int:
        """0 reproduced, 1 differs, the command's own code when it failed."""
        if self.verdict is Verdict.REPRODUCED:
            return 0
        if self.verdict is Verdict.DIFFERS:
            return 1
        return int(self.doc.get("exit_code") or 1)

    def as_dict(self) -> JsonObject:
        return {
            "run": run_ref(self.original),
            "rerun": {
                **run_ref(self.doc),
                "status": self.doc["status"],
                "exit_code": self.doc["exit_code"],
                "checkpoint": self.doc["code"]["checkpoint"],
            },
            "verdict": str(self.verdict),
            "reasons": list(self.judgement.reasons),
            "what_if": list(self.judgement.what_if),
            "tolerance": self.judgement.tolerance,
            "metrics": [m.as_dict() for m in self.judgement.metrics],
            "outputs": dict(self.judgement.outputs),
            "env": self.env.as_dict(),
            "inputs": [r.as_dict() for r in self.inputs],
            "warnings": list(self.warnings),
            "worktree": str(self.worktree) if self.worktree is not None else None,
            "overhead_s": round(self.overhead_s, 3),
        }


@dataclass(frozen=True)
class RerunPlan:
    """What ``--dry-run`` shows about one run: would it run, with what, and where from."""

    doc: RunRecord
    checkpoint: str
    problem: str | None  # why it cannot be rerun, if so
    inputs: dict[str, str]  # input -> cache | remote | checkpoint | outside | missing
    env: EnvDiff
    what_if: tuple[str, ...] = ()

    def as_dict(self) -> JsonObject:
        return {
            "run": run_ref(self.doc),
            "command": list(self.doc.get("command") or ()),
            "cwd": self.doc.get("cwd", "."),
            "checkpoint": self.checkpoint,
            "ready": self.problem is None,
            "problem": self.problem,
            "inputs": self.inputs,
            "env": self.env.as_dict(),
            "what_if": list(self.what_if),
        }


@dataclass
class SetOutcome:
    """A set of reruns (``--since``/``--sweep``), in the order they ran."""

    results: list[RerunResult] = field(default_factory=list)
    errors: list[tuple[RunRecord, str]] = field(default_factory=list)
    skipped: list[tuple[RunRecord, str]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        bad = self.errors or any(r.verdict is not Verdict.REPRODUCED for r in self.results)
        return 1 if bad else 0

    def as_dict(self) -> JsonObject:
        return {
            "results": [r.as_dict() for r in self.results],
            "errors": [{"run": run_ref(d), "error": e} for d, e in self.errors],
            "skipped": [{"run": run_ref(d), "reason": why} for d, why in self.skipped],
            "interrupted": self.interrupted,
        }
