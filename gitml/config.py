"""Project settings from ``.gitml/config.toml`` (validated; defaults where silent)."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from gitml.atomic import write_atomic
from gitml.errors import ConfigError, InvalidRecord
from gitml.records import codec
from gitml.records.limits import MAX_LISTING_BYTES
from gitml.records.schema import find_errors
from gitml.units import mib

GITML_DIR = ".gitml"
CONFIG_FILE = f"{GITML_DIR}/config.toml"
POLICY_FILE = f"{GITML_DIR}/policy.toml"
STAGES_FILE = f"{GITML_DIR}/stages.toml"
SETTINGS_CACHE = "config-cache.json"
"""In ``.git/gitml``: the parsed ``config.toml`` of the text it holds (``load_settings``)."""
SETTINGS_CACHE_SCHEMA = "gitml/config-cache/1"

DEFAULT_STAGES = ("dev", "staging", "production")
DEFAULT_TERMINAL = ("archived",)
DEFAULT_CLOCK_SKEW_S = 300.0
DEFAULT_PUSH_DEADLINE_S = 120.0
DEFAULT_PARAMS_FILES = ("params.yaml", "params.yml", "params.toml", "params.json")
DEFAULT_ENV_ALLOWLIST = (
    "CUDA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHONHASHSEED",
    "CI",
    "SLURM_JOB_ID",
    "SLURM_ARRAY_TASK_ID",
    "GITHUB_RUN_ID",
    "GITHUB_SHA",
    "CI_PIPELINE_ID",
)


class RemoteConfig(NamedTuple):
    """A named data remote of ``.gitml/config.toml``: its URL and stored options."""

    name: str
    url: str
    options: Mapping[str, Any] = {}


class Settings(NamedTuple):
    """Everything ``.gitml/config.toml`` can set, with gitml's defaults."""

    default_branch: str = "main"
    gc_every: int = 256
    stage_order: tuple[str, ...] = DEFAULT_STAGES
    terminal_stages: tuple[str, ...] = DEFAULT_TERMINAL
    params_files: tuple[str, ...] = DEFAULT_PARAMS_FILES
    metrics_files: tuple[str, ...] = ()
    checkpoint_max_file_mb: float = 10.0
    link_checkpoints: bool = True
    env_allowlist: tuple[str, ...] = DEFAULT_ENV_ALLOWLIST
    secret_names: tuple[str, ...] = ()  # runs.secrets: more credential-file name globs,
    secret_patterns: tuple[str, ...] = ()  # content regexes,
    secret_allow: tuple[str, ...] = ()  # and paths that go into checkpoints regardless
    tolerance: Mapping[str, float] = {}
    data_remotes: tuple[RemoteConfig, ...] = ()
    default_remote: str | None = None
    pointer_dir: str = ".gitml/data"
    max_listing_mb: float = MAX_LISTING_BYTES / (1 << 20)
    max_git_file_mb: float = 5.0
    clock_skew_s: float = DEFAULT_CLOCK_SKEW_S
    push_deadline_s: float = DEFAULT_PUSH_DEADLINE_S
    raw: Mapping[str, Any] = {}

    @property
    def stages(self) -> tuple[str, ...]:
        return self.stage_order + self.terminal_stages

    @property
    def max_git_file_bytes(self) -> int:
        """``max_git_file_mb`` (MiB) in bytes: the largest file ``git ml check`` lets into git."""
        return mib(self.max_git_file_mb)

    @property
    def max_listing_bytes(self) -> int:
        """``max_listing_mb`` (MiB) in bytes: the largest file list fetched or read whole."""
        return mib(self.max_listing_mb)

    @property
    def checkpoint_max_file_bytes(self) -> int:
        """``checkpoint_max_file_mb`` (MiB) in bytes: the largest file a checkpoint keeps."""
        return mib(self.checkpoint_max_file_mb)

    def remote(self, name: str | None) -> RemoteConfig:
        """A data remote by name (default: the configured default)."""
        wanted = name or self.default_remote
        if wanted is None:
            if len(self.data_remotes) == 1:
                return self.data_remotes[0]
            raise ConfigError(
                f"{CONFIG_FILE}: no default data remote; add one with "
                "`git ml data remote add NAME URL --default` or pass --remote NAME"
            )
        for remote in self.data_remotes:
            if remote.name == wanted:
                return remote
        known = ", ".join(r.name for r in self.data_remotes) or "none"
        raise ConfigError(f"{CONFIG_FILE}: no data remote named {wanted!r} (configured: {known})")


