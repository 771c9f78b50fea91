"""One stage executed as a gitml run: its command in its folder, its record, its lock entry.

The command runs through the user's shell as DVC runs it (``$SHELL``, else ``/bin/sh``;
bash and zsh without rc files); a list of commands runs one after another and stops at
the first failure. The run records the stage's params only, its dependencies as inputs
(path -> digest), its outputs (cached like ``git ml run -o``), its metrics files, and a
``stage`` table (name, stage file, run-cache key, pipeline run). Every stage of one
``repro`` shares one code checkpoint, taken before the first stage runs.
"""

from __future__ import annotations

import os
import posixpath
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.pipelines.model import Stage
from gitml.pipelines.paramfiles import flatten
from gitml.runs.code import rebase_code
from gitml.runs.execute import Member, RunRequest, checkpoint, execute_member, open_workspace
from gitml.runs.execute import digests as output_digests
from gitml.runs.record import declared_table

if TYPE_CHECKING:
    from gitml.records.shapes import Params
    from gitml.runs.execute import RunOutcome
    from gitml.runs.record import RunFacts
    from gitml.runs.supervise import Supervisor
    from gitml.storage.repo import GitRepo
    from gitml.storage.worktree import Checkpoint

_NAME_BAD = re.compile(r"[^A-Za-z0-9._+-]+")
_SHELL_OPTS = {"bash": ("--noprofile", "--norc"), "zsh": ("--no-rcs",)}


def shell_command(stage: Stage) -> tuple[str, ...]:
    """The argv that runs the stage's command(s) as DVC does."""
    shell = os.environ.get("SHELL") or "/bin/sh"
    opts = _SHELL_OPTS.get(Path(shell).name.lower(), ())
    if isinstance(stage.cmd, str):
        script = stage.cmd
    else:
        script = "\n".join(f"(\n{cmd}\n) || exit $?" for cmd in stage.cmd)
    return (shell, *opts, "-c", script)


def metrics_files(stage: Stage, file_metrics: Sequence[str]) -> list[str]:
    """The stage's metrics files (relative to its wdir): its own, and the stage file's
    top-level ones that lie inside its outputs."""
    found = [o.path for o in stage.outs if o.kind == "metrics"]
    for rel in file_metrics:
        if any(rel == o.repo_path or rel.startswith(o.repo_path + "/") for o in stage.outs):
            found.append(posixpath.relpath(rel, stage.wdir or "."))
    return list(dict.fromkeys(found))


def run_name(stage: Stage) -> str:
    """A valid run name for the stage (``train@lr-0.1`` -> ``train-lr-0.1``)."""
    name = _NAME_BAD.sub("-", stage.name).strip("-.+") or "stage"
    return name[:64]


def stage_params(stage: Stage, values: Mapping[str, Mapping[str, Any] | None]) -> Params:
    """The flat params a stage's run records: what it declares and what ``${}`` read."""
    out: Params = {}
    for file_values in stage.tracked.values():
        out.update(file_values)
    for found in values.values():
        out.update(flatten(found or {}))
    return out


@dataclass
class StageRunner:
    """Runs stages of one pipeline run as gitml runs (thread-safe)."""

    repo: GitRepo
    root: Path
    pipeline_id: str
    sup: Supervisor
    base: Checkpoint | None = None  # a sweep member's: the user's HEAD, branch and tree facts

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.code: Checkpoint | None = None

    def checkpoint(self) -> Checkpoint:
        """The code of this pipeline run, checkpointed on first use."""
        with self._lock:
            if self.code is None:
                ws = open_workspace(self.repo, self.root)
                code = checkpoint(ws, self.pipeline_id)
                if self.base is not None:
                    code = rebase_code(self.repo, self.base, code)
                self.code = code
            return self.code

    def run(
        self,
        stage: Stage,
        *,
        key: str,
        inputs: Mapping[str, str],
        params: Mapping[str, Any],
        metrics: Sequence[str] = (),
    ) -> tuple[RunOutcome, list[str]]:
        """Run ``stage``; the outcome and the outputs it failed to write."""

        code = self.checkpoint()
        cwd = self.root / stage.wdir if stage.wdir else self.root
        files = tuple(p.path for p in stage.params if (cwd / p.path).is_file())
        ws = open_workspace(self.repo, cwd, files)
        metrics = tuple(metrics)
        request = RunRequest(
            command=shell_command(stage),
            name=run_name(stage),
            metrics_files=metrics,
            params_files=files,
        )
        missing: list[str] = []

        def finish(facts: RunFacts) -> RunFacts:
            present = [o.path for o in stage.outs if (cwd / o.path).exists()]
            missing.extend(o.path for o in stage.outs if o.path not in present)
            return facts._replace(
                params=dict(params),
                outputs=output_digests(present, cwd, self.root),
                declared=declared_table(
                    metrics=list(metrics), params=list(files), outputs=[o.path for o in stage.outs]
                ),
                stage={
                    "name": stage.name,
                    "file": stage.file,
                    "key": key,
                    "pipeline": self.pipeline_id,
                },
            )

        member = Member({}, run_name(stage), code=code, inputs=dict(inputs), finish=finish)
        outcome = execute_member(ws, self.sup, request, member)
        return outcome, missing
