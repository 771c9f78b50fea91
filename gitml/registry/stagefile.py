"""``.gitml/stages.toml``: the desired stage assignments, reviewed in pull requests.

::

    schema = "gitml/stages/1"

    [models.churn]
    production = "1.4.0"
    staging = "1.5.0"
    archived = ["1.0.0", "1.1.0"]

A stage of the ordered list (``dev``, ``staging``, ``production``) holds one version; a
terminal stage (``archived``) holds a list. The copy on the default branch is the source of
truth; each change of it becomes stage events when ``git ml registry apply`` runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, NamedTuple

from gitml.config import STAGES_FILE, Settings
from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.registry.names import MODEL_RE, version_sort_key

SCHEMA = "gitml/stages/1"
STAGE_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
Value = str | tuple[str, ...]
Known = Callable[[str, str | None], bool]
"""``known(model, None)``: is the model registered; ``known(model, version)``: that version."""
Assignments = dict[str, dict[str, Value]]
DEFAULT_HEADER = (
    "# Desired stage assignments, reviewed in pull requests. The copy on the default branch\n"
    "# is the source of truth; `git ml promote` edits it and `git ml registry apply` (in CI)\n"
    "# records each change on refs/gitml/registry.\n"
)


class InvalidStages(InvalidRecord):
    """``.gitml/stages.toml`` does not parse, or names an unknown stage, model or version."""


class ParsedStages:
    """A stages file's assignments and the comment header a rewrite keeps."""

    __slots__ = ("assignments", "header")

    def __init__(
        self, assignments: Assignments | None = None, header: str = DEFAULT_HEADER
    ) -> None:
        self.assignments: Assignments = {} if assignments is None else assignments
        self.header = header

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedStages):
            return NotImplemented
        return (self.assignments, self.header) == (other.assignments, other.header)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ParsedStages({self.assignments!r}, {self.header!r})"


class Transition(NamedTuple):
    """One change of one stage: a version enters (``assign``) or leaves (``unassign``)."""

    model: str
    stage: str
    action: Literal["assign", "unassign"]
    version: str
    previous: str | None = None


def header_of(text: str) -> str:
    """The leading comment block of a file (kept when gitml rewrites it)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#"):
            lines.append(line if line.endswith("\n") else line + "\n")
        else:
            break
    return "".join(lines)


def parse(
    data: str | bytes,
    *,
    where: str = STAGES_FILE,
    settings: Settings | None = None,
    versions: Known | Mapping[str, Iterable[str]] | None = None,
) -> ParsedStages:
    """Parse and check a stages file; InvalidStages names the file and the field.

    The checks cover ``schemas/stages.schema.json`` (tests hold them to it) without running
    a JSON Schema validator, so replaying thousands of commits stays fast.

    With ``settings`` every stage must be configured (and hold the right shape); with
    ``versions`` (a lookup, or model -> registered versions) every model and version must
    exist.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        doc = codec.loads(text, where=where)
    except InvalidRecord as exc:
        raise InvalidStages(str(exc)) from None
    if doc.get("schema") != SCHEMA:
        raise InvalidStages(f'{where}: schema: must be "{SCHEMA}"')
    for key in doc:
        if key not in ("schema", "models"):
            raise InvalidStages(f"{where}: {key}: is not a known field (check the spelling)")
    models = doc.get("models", {})
    if not isinstance(models, dict):
        raise InvalidStages(f"{where}: models: must be a table of [models.<name>] tables")
    terminal = set(settings.terminal_stages) if settings is not None else set()
    assignments: Assignments = {}
    for model, stages in models.items():
        if not MODEL_RE.fullmatch(model):
            raise InvalidStages(
                f"{where}: models.{model}: {model!r} is not a valid model name "
                "(lower-case letters, digits, '.', '_', '-'; at most 64)"
            )
        if not isinstance(stages, dict):
            raise InvalidStages(f'{where}: models.{model}: must be a table (stage = "version")')
        out: dict[str, Value] = {}
        for stage, value in stages.items():
            if not STAGE_RE.fullmatch(stage):
                raise InvalidStages(
                    f"{where}: models.{model}.{stage}: {stage!r} is not a valid stage name"
                )
            out[stage] = _value(where, model, stage, value, settings, terminal)
        if out:
            assignments[model] = out
    if versions is not None:
        check_versions(assignments, versions, where=where)
    return ParsedStages(assignments, header_of(text) or DEFAULT_HEADER)


