"""One pipeline run in progress: each stage checked, skipped, restored or run.

A stage whose command, dependencies, params and outputs match ``dvc.lock`` is skipped; a
stale one whose run-cache key matches a recorded run gets that run's outputs back; any
other runs as a gitml run (``--force`` runs every planned stage and never restores).
Its lock entry is written as soon as it succeeds. With ``--jobs`` independent stages
run on threads; a failure stops new stages from starting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitml.data.gitignore import GITIGNORE, ensure_ignored, pattern_for
from gitml.errors import GitmlError
from gitml.pipelines.errors import at
from gitml.pipelines.lockfile import build_entry, write_entries
from gitml.pipelines.model import Stage
from gitml.pipelines.project import Project
from gitml.pipelines.runcache import find_runs, remove_outputs, restorable, restore, stage_key
from gitml.pipelines.stagerun import StageRunner, metrics_files, stage_params
from gitml.pipelines.state import State, pipelines_dir
from gitml.pipelines.status import Checker, StageState, check_runnable
from gitml.records import ids
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from concurrent.futures import Future

    from gitml.pipelines.repro import ReproRequest
    from gitml.records.shapes import JsonObject, PipelineStageTable, StageAction
    from gitml.runs.supervise import Supervisor
    from gitml.storage.repo import GitRepo
    from gitml.storage.worktree import Checkpoint

Notify = Callable[[str, str], None]  # (stage address or "", message)
DONE = ("ran", "restored", "skipped", "frozen")
RECORDED: dict[str, StageAction] = {
    "ran": "ran",
    "restored": "restored",
    "skipped": "skipped",
    "frozen": "frozen",
    "failed": "failed",
    "not-run": "not-run",
}
"""The actions a pipeline run records (the dry-run ones never reach a record)."""


@dataclass
class StageResult:
    """What happened to one stage (dry runs: would-run, would-restore, pending)."""

    stage: str
    action: str
    run: str | None = None
    reasons: tuple[str, ...] = ()
    exit_code: int = 0
    error: str | None = None

    def table(self) -> PipelineStageTable:
        """The stage's entry in a pipeline run's record (a stage that ran, or did not)."""
        out: PipelineStageTable = {"stage": self.stage, "action": RECORDED[self.action]}
        if self.run:
            out["run"] = self.run
        if self.reasons:
            out["reasons"] = list(self.reasons)
        return out

    def as_dict(self) -> JsonObject:
        out: JsonObject = {"stage": self.stage, "action": self.action}
        if self.run:
            out["run"] = self.run
        if self.reasons:
            out["reasons"] = list(self.reasons)
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class PipelineRun:
    """One pipeline run in progress."""

    project: Project
    request: ReproRequest
    sup: Supervisor
    notify: Notify
    repo: GitRepo | None = None
    sweep: str | None = None
    name: str | None = None
    code_base: Checkpoint | None = None
    results: dict[str, StageResult] = field(default_factory=dict)
    states: dict[str, StageState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pipeline_id = ids.new_id()
        self.state = State(self.project.ws.workdir, self.project.ws.gitdir)
        self.checker = Checker(self.project, self.state)
        self.lock = threading.Lock()
        self.runner: StageRunner | None = None
        self.failed = False
        self._prepared = False

    def prepare(self) -> None:
        """Before the first stage runs or is restored: keep cached outputs out of git."""
        with self.lock:
            if self._prepared:
                return
            self._prepared = True

        paths = [o.repo_path for s in self.project.graph.stages.values() for o in s.outs if o.cache]
        try:
            listed = set((self.project.root / GITIGNORE).read_text("utf-8").splitlines())
        except (OSError, UnicodeDecodeError):
            listed = set()
        if any(pattern_for(p) not in listed for p in paths):  # else: nothing to ask git
            ensure_ignored(self.project.root, paths)

    def open_repo(self) -> GitRepo:
        with self.lock:
            if self.repo is None:
                self.repo = open_repo(self.project.root)
            return self.repo

    def stage_runner(self) -> StageRunner:
        repo = self.open_repo()
        with self.lock:
            if self.runner is None:
                self.runner = StageRunner(
                    repo,
                    self.project.root,
                    self.pipeline_id,
                    sup=self.sup,
                    base=self.code_base,
                )
            return self.runner

    # --- one stage ----------------------------------------------------------------------

    def check(self, stage: Stage) -> StageState:
        with self.lock:
            state = self.checker.check(stage)
            self.states[stage.address] = state
            return state

    def one(self, address: str) -> StageResult:
        try:
            return self._one(address)
        except GitmlError as exc:
            return StageResult(address, "failed", error=str(exc), exit_code=exc.exit_code)

    def _one(self, address: str) -> StageResult:
        stage = self.project.stage(address)
        st = self.check(stage)
        reasons = tuple(c.text() for c in st.changes)
        if stage.frozen:
            gone = [o.path for o in stage.outs if st.outs.get(o.path) is None]
            if gone:
                raise at(stage.file, stage.name, f"is frozen and its output '{gone[0]}' is missing")
            self.notify(address, f"Stage '{address}' is frozen, not run")
            return StageResult(address, "frozen", reasons=reasons)
        if not st.stale and not self.request.force:
            self.notify(address, f"Stage '{address}' didn't change, skipping")
            return StageResult(address, "skipped")
        check_runnable(st, self.project.graph)
        self.prepare()
        params = {p.path: st.params.get(p.path) for p in stage.params}
        key = stage_key(stage, st.deps, params)
        assert key is not None  # every dependency exists (check_runnable)
        if restorable(stage) and not self.request.force:
            repo = self.open_repo()
            for doc in find_runs(repo, [key]).get(key, []):
                if restore(repo, self.project.root, stage, doc):
                    self._forget(stage)
                    self._lock_entry(stage)
                    self.notify(address, f"Stage '{address}' is cached: restored its outputs")
                    return StageResult(
                        stage=address, action="restored", run=str(doc["id"]), reasons=reasons
                    )
        with self.lock:
            self.state.forget(remove_outputs(self.project.root, stage))
        self.notify(address, f"Running stage '{address}':\n> {stage.cmd_text}")
        inputs = {d.repo_path: st.deps[d.path].digest for d in stage.deps if st.deps[d.path]}  # type: ignore[union-attr]
        outcome, missing = self.stage_runner().run(
            stage,
            key=key,
            inputs=inputs,
            params=stage_params(stage, params),
            metrics=metrics_files(stage, self.project.file_of(stage).metrics),
        )
        self._forget(stage)
        run_id = str(outcome.doc["id"])
        if outcome.doc["status"] != "completed":
            return StageResult(
                stage=address,
                action="failed",
                run=run_id,
                reasons=reasons,
                exit_code=outcome.exit_code or 1,
                error=f"the command of stage '{address}' {outcome.doc['status']} "
                f"(exit code {outcome.exit_code})",
            )
        if missing:
            return StageResult(
                stage=address,
                action="failed",
                run=run_id,
                reasons=reasons,
                exit_code=1,
                error=f"stage '{address}' did not write its output '{missing[0]}'",
            )
        self._lock_entry(stage)
        return StageResult(stage=address, action="ran", run=run_id, reasons=reasons)

    def _forget(self, stage: Stage) -> None:
        with self.lock:
            self.state.forget([o.repo_path for o in stage.outs])

    def _lock_entry(self, stage: Stage) -> None:
        with self.lock:
            st = self.checker.check(stage)
            deps = {p: i for p, i in st.deps.items() if i is not None}
            outs = {p: i for p, i in st.outs.items() if i is not None}
            params = {p: v for p, v in st.params.items() if v is not None}
            entry = build_entry(stage, deps, params, outs)
            file = self.project.file_of(stage)
            write_entries(
                self.project.root,
                file.lock_path,
                {stage.name: entry},
                pipelines_dir(self.project.ws.gitdir),
            )
            self.checker.reload_locks()
            self.state.save()

    # --- the plan -----------------------------------------------------------------------

    def run_plan(self, order: Sequence[str]) -> None:
        planned = set(order)
        ups = {a: [u for u in self.project.graph.upstream[a] if u in planned] for a in order}
        if self.request.jobs <= 1:
            for address in order:
                self.results[address] = self._next(address, ups[address])
            return
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        pending = list(order)
        running: dict[Future[StageResult], str] = {}
        with ThreadPoolExecutor(self.request.jobs, thread_name_prefix="gitml-stage") as pool:
            while pending or running:
                for address in list(pending):
                    if len(running) >= self.request.jobs:
                        break
                    if any(u not in self.results for u in ups[address]):
                        continue
                    pending.remove(address)
                    blocked = self._blocked(address, ups[address])
                    if blocked is not None:
                        self.results[address] = blocked
                        continue
                    running[pool.submit(self.one, address)] = address
                if not running:
                    continue
                done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    address = running.pop(future)
                    result = future.result()
                    self.results[address] = result
                    self.failed = self.failed or result.action == "failed"

    def _blocked(self, address: str, ups: Sequence[str]) -> StageResult | None:
        if self.sup.interrupted or self.failed:
            return StageResult(address, "not-run")
        if any(self.results[u].action not in DONE for u in ups):
            return StageResult(address, "not-run")
        return None

    def _next(self, address: str, ups: Sequence[str]) -> StageResult:
        blocked = self._blocked(address, ups)
        if blocked is not None:
            return blocked
        result = self.one(address)
        self.failed = self.failed or result.action == "failed"
        return result

    # --- dry run ------------------------------------------------------------------------

    def dry_run(self, order: Sequence[str]) -> None:
        """What would happen, without changing anything."""
        moving: set[str] = set()
        keys: dict[str, str] = {}
        for address in order:
            stage = self.project.stage(address)
            ups = [u for u in self.project.graph.upstream[address] if u in moving]
            st = self.check(stage)
            reasons = tuple(c.text() for c in st.changes)
            if stage.frozen:
                self.results[address] = StageResult(address, "frozen", reasons=reasons)
            elif ups and not st.stale and not self.request.force:
                moving.add(address)
                self.results[address] = StageResult(
                    address, "pending", reasons=tuple(f"after {u}" for u in ups)
                )
            elif st.stale or self.request.force:
                moving.add(address)
                params = {p.path: st.params.get(p.path) for p in stage.params}
                key = stage_key(stage, st.deps, params)
                if key and restorable(stage) and not self.request.force and not ups:
                    keys[address] = key
                self.results[address] = StageResult(address, "would-run", reasons=reasons)
            else:
                self.results[address] = StageResult(address, "skipped")
        if keys:
            found = find_runs(self.open_repo(), list(keys.values()))
            for address, key in keys.items():
                if found.get(key):
                    result = self.results[address]
                    result.action = "would-restore"
                    result.run = str(found[key][0]["id"])

    # --- the record ---------------------------------------------------------------------

    def producing_runs(self) -> None:
        """Fill in, for skipped stages, the run that recorded their current outputs."""
        keys: dict[str, str] = {}
        for address, result in self.results.items():
            st = self.states.get(address)
            if result.action not in ("skipped", "frozen") or st is None:
                continue
            stage = st.stage
            params = {p.path: st.params.get(p.path) for p in stage.params}
            key = stage_key(stage, st.deps, params)
            if key is not None:
                keys[address] = key
        if not keys:
            return
        found = find_runs(self.open_repo(), list(keys.values()))
        for address, key in keys.items():
            if found.get(key):
                self.results[address].run = str(found[key][0]["id"])
