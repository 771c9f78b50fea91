"""Which stages are stale, and why: DVC's decisions, compared with ``dvc.lock``.

A stage is stale when its command differs from the locked one, a dependency or params
value differs (or is gone), an output differs, is gone or is not in gitml's cache, when
it is marked ``always_changed`` or has neither dependencies nor outputs, or when it
never ran (no lock entry). A frozen stage only has its command and outputs checked.
These are the rules ``dvc status`` applies, so both tools name the same stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.pipelines.errors import at
from gitml.pipelines.graph import Graph, plan
from gitml.pipelines.lockfile import LockEntry, load_lock
from gitml.pipelines.model import ParamsDep, Stage
from gitml.pipelines.paramfiles import is_missing, select
from gitml.pipelines.project import Project
from gitml.pipelines.state import PathInfo, State

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


@dataclass(frozen=True)
class Change:
    """One reason a stage is stale."""

    section: str  # command | deps | params | outs | always | lock
    state: str = ""  # modified | deleted | new | not in cache
    path: str = ""
    key: str | None = None

    def text(self) -> str:
        if self.section == "command":
            return "command changed"
        if self.section == "always":
            return self.state
        if self.section == "lock":
            return "never ran (no entry in the lock file)"
        what = {"deps": "dependency", "params": "param", "outs": "output"}[self.section]
        name = f"{self.path}:{self.key}" if self.key is not None else self.path
        return f"{what} {name} {self.state}"

    def as_dict(self) -> JsonObject:
        out: JsonObject = {"section": self.section, "state": self.state}
        if self.path:
            out["path"] = self.path
        if self.key is not None:
            out["key"] = self.key
        return out


@dataclass(frozen=True)
class StageState:
    """A stage as it is now: its changes and the current content of its paths."""

    stage: Stage
    changes: tuple[Change, ...]
    deps: dict[str, PathInfo | None] = field(default_factory=dict)
    outs: dict[str, PathInfo | None] = field(default_factory=dict)
    params: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def stale(self) -> bool:
        return bool(self.changes)

    def missing_deps(self) -> list[str]:
        return [p for p, info in self.deps.items() if info is None]


def params_values(project: Project, dep: ParamsDep) -> JsonObject | None:
    """The values a stage reads from one params file (``None`` if the file is missing)."""
    doc = project.params.load(project.root / dep.repo_path, dep.repo_path)
    if doc is None:
        return None
    if dep.keys is None:
        return dict(doc)
    found = {}
    for key in dep.keys:
        value = select(doc, key)
        if not is_missing(value):
            found[key] = value
    return found


def _param_changes(dep: ParamsDep, now: dict[str, Any] | None, locked: Any) -> list[Change]:
    if now is None:
        return [Change("params", "deleted", dep.path)]
    if not isinstance(locked, Mapping):
        return [Change("params", "new", dep.path)]
    keys = dep.keys if dep.keys is not None else tuple(dict.fromkeys([*now, *locked]))
    changes = []
    for key in keys:
        if key not in now:
            changes.append(Change(section="params", state="deleted", path=dep.path, key=key))
        elif key not in locked:
            changes.append(Change(section="params", state="new", path=dep.path, key=key))
        elif now[key] != locked[key] and not (
            isinstance(now[key], tuple) and list(now[key]) == locked[key]
        ):
            changes.append(Change(section="params", state="modified", path=dep.path, key=key))
    return changes


def _path_changes(
    section: str, path: str, info: PathInfo | None, locked: Mapping[str, Any] | None
) -> list[Change]:
    """A dependency or output gone, or not the content the lock file names."""
    if info is None:
        return [Change(section, "deleted", path)]
    if locked is None or locked.get("md5") != info.md5:
        return [Change(section, "modified", path)]
    return []


class Checker:
    """Stage states of one project against its lock files."""

    def __init__(self, project: Project, state: State | None = None) -> None:
        self.project = project
        self.state = state or State(project.ws.workdir, project.ws.gitdir)
        self._locks: dict[str, dict[str, LockEntry]] = {}
        self._cache_root = f"{project.ws.commondir}/gitml/cache"

    def lock(self, stage: Stage) -> LockEntry | None:
        path = self.project.file_of(stage).lock_path
        if path not in self._locks:
            self._locks[path] = load_lock(self.project.root, path)
        return self._locks[path].get(stage.name)

    def reload_locks(self) -> None:
        self._locks.clear()

    def in_cache(self, info: PathInfo, rel: str) -> bool:
        """Whether gitml's cache holds the content now at ``rel`` (every file of a folder)."""
        import os

        def has(digest_hex: str) -> bool:
            return os.path.exists(f"{self._cache_root}/{digest_hex[:2]}/{digest_hex[2:]}")  # noqa: PTH110

        hexpart = info.digest.partition(":")[2]
        if not has(hexpart):
            return False
        if not info.isdir:
            return True
        hexes = self.state.file_hexes(rel)
        return hexes is not None and all(has(h) for h in hexes)

    def check(self, stage: Stage) -> StageState:
        lock = self.lock(stage)
        changes: list[Change] = []
        deps = {d.path: self.state.info(d.repo_path) for d in stage.deps}
        params = {p.path: params_values(self.project, p) for p in stage.params}
        outs = {o.path: self.state.info(o.repo_path) for o in stage.outs}
        if lock is None:
            changes.append(Change("lock"))
        elif lock.cmd != stage.lock_cmd:
            changes.append(Change("command"))
        if not stage.frozen:
            if stage.always_changed:
                changes.append(Change("always", "always changed"))
            elif not stage.deps and not stage.params and not stage.outs:
                changes.append(Change("always", "no dependencies or outputs: always runs"))
            for dep in stage.deps:
                locked = lock.deps.get(dep.path) if lock else None
                changes.extend(_path_changes("deps", dep.path, deps[dep.path], locked))
            for pdep in stage.params:
                locked_values = lock.params.get(pdep.path) if lock else None
                changes.extend(_param_changes(pdep, params[pdep.path], locked_values))
        for out in stage.outs:
            info = outs[out.path]
            locked = lock.outs.get(out.path) if lock else None
            found = _path_changes("outs", out.path, info, locked)
            if not found and out.cache and info and not self.in_cache(info, out.repo_path):
                found = [Change("outs", "not in cache", out.path)]
            changes.extend(found)
        return StageState(stage=stage, changes=tuple(changes), deps=deps, outs=outs, params=params)


