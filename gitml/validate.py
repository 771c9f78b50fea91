"""Schema validation of gitml's tracked files (``.gitml/*.toml``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gitml.config import CONFIG_FILE, GITML_DIR, POLICY_FILE, STAGES_FILE, settings_from_doc
from gitml.data.audit import worktree_problems
from gitml.errors import ConfigError, InvalidRecord
from gitml.records import codec
from gitml.records.schema import find_errors

TRACKED_KINDS = {CONFIG_FILE: "config", POLICY_FILE: "policy", STAGES_FILE: "stages"}


def kind_of(rel: str, pointer_dir: str = ".gitml/data") -> str | None:
    """The schema kind of a tracked file, from its path relative to the repository root."""
    rel = rel.replace("\\", "/").removeprefix("./")
    folder, _, name = rel.rpartition("/")
    if folder == pointer_dir.rstrip("/") and name.endswith(".toml"):
        return "pointer"
    return TRACKED_KINDS.get(rel)


def check_text(rel: str, text: str, *, kind: str | None = None) -> list[str]:
    """Problems in one tracked file's text, each ``file: field: message`` (``kind``: its
    schema kind when known, as for a pointer outside the default folder)."""
    kind = kind or kind_of(rel)
    if kind is None:
        return []
    try:
        doc = codec.loads(text, where=rel)
    except InvalidRecord as exc:
        return [str(exc)]
    problems = [f"{rel}: {error}" for error in find_errors(doc, kind)]
    if not problems and kind == "config":
        problems = _config_problems(doc)
    return problems


def _config_problems(doc: codec.Doc) -> list[str]:
    """What the schema cannot state about a settings file (a content pattern that does not
    compile, ...): the errors loading it would raise."""
    try:
        settings_from_doc(doc)
    except ConfigError as exc:
        return [str(exc)]
    return []


def default_files(workdir: Path) -> list[str]:
    """Every gitml file under ``.gitml/`` (settings, policy, stages and data pointers)."""
    folder = workdir / GITML_DIR
    return sorted(
        p.relative_to(workdir).as_posix()
        for p in folder.rglob("*.toml")
        if kind_of(p.relative_to(workdir).as_posix())
    )


def check_files(workdir: Path, paths: Iterable[str]) -> list[str]:
    """Validate files in the work tree; unknown files are ignored."""
    problems: list[str] = []
    for rel in paths:
        path = Path(rel)
        if path.is_absolute():
            try:
                rel = path.resolve().relative_to(workdir).as_posix()
            except ValueError:
                problems.append(f"{path}: is outside the repository {workdir}")
                continue
        if kind_of(rel) is None:
            continue
        try:
            text = (workdir / rel).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{rel}: cannot read: {exc}")
            continue
        found = check_text(rel, text)
        if not found and kind_of(rel) == "pointer":
            found = _pointer_problems(workdir, rel, text)
        problems.extend(found)
    return problems


def _pointer_problems(workdir: Path, rel: str, text: str) -> list[str]:
    """A valid pointer's dataset: no link on the way, a file list git's rules accept."""
    doc = codec.loads(text, where=rel)
    name = rel.rpartition("/")[2].removesuffix(".toml")
    return worktree_problems(workdir, rel, name, str(doc["path"]), str(doc["manifest"]))