def _value(
    where: str,
    model: str,
    stage: str,
    value: Any,
    settings: Settings | None,
    terminal: set[str],
) -> Value:
    key = f"{where}: models.{model}.{stage}"
    if settings is not None and stage not in settings.stages:
        raise InvalidStages(
            f"{key}: unknown stage {stage!r} (stages: {', '.join(settings.stages)}; "
            "configured in .gitml/config.toml [stages])"
        )
    if isinstance(value, str) and value:
        return (value,) if stage in terminal else value
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        if settings is not None and stage not in terminal:
            raise InvalidStages(
                f'{key}: holds one version (stage = "1.4.0"); only terminal stages '
                f"({', '.join(sorted(terminal)) or 'none'}) hold a list"
            )
        if len(set(value)) != len(value):
            raise InvalidStages(f"{key}: lists a version twice")
        return tuple(sorted(value, key=version_sort_key))
    raise InvalidStages(f'{key}: must be a version string (stage = "1.4.0"), not {value!r}')


def check_versions(
    assignments: Mapping[str, Mapping[str, Value]],
    versions: Known | Mapping[str, Iterable[str]],
    *,
    where: str = STAGES_FILE,
) -> None:
    """Every assigned model and version must be registered."""
    known = versions if callable(versions) else _lookup(versions)
    for model, stages in assignments.items():
        if not known(model, None):
            raise InvalidStages(
                f"{where}: models.{model}: model {model!r} has no registered version; "
                f"register one with `git ml model register {model} --run RUN`"
            )
        for stage, value in stages.items():
            for version in (value,) if isinstance(value, str) else value:
                if not known(model, version):
                    raise InvalidStages(
                        f"{where}: models.{model}.{stage}: version {version!r} of {model!r} is "
                        f"not registered; `git ml model show {model}` lists its versions"
                    )


def _lookup(versions: Mapping[str, Iterable[str]]) -> Known:
    sets = {model: set(names) for model, names in versions.items()}

    def known(model: str, version: str | None) -> bool:
        names = sets.get(model, set())
        return bool(names) if version is None else version in names

    return known


def dumps(stage_file: ParsedStages) -> str:
    """Canonical text: the header comment, then sorted tables."""
    models: dict[str, dict[str, str | list[str]]] = {}
    for model, stages in stage_file.assignments.items():
        table = {s: (list(v) if isinstance(v, tuple) else v) for s, v in stages.items() if v}
        if table:
            models[model] = table
    body = codec.dumps({"schema": SCHEMA, "models": models})
    header = stage_file.header
    if header and not header.endswith("\n"):
        header += "\n"
    return header + body


def versions_of(value: Value | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def holds(
    assignments: Mapping[str, Mapping[str, Value]], model: str, stage: str, version: str
) -> bool:
    return version in versions_of(assignments.get(model, {}).get(stage))


def diff(
    old: Mapping[str, Mapping[str, Value]], new: Mapping[str, Mapping[str, Value]]
) -> list[Transition]:
    """The transitions from ``old`` to ``new``, in a fixed order (model, stage, version)."""
    out: list[Transition] = []
    for model in sorted(set(old) | set(new)):
        before = old.get(model, {})
        after = new.get(model, {})
        for stage in sorted(set(before) | set(after)):
            a, b = before.get(stage), after.get(stage)
            if a == b:
                continue
            if isinstance(a, tuple) or isinstance(b, tuple):
                gone = set(versions_of(a)) - set(versions_of(b))
                came = set(versions_of(b)) - set(versions_of(a))
                for version in sorted(gone, key=version_sort_key):
                    out.append(
                        Transition(model=model, stage=stage, action="unassign", version=version)
                    )
                for version in sorted(came, key=version_sort_key):
                    out.append(
                        Transition(model=model, stage=stage, action="assign", version=version)
                    )
            elif b is None:
                assert a is not None
                out.append(Transition(model=model, stage=stage, action="unassign", version=a))
            else:
                out.append(
                    Transition(model=model, stage=stage, action="assign", version=b, previous=a)
                )
    return out


def apply_transition(assignments: Assignments, transition: Transition, terminal: bool) -> None:
    """Change ``assignments`` in place by one transition (used by replay)."""
    stages = assignments.setdefault(transition.model, {})
    current = stages.get(transition.stage)
    if terminal:
        members = set(versions_of(current))
        if transition.action == "assign":
            members.add(transition.version)
        else:
            members.discard(transition.version)
        if members:
            stages[transition.stage] = tuple(sorted(members, key=version_sort_key))
        else:
            stages.pop(transition.stage, None)
    elif transition.action == "assign":
        stages[transition.stage] = transition.version
    elif current == transition.version:
        stages.pop(transition.stage, None)
    if not stages:
        assignments.pop(transition.model, None)