def default_config_doc() -> codec.Doc:
    return {
        "schema": "gitml/config/1",
        "core": {"default_branch": "main"},
        "stages": {"order": list(DEFAULT_STAGES), "terminal": list(DEFAULT_TERMINAL)},
        "runs": {"params_files": list(DEFAULT_PARAMS_FILES), "checkpoint_max_file_mb": 10},
    }


def load_config_doc(workdir: Path, *, cache_dir: Path | None = None) -> codec.Doc | None:
    """``config.toml`` parsed and validated (None when there is none).

    With ``cache_dir``, the parsed document is kept there as JSON and read instead of the
    file while it is exactly what the file says (see ``load_settings``).
    """
    path = workdir / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}") from None
    if cache_dir is None:
        return parse_config_doc(text, where=CONFIG_FILE)
    cached = _cached_doc(cache_dir / SETTINGS_CACHE, text)
    if cached is not None:
        return _checked(cached, where=CONFIG_FILE)
    doc = parse_config_doc(text, where=CONFIG_FILE)
    _keep_doc(cache_dir / SETTINGS_CACHE, text, doc)
    return doc


def parse_config_doc(text: str | bytes, *, where: str) -> codec.Doc:
    """A config document, parsed and validated; ConfigError names ``where`` and the field."""
    try:
        doc = codec.loads(text, where=where)
    except InvalidRecord as exc:
        raise ConfigError(str(exc)) from None
    return _checked(doc, where=where)


def _checked(doc: codec.Doc, *, where: str) -> codec.Doc:
    errors = find_errors(doc, "config")
    if errors:
        raise ConfigError(f"{where}: {errors[0]}")
    return doc


def _written_as(doc: object, text: str) -> codec.Doc | None:
    """``doc`` as parsing ``text`` gives it, when ``text`` is ``doc`` written canonically
    (``codec.dumps``, as gitml writes the file); None otherwise."""
    if not isinstance(doc, dict):
        return None
    try:
        same = codec.dumps(doc) == text
    except (InvalidRecord, TypeError, ValueError, RecursionError):
        return None
    return codec.canonical(doc) if same else None


def _cached_doc(path: Path, text: str) -> codec.Doc | None:
    """The cached document when it is exactly what ``text`` says; None for a cache that is
    missing, unreadable, of another gitml or of another text: the file is then parsed.
    Whatever the cache holds, it is believed only when written canonically it is ``text``."""
    try:
        cache = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(cache, dict) or cache.get("schema") != SETTINGS_CACHE_SCHEMA:
        return None
    return _written_as(cache.get("doc"), text)


def _keep_doc(path: Path, text: str, doc: codec.Doc) -> None:
    """Cache ``doc``, parsed from ``text``, when the cache can be checked against the file:
    the file is written canonically (a hand-edited one is parsed each time) and JSON holds
    every value (TOML dates it does not). A cache that cannot be written is no error."""
    try:
        if _written_as(doc, text) is None:
            return
        write_atomic(path, json.dumps({"schema": SETTINGS_CACHE_SCHEMA, "doc": doc}))
    except (OSError, TypeError, ValueError):
        pass


