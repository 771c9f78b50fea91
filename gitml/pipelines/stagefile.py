"""Reading ``dvc.yaml`` unchanged: stages, ``foreach``/``matrix``, ``vars``, plots.

Every key DVC accepts is either understood or refused with a one-line error that names
the file, the stage and the key: per-output ``remote``/``push`` and ``checkpoint``
outputs, top-level ``datasets``, and remote URLs as dependencies are refused. Paths
(relative to the stage's ``wdir`` in the file) become repository-relative and must stay
inside the repository.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitml.pipelines import interpolate, yamlfile
from gitml.pipelines.errors import PipelineError, at
from gitml.pipelines.interpolate import Context, InterpolationError
from gitml.pipelines.model import DEFAULT_PARAMS, Dep, Out, ParamsDep, PipelineFile, Stage
from gitml.pipelines.paramfiles import ParamsCache
from gitml.pipelines.plotdefs import PLOT_KEYS, read_artifacts, read_plots

TOP_KEYS = ("stages", "vars", "plots", "metrics", "params", "artifacts")
STAGE_KEYS = (
    "cmd",
    "wdir",
    "deps",
    "params",
    "outs",
    "metrics",
    "plots",
    "vars",
    "frozen",
    "always_changed",
    "desc",
    "meta",
)
OUT_KEYS = ("cache", "persist", "desc", "type", "labels", "meta")
UNSUPPORTED = {
    "datasets": "dataset dependencies are not supported by gitml",
    "remote": "per-output remotes are not supported by gitml; use `git ml data remote`",
    "push": "per-output push settings are not supported by gitml",
    "checkpoint": "checkpoint outputs were removed in DVC 3 and are not supported",
}
_URL_SCHEMES = (
    "s3://",
    "gs://",
    "azure://",
    "hdfs://",
    "http://",
    "https://",
    "ssh://",
    "remote://",
)
_BAD_NAME = set("\\/@:")
JOIN = "@"


def _norm(*parts: str) -> str:
    joined = os.path.normpath("/".join(p for p in parts if p))
    return "" if joined == "." else joined.replace(os.sep, "/")


class Reader:
    """Parses one ``dvc.yaml`` (``path`` relative to ``root``)."""

    def __init__(self, root: Path, path: str, cache: ParamsCache) -> None:
        self.root = root
        self.path = path
        self.folder = path.rpartition("/")[0]
        self.cache = cache

    def error(self, stage: str | None, message: str) -> PipelineError:
        return at(self.path, stage, message)

    def repo_path(self, wdir: str, given: Any, stage: str, what: str) -> str:
        if not isinstance(given, str) or not given.strip():
            raise self.error(stage, f"{what}: expected a path, got {given!r}")
        if given.startswith(_URL_SCHEMES):
            raise self.error(stage, f"{what} {given!r}: remote URLs are not supported by gitml")
        if given.startswith("/"):
            raise self.error(stage, f"{what} {given!r}: must be relative to the stage's wdir")
        full = _norm(wdir, given)
        if full == ".." or full.startswith("../") or not full:
            raise self.error(stage, f"{what} {given!r}: leaves the repository")
        parts = full.split("/")
        if any(p.lower() == ".git" for p in parts) or parts[0] == ".gitml":
            raise self.error(
                stage, f"{what} {given!r}: is inside .git or .gitml, which git and gitml own"
            )
        if any(ord(c) < 32 or c == "\x7f" for c in full):
            raise self.error(stage, f"{what} {given!r}: holds control characters")
        return full

    # --- the file -----------------------------------------------------------------------

    def read(self, doc: Any) -> PipelineFile:
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            raise self.error(None, "must hold a table with 'stages'")
        for key in doc:
            if key in UNSUPPORTED:
                raise self.error(None, f"'{key}': {UNSUPPORTED[key]}")
            if key not in TOP_KEYS:
                raise self.error(None, f"unknown key '{key}' (known: {', '.join(TOP_KEYS)})")
        vars_ = doc.get("vars") or []
        if not isinstance(vars_, list):
            raise self.error(None, "'vars' must be a list of files and tables")
        try:
            ctx = interpolate.base_context(self.cache, self.root / self.folder, self.root, vars_)
        except InterpolationError as exc:
            raise self.error(None, str(exc)) from None
        stages_doc = doc.get("stages") or {}
        if not isinstance(stages_doc, dict):
            raise self.error(None, "'stages' must be a table of stages")
        stages: list[Stage] = []
        for name, definition in stages_doc.items():
            stages.extend(self.group(str(name), definition, ctx))
        return PipelineFile(
            path=self.path,
            stages=tuple(stages),
            metrics=tuple(self.top_paths(doc, "metrics", ctx)),
            params=tuple(self.top_paths(doc, "params", ctx)),
            plots=tuple(read_plots(self, doc.get("plots") or [], ctx)),
            artifacts=read_artifacts(self, doc.get("artifacts") or {}, ctx),
        )

    def top_paths(self, doc: Mapping[str, Any], key: str, ctx: Context) -> list[str]:
        items = self.resolved(ctx, doc.get(key) or [], key, None)
        if not isinstance(items, list):
            raise self.error(None, f"'{key}' must be a list of paths")
        return [self.repo_path(self.folder, item, key, key) for item in items]

    def resolved(self, ctx: Context, value: Any, key: str, stage: str | None) -> Any:
        try:
            return ctx.resolve(value, key)
        except InterpolationError as exc:
            where = f"'{key}'" if stage is None else key
            raise self.error(stage, f"{where}: {exc}") from None

    # --- stages -------------------------------------------------------------------------

    def group(self, name: str, definition: Any, ctx: Context) -> list[Stage]:
        if _BAD_NAME & set(name) or not name:
            raise self.error(name, "a stage name cannot contain '\\', '/', '@' or ':'")
        if not isinstance(definition, dict):
            raise self.error(name, "must be a table with 'cmd'")
        if "foreach" in definition:
            extra = sorted(set(definition) - {"foreach", "do"})
            if extra or "do" not in definition:
                what = f"unknown key '{extra[0]}' next to 'foreach'" if extra else "'do' is missing"
                raise self.error(name, f"{what} (foreach takes 'foreach' and 'do')")
            template = definition["do"]
            if not isinstance(template, dict):
                raise self.error(name, "'do' must be a stage table")
            return [
                self.stage(f"{name}{JOIN}{key}", template, ctx, values)
                for key, values in self.foreach_members(name, definition["foreach"], ctx)
            ]
        if "matrix" in definition:
            template = {k: v for k, v in definition.items() if k != "matrix"}
            return [
                self.stage(f"{name}{JOIN}{key}", template, ctx, values)
                for key, values in self.matrix_members(name, definition["matrix"], ctx)
            ]
        return [self.stage(name, definition, ctx, {})]

    def foreach_members(
        self, name: str, spec: Any, ctx: Context
    ) -> list[tuple[str, dict[str, Any]]]:
        items = self.resolved(ctx, spec, "foreach", name)
        if isinstance(items, Mapping):
            return [
                (interpolate.to_text(k), {"item": v, "key": interpolate.to_text(k)})
                for k, v in items.items()
            ]
        if not isinstance(items, list):
            raise self.error(name, f"foreach: expected a list or a table, got {items!r}")
        if any(isinstance(v, list | Mapping) for v in items):
            return [(str(i), {"item": v}) for i, v in enumerate(items)]
        return [(interpolate.to_text(v), {"item": v}) for v in items]

    def matrix_members(
        self, name: str, spec: Any, ctx: Context
    ) -> list[tuple[str, dict[str, Any]]]:
        table = self.resolved(ctx, spec, "matrix", name)
        if not isinstance(table, Mapping) or not table:
            raise self.error(name, "matrix: expected a table of lists")
        axes = []
        for axis, values in table.items():
            if not isinstance(values, list):
                raise self.error(name, f"matrix.{axis}: expected a list, got {values!r}")
            axes.append([(str(axis), i, v) for i, v in enumerate(values)])
        members = []
        for combo in itertools.product(*axes):
            key = "-".join(
                f"{axis}{i}" if isinstance(v, list | Mapping) else interpolate.to_text(v)
                for axis, i, v in combo
            )
            members.append((key, {"item": {axis: v for axis, _, v in combo}, "key": key}))
        return members

    def stage(
        self, name: str, spec: Mapping[str, Any], ctx: Context, extra: dict[str, Any]
    ) -> Stage:
        for key in spec:
            if key in UNSUPPORTED:
                raise self.error(name, f"'{key}': {UNSUPPORTED[key]}")
            if key not in STAGE_KEYS:
                raise self.error(name, f"unknown key '{key}' (known: {', '.join(STAGE_KEYS)})")
        if "cmd" not in spec:
            raise self.error(name, "'cmd' is missing")
        with ctx.temporarily(extra):
            wdir_text = str(self.resolved(ctx, spec.get("wdir") or ".", "wdir", name))
            wdir = _norm(self.folder, wdir_text)
            if wdir_text.startswith("/") or wdir == ".." or wdir.startswith("../"):
                raise self.error(name, f"wdir {wdir_text!r}: must stay inside the repository")
            local = ctx
            vars_ = spec.get("vars") or []
            if vars_:
                if not isinstance(vars_, list):
                    raise self.error(name, "vars: must be a list of files and tables")
                local = ctx.clone()
                local.reserved = set(extra)
                try:
                    interpolate.load_vars(
                        local, self.cache, self.root / wdir, self.root, vars_, name
                    )
                except InterpolationError as exc:
                    raise self.error(name, f"vars: {exc}") from None
            local.tracked = {}
            resolved = {
                key: self.resolved(local, value, key, name)
                for key, value in spec.items()
                if key not in ("vars", "wdir")
            }
            tracked = {f: dict(v) for f, v in local.tracked.items()}
            local.tracked = {}
        return self.build(name, wdir, resolved, tracked)

    def build(
        self, name: str, wdir: str, spec: Mapping[str, Any], tracked: dict[str, dict[str, Any]]
    ) -> Stage:
        cmd = spec["cmd"]
        if isinstance(cmd, list):
            if not cmd or not all(isinstance(c, str) and c.strip() for c in cmd):
                raise self.error(name, "cmd: a list of commands must hold non-empty strings")
            command: str | tuple[str, ...] = tuple(cmd)
        elif isinstance(cmd, str) and cmd.strip():
            command = cmd
        else:
            raise self.error(name, "cmd: expected a command or a list of commands")
        deps_spec = self.listed(spec, "deps", name)
        deps = []
        for given in deps_spec:
            if not isinstance(given, str):
                raise self.error(name, f"deps: expected a path, got {given!r}")
            deps.append(Dep(given, self.repo_path(wdir, given, name, "dependency")))
        outs = [
            out
            for kind in ("outs", "metrics", "plots")
            for out in self.outs(spec, kind, name, wdir)
        ]
        dep_paths = [d.repo_path for d in deps]
        out_paths = [o.repo_path for o in outs]
        for paths, what in ((dep_paths, "dependency"), (out_paths, "output")):
            twice = sorted(p for p in set(paths) if paths.count(p) > 1)
            if twice:
                raise self.error(name, f"{what} '{twice[0]}' is listed twice")
        both = sorted(set(dep_paths) & set(out_paths))
        if both:
            raise self.error(name, f"'{both[0]}' is both a dependency and an output")
        return Stage(
            name=name,
            file=self.path,
            cmd=command,
            wdir=wdir,
            deps=tuple(deps),
            params=tuple(self.params(spec, name, wdir)),
            outs=tuple(outs),
            frozen=self.flag(spec, "frozen", name),
            always_changed=self.flag(spec, "always_changed", name),
            desc=str(spec["desc"]) if spec.get("desc") is not None else None,
            tracked=tracked,
        )

    def listed(self, spec: Mapping[str, Any], key: str, name: str) -> list[Any]:
        value = spec.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"{key}: expected a list")
        return value

    def flag(self, spec: Mapping[str, Any], key: str, name: str) -> bool:
        value = spec.get(key, False)
        if not isinstance(value, bool):
            raise self.error(name, f"{key}: expected true or false, got {value!r}")
        return value

    def params(self, spec: Mapping[str, Any], name: str, wdir: str) -> list[ParamsDep]:
        keys: dict[str, list[str] | None] = {}
        for item in self.listed(spec, "params", name):
            if isinstance(item, str):
                found = keys.setdefault(DEFAULT_PARAMS, [])
                if found is not None:
                    found.append(item)
            elif isinstance(item, Mapping):
                for file, wanted in item.items():
                    if wanted is None or wanted == []:
                        keys[str(file)] = None
                    elif isinstance(wanted, list) and all(isinstance(k, str) for k in wanted):
                        found = keys.setdefault(str(file), [])
                        if found is not None:
                            found.extend(wanted)
                    else:
                        raise self.error(name, f"params.{file}: expected a list of keys")
            else:
                raise self.error(name, f"params: expected a key or a table, got {item!r}")
        return [
            ParamsDep(
                file,
                self.repo_path(wdir, file, name, "params file"),
                None if wanted is None else tuple(dict.fromkeys(wanted)),
            )
            for file, wanted in keys.items()
        ]

    def outs(self, spec: Mapping[str, Any], kind: str, name: str, wdir: str) -> list[Out]:
        found = []
        allowed = OUT_KEYS + (PLOT_KEYS if kind == "plots" else ())
        for item in self.listed(spec, kind, name):
            options: Mapping[str, Any] = {}
            if isinstance(item, Mapping) and len(item) == 1:
                path, raw = next(iter(item.items()))
                options = raw or {}
                if not isinstance(options, Mapping):
                    raise self.error(name, f"{kind}.{path}: expected a table of options")
            elif isinstance(item, str):
                path = item
            else:
                raise self.error(
                    name, f"{kind}: expected a path or {{path: options}}, got {item!r}"
                )
            for key in options:
                if key in UNSUPPORTED:
                    raise self.error(name, f"{kind}.{path}.{key}: {UNSUPPORTED[key]}")
                if key not in allowed:
                    raise self.error(
                        name, f"{kind}.{path}: unknown key '{key}' (known: {', '.join(allowed)})"
                    )
            for key in ("cache", "persist"):
                if key in options and not isinstance(options[key], bool):
                    raise self.error(name, f"{kind}.{path}.{key}: expected true or false")
            plot = {k: options[k] for k in PLOT_KEYS if k in options} if kind == "plots" else None
            found.append(
                Out(
                    path=str(path),
                    repo_path=self.repo_path(wdir, path, name, "output"),
                    kind=kind,
                    cache=bool(options.get("cache", True)),
                    persist=bool(options.get("persist", False)),
                    plot=plot,
                )
            )
        return found


def parse_stage_file(root: Path, path: str, text: str, cache: ParamsCache) -> PipelineFile:
    """The stages of the ``dvc.yaml`` at ``path`` (relative to ``root``) whose text is ``text``."""
    doc = yamlfile.loads(text, where=path)
    return Reader(root, path, cache).read(doc)


def load_stage_file(root: Path, path: str, cache: ParamsCache | None = None) -> PipelineFile:
    """Read and parse ``root/path``."""
    try:
        text = (root / path).read_text("utf-8")
    except FileNotFoundError:
        raise PipelineError(f"{path}: no such stage file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    return parse_stage_file(root, path, text, cache or ParamsCache())