def missing_param_keys(state: StageState) -> list[str]:
    """``file:key`` of params the stage names that its params file lacks."""
    out = []
    for dep in state.stage.params:
        values = state.params.get(dep.path)
        if values is None:
            out.append(dep.path)
            continue
        out.extend(f"{dep.path}:{k}" for k in dep.keys or () if k not in values)
    return out


def check_runnable(state: StageState, graph: Graph) -> None:
    """Raise for a stage that cannot run: a dependency nobody writes is missing, a param too."""
    stage = state.stage
    for dep in stage.deps:
        if state.deps.get(dep.path) is None and graph.producer(dep.repo_path) is None:
            raise at(
                stage.file,
                stage.name,
                f"dependency '{dep.path}' does not exist and no stage writes it",
            )
    missing = missing_param_keys(state)
    if missing:
        raise at(stage.file, stage.name, f"params missing: {', '.join(missing)}")


@dataclass(frozen=True)
class StatusRow:
    """One stage in ``git ml status``: stale (with why), pending (after a stale one), ..."""

    stage: str
    state: str  # stale | pending | up to date | frozen
    changes: tuple[Change, ...] = ()
    after: tuple[str, ...] = ()

    def as_dict(self) -> JsonObject:
        return {
            "stage": self.stage,
            "state": self.state,
            "changes": [c.as_dict() | {"text": c.text()} for c in self.changes],
            "after": list(self.after),
        }


def pipeline_status(project: Project, targets: tuple[str, ...] = ()) -> list[StatusRow]:
    """Every planned stage (in execution order) with its state, as ``dvc status`` decides."""

    order = plan(project.graph, targets)
    checker = Checker(project)
    rows: list[StatusRow] = []
    moving: set[str] = set()
    for address in order:
        stage = project.stage(address)
        st = checker.check(stage)
        ups = tuple(u for u in project.graph.upstream[address] if u in moving)
        if stage.frozen and not st.stale:
            rows.append(StatusRow(address, "frozen"))
        elif st.stale:
            moving.add(address)
            rows.append(StatusRow(stage=address, state="stale", changes=st.changes, after=ups))
        elif ups and not stage.frozen:
            moving.add(address)
            rows.append(StatusRow(stage=address, state="pending", changes=(), after=ups))
        else:
            rows.append(StatusRow(address, "up to date"))
    checker.state.save()
    return rows