def settings_from_doc(doc: codec.Doc) -> Settings:
    core = doc.get("core", {})
    stages = doc.get("stages", {})
    runs = doc.get("runs", {})
    secrets = runs.get("secrets", {})
    data = doc.get("data", {})
    check = doc.get("check", {})
    sync = doc.get("sync", {})
    remotes = tuple(
        RemoteConfig(name, str(opts["url"]), {k: v for k, v in opts.items() if k != "url"})
        for name, opts in sorted(data.get("remotes", {}).items())
    )
    order = tuple(stages.get("order", DEFAULT_STAGES))
    terminal = tuple(stages.get("terminal", DEFAULT_TERMINAL))
    overlap = set(order) & set(terminal)
    if overlap or len(set(order)) != len(order):
        raise ConfigError(
            f"{CONFIG_FILE}: stages: each stage must appear once in order + terminal "
            f"(repeated: {', '.join(sorted(overlap)) or 'in order'})"
        )
    default_remote = data.get("default_remote")
    if default_remote is not None and default_remote not in {r.name for r in remotes}:
        raise ConfigError(
            f"{CONFIG_FILE}: data.default_remote: {default_remote!r} is not a configured remote"
        )
    return Settings(
        default_branch=core.get("default_branch", "main"),
        gc_every=core.get("gc_every", 256),
        stage_order=order,
        terminal_stages=terminal,
        params_files=tuple(runs.get("params_files", DEFAULT_PARAMS_FILES)),
        metrics_files=tuple(runs.get("metrics_files", ())),
        checkpoint_max_file_mb=float(runs.get("checkpoint_max_file_mb", 10.0)),
        link_checkpoints=bool(runs.get("link_checkpoints", True)),
        env_allowlist=tuple(runs.get("env_allowlist", DEFAULT_ENV_ALLOWLIST)),
        secret_names=tuple(secrets.get("names", ())),
        secret_patterns=_patterns(secrets.get("patterns", ())),
        secret_allow=tuple(secrets.get("allow", ())),
        tolerance=dict(runs.get("tolerance", {})),
        data_remotes=remotes,
        default_remote=default_remote,
        pointer_dir=data.get("pointer_dir", ".gitml/data"),
        max_listing_mb=float(data.get("max_listing_mb", MAX_LISTING_BYTES / (1 << 20))),
        max_git_file_mb=float(check.get("max_git_file_mb", 5.0)),
        clock_skew_s=float(sync.get("clock_skew_seconds", DEFAULT_CLOCK_SKEW_S)),
        push_deadline_s=float(sync.get("push_deadline_seconds", DEFAULT_PUSH_DEADLINE_S)),
        raw=doc,
    )


def _patterns(patterns: list[str]) -> tuple[str, ...]:
    """``runs.secrets.patterns``: regular expressions, checked here so a typo fails early."""
    import re

    for pattern in patterns:
        try:
            re.compile(pattern.encode())
        except re.error as exc:
            raise ConfigError(
                f"{CONFIG_FILE}: runs.secrets.patterns: {pattern!r} is not a regular "
                f"expression ({exc})"
            ) from None
    return tuple(patterns)


def load_settings(workdir: Path, *, cache_dir: Path | None = None) -> Settings:
    """Settings of the project at ``workdir`` (defaults when there is no config file).

    With ``cache_dir`` (``.git/gitml``: ``git ml run``), the parsed file is kept there as
    JSON, so a run loads no TOML parser while the file stays as it was. The cache is
    believed only when the document it holds, written as gitml writes the file, is the
    file's text, and is then checked as a parsed one is: a stale, foreign or forged cache
    changes nothing (the file is parsed and the cache rewritten).
    """
    doc = load_config_doc(workdir, cache_dir=cache_dir)
    return settings_from_doc(doc) if doc is not None else Settings()


def save_config_doc(workdir: Path, doc: codec.Doc) -> None:
    """Validate and write ``.gitml/config.toml`` atomically."""
    errors = find_errors(doc, "config")
    if errors:
        raise ConfigError(f"{CONFIG_FILE}: {errors[0]}")
    settings_from_doc(doc)
    write_atomic(workdir / CONFIG_FILE, codec.dumps(doc))
