"""The typed shape of each record kind, as ``schemas/<kind>.schema.json`` states it.

Each shape is a ``TypedDict``: at run time a record stays the plain dict the TOML parser
(or the query index's JSON) gives, and mypy checks every key a caller reads or writes.
``Required``/``NotRequired`` follow the schema's ``required`` lists; a table whose keys
are free (params, metrics, tags) is a ``dict`` of its value type. Times are ``Timestamp``:
a TOML date-time as parsed from git, its ISO 8601 text when read back from the index.

A dict becomes one of these shapes in one place, ``gitml.records.typed``: after
validation against the schema (or, for index rows, the validation done when indexing).
``tests/records/test_shapes.py`` holds every shape to its schema, key by key. (No
``from __future__ import annotations`` here: Python 3.11 would then miss which keys
``Required``/``NotRequired`` mark.)
"""

from datetime import datetime
from typing import Any, Literal, NotRequired, Required, TypedDict

Timestamp = datetime | str
"""A schema ``date-time``: parsed TOML, or ISO 8601 text (JSON from the query index)."""
Scalar = str | int | float | bool
Params = dict[str, Any]
"""Parameters: a record's flat dotted keys, or a params file's nested tables -> any TOML
value (numbers, text, booleans, dates, arrays, tables)."""
JsonObject = dict[str, Any]
"""A JSON object with keys of its own: a view's ``--json`` output or UI payload, user JSON.
Not a record: a record has its shape below."""

RunStatus = Literal["completed", "failed", "interrupted"]
Verdict = Literal["reproduced", "differs", "failed"]
OutputState = Literal["same", "differs", "missing", "new"]
StageAction = Literal["ran", "restored", "skipped", "failed", "not-run", "frozen"]
SearchKind = Literal["random", "optuna"]
Direction = Literal["max", "min"]
TrialState = Literal["complete", "pruned", "failed"]
MediaKind = Literal["figure", "image", "table", "text", "dict", "plot"]
MediaFormat = Literal["png", "jpeg", "gif", "webp", "svg", "json", "yaml", "text", "plotly"]
PlotTemplate = Literal["linear", "scatter", "confusion", "confusion_normalized"]
PythonFrom = Literal["command", "shebang", "uv", "conda", "script", "path", "gitml"]


class PersonTable(TypedDict):
    """A git identity (a run's user, a version's author, a stage event's author)."""

    name: str
    email: str


class LeftOutTable(TypedDict):
    path: str
    reason: str


class DiffstatTable(TypedDict, total=False):
    files: int
    insertions: int
    deletions: int


class CodeTable(TypedDict, total=False):
    """The code a run ran (``code`` of a run record)."""

    commit: Required[str]
    checkpoint: Required[str]
    dirty: Required[bool]
    untracked: Required[list[str]]
    branch: str
    untracked_count: int
    modified: list[str]
    modified_count: int
    skipped: list[LeftOutTable]
    withheld: list[LeftOutTable]
    diffstat: DiffstatTable


class MetricStatsTable(TypedDict):
    first: float
    last: float
    min: float
    max: float
    steps: int


class DeclaredTable(TypedDict, total=False):
    metrics: list[str]
    params: list[str]
    outputs: list[str]


class MetricCheckTable(TypedDict, total=False):
    expected: float
    actual: float
    delta: float
    rel: float
    tolerance: Required[float]
    ok: Required[bool]


class RerunTable(TypedDict, total=False):
    """A rerun's verdict on the run its ``parent`` names."""

    verdict: Required[Verdict]
    tolerance: Required[float]
    what_if: list[str]
    reasons: list[str]
    env: list[str]
    metrics: dict[str, MetricCheckTable]
    outputs: dict[str, OutputState]


class StageTable(TypedDict, total=False):
    name: Required[str]
    file: Required[str]
    key: Required[str]
    pipeline: str


class PipelineStageTable(TypedDict, total=False):
    stage: Required[str]
    action: Required[StageAction]
    run: str
    reasons: list[str]


class PipelinePlotTable(TypedDict, total=False):
    id: Required[str]
    template: Required[str]
    y: Required[dict[str, list[str]]]
    x: dict[str, str]
    title: str
    x_label: str
    y_label: str


class PipelineTable(TypedDict, total=False):
    files: Required[list[str]]
    stages: Required[list[PipelineStageTable]]
    targets: list[str]
    plots: list[PipelinePlotTable]


class BestTrialTable(TypedDict):
    run: str
    trial: int
    value: float


class TrialTable(TypedDict, total=False):
    trial: Required[int]
    run: Required[str]
    state: Required[TrialState]
    value: float


class StudyTable(TypedDict, total=False):
    """A search's parent run: the search, its space and every trial."""

    search: Required[SearchKind]
    objective: Required[str]
    direction: Required[Direction]
    trials: Required[int]
    space: Required[dict[str, str]]
    results: Required[list[TrialTable]]
    sampler: str
    pruner: str
    seed: int
    best: BestTrialTable


class MediaPlotTable(TypedDict, total=False):
    template: Required[PlotTemplate]
    x: Required[str]
    y: Required[str]
    x_label: str
    y_label: str


class MediaTable(TypedDict, total=False):
    name: Required[str]
    kind: Required[MediaKind]
    digest: Required[str]
    key: str
    step: int
    format: MediaFormat
    title: str
    plot: MediaPlotTable


class PackagesTable(TypedDict):
    digest: str
    count: int


class EnvTable(TypedDict, total=False):
    python: str
    implementation: str
    executable: str
    python_from: PythonFrom
    platform: str
    machine: str
    cpu: str
    cpus: int
    gpus: list[str]
    gitml: str
    packages: PackagesTable
    vars: dict[str, str]


class RunRecord(TypedDict):
    """``gitml/run/1``: one finished run on ``refs/gitml/runs``."""

    schema: Literal["gitml/run/1"]
    id: str
    name: str
    status: RunStatus
    started: Timestamp
    ended: Timestamp
    duration_s: float
    exit_code: int
    command: list[str]
    cwd: str
    user: PersonTable
    host: str
    params: Params
    metrics: dict[str, float]
    metric_stats: dict[str, MetricStatsTable]
    code: CodeTable
    inputs: dict[str, str]
    outputs: dict[str, str]
    tags: dict[str, str]
    env: EnvTable
    message: NotRequired[str]
    parent: NotRequired[str]
    sweep: NotRequired[str]
    declared: NotRequired[DeclaredTable]
    rerun: NotRequired[RerunTable]
    stage: NotRequired[StageTable]
    pipeline: NotRequired[PipelineTable]
    study: NotRequired[StudyTable]
    media: NotRequired[list[MediaTable]]


class VersionRunTable(TypedDict):
    """The run a model version came from."""

    id: str
    name: str
    status: str


class VersionCodeTable(TypedDict, total=False):
    commit: Required[str]
    checkpoint: Required[str]
    dirty: Required[bool]
    branch: str


MlflowType = Literal[
    "boolean", "integer", "long", "float", "double", "string", "binary", "datetime"
]

ColumnSpec = TypedDict(
    "ColumnSpec",
    {
        "type": Required[MlflowType | Literal["tensor"]],
        "name": str,
        "required": bool,
        "tensor-spec": JsonObject,
    },
    total=False,
)
"""One column of an MLflow-style signature (``tensor-spec`` is not an identifier)."""


class RangeTable(TypedDict):
    min: float
    max: float


class SignatureTable(TypedDict, total=False):
    inputs: Required[list[ColumnSpec]]
    outputs: list[ColumnSpec]
    profile: dict[str, RangeTable]


class ArtifactTable(TypedDict):
    path: str
    digest: str
    size: int


class ModelVersionRecord(TypedDict):
    """``gitml/model-version/1``: a registered version on ``refs/gitml/registry``."""

    schema: Literal["gitml/model-version/1"]
    event: Literal["model_version.created"]
    id: str
    model: str
    version: str
    created: Timestamp
    author: PersonTable
    run: VersionRunTable
    code: VersionCodeTable
    params: Params
    metrics: dict[str, float]
    inputs: dict[str, str]
    outputs: dict[str, str]
    tags: dict[str, str]
    description: NotRequired[str]
    flavor: NotRequired[str]
    signature: NotRequired[SignatureTable]
    requirements: NotRequired[list[str]]
    python: NotRequired[str]
    artifact: NotRequired[ArtifactTable]


StageEventKind = Literal["model_version_alias.created", "model_version_alias.deleted"]
StageSource = Literal["merge", "commit", "direct"]


class ChangeTable(TypedDict):
    """For a merge: the commit on the merged branch that last changed the stages file."""

    commit: str
    author: PersonTable


class StageEventRecord(TypedDict):
    """``gitml/stage-event/1``: one applied stage change on ``refs/gitml/registry``."""

    schema: Literal["gitml/stage-event/1"]
    event: StageEventKind
    id: str
    seq: int
    model: str
    stage: str
    action: Literal["assign", "unassign"]
    version: str
    commit: str
    committed: Timestamp
    author: PersonTable
    source: StageSource
    previous: NotRequired[str]
    change: NotRequired[ChangeTable]


class AppliedRecord(TypedDict):
    """``gitml/applied/1``: the rules as of a default-branch commit, on the registry ref."""

    schema: Literal["gitml/applied/1"]
    commit: str
    branch: str
    rules: list[str]
    skipped: NotRequired[list[str]]


class DatasetRecord(TypedDict):
    """``gitml/dataset/1``: one version of a dataset on ``refs/gitml/data``."""

    schema: Literal["gitml/dataset/1"]
    name: str
    kind: Literal["file", "directory"]
    files: int
    bytes: int
    listing: str


class PointerRecord(TypedDict):
    """``gitml/pointer/1``: the tracked ``.gitml/data/<name>.toml`` naming a dataset version."""

    schema: Literal["gitml/pointer/1"]
    path: str
    manifest: str
    files: int
    bytes: int


class ProfileParamsTable(TypedDict):
    sample_size: int
    bins: int
    top_k: int
    seed: int


class QuantilesTable(TypedDict):
    p01: float
    p05: float
    p25: float
    p50: float
    p75: float
    p95: float
    p99: float


class HistogramTable(TypedDict):
    edges: list[float]
    counts: list[int]


class LengthTable(TypedDict):
    min: int
    max: int
    mean: float


ColumnType = Literal["numeric", "categorical", "boolean", "datetime", "text", "null", "other"]


class ColumnProfileTable(TypedDict, total=False):
    """One column of a profile (which optional keys a column has depends on its type)."""

    position: Required[int]
    type: Required[ColumnType]
    dtype: Required[str]
    count: Required[int]
    missing: Required[int]
    min: float | str
    max: float | str
    mean: float
    std: float
    quantiles: QuantilesTable
    histogram: HistogramTable
    sample: list[float]
    distinct: int
    top: dict[str, int]
    other: int
    length: LengthTable


class ProfileRecord(TypedDict):
    """``gitml/profile/1``: a dataset's column statistics on ``refs/gitml/data``."""

    schema: Literal["gitml/profile/1"]
    format: Literal["csv", "tsv", "parquet", "jsonl"]
    rows: int
    params: ProfileParamsTable
    columns: dict[str, ColumnProfileTable]


LinkKind = Literal["amend", "rebase", "squash", "cherry-pick"]


class LinkRecord(TypedDict):
    """``gitml/link/1``: runs recorded on ``rewritten_from`` belong to ``commit`` too."""

    schema: Literal["gitml/link/1"]
    commit: str
    rewritten_from: str
    kind: LinkKind


FindingKind = Literal[
    "schema",
    "drift",
    "prediction",
    "performance",
    "determinism",
    "consistency",
    "slice",
    "calibration",
]


class FindingTable(TypedDict, total=False):
    column: Required[str]
    kind: Required[FindingKind]
    method: Required[str]
    value: Required[float]
    threshold: Required[float]
    alert: Required[bool]
    message: Required[str]
    judged: bool


class MonitorReportRecord(TypedDict):
    """``gitml/monitor-report/1``: a monitoring or scan report on ``refs/gitml/monitor``."""

    schema: Literal["gitml/monitor-report/1"]
    id: str
    kind: Literal["monitor", "scan"]
    model: str
    version: str
    created: Timestamp
    data: str
    rows: int
    alert: bool
    alerts: int
    findings: list[FindingTable]
    reference: NotRequired[str]
    options: NotRequired[dict[str, Scalar]]
    metrics: NotRequired[dict[str, float]]


class QueuedCodeTable(TypedDict, total=False):
    """The code a queue entry pinned (the schema leaves this table open)."""

    commit: Required[str]
    checkpoint: Required[str]
    dirty: Required[bool]
    branch: str


class SearchTable(TypedDict, total=False):
    kind: Required[SearchKind]
    trials: Required[int]
    objective: str
    direction: Direction
    sampler: str
    pruner: str
    seed: int


class QueueOptionsTable(TypedDict, total=False):
    """The ``git ml run`` options a queued entry runs with."""

    message: str
    tags: dict[str, str]
    set: list[str]
    params: Params
    params_files: list[str]
    metrics: list[str]
    inputs: list[str]
    outputs: list[str]
    jobs: int
    best: str
    retries: int
    cpus: float
    gpus: float
    search: SearchTable


class QueueEntryRecord(TypedDict):
    """``gitml/queue-entry/1``: what ``git ml queue add`` was asked to run."""

    schema: Literal["gitml/queue-entry/1"]
    id: str
    name: str
    created: Timestamp
    user: PersonTable
    host: str
    command: list[str]
    cwd: str
    code: QueuedCodeTable
    options: QueueOptionsTable


QueueEventKind = Literal["claimed", "finished", "cancelled", "released"]


class WorkerTable(TypedDict, total=False):
    host: Required[str]
    pid: Required[int]
    runner: Required[str]
    on: str


class QueueEventRecord(TypedDict):
    """``gitml/queue-event/1``: what became of a queued entry."""

    schema: Literal["gitml/queue-event/1"]
    id: str
    entry: str
    kind: QueueEventKind
    time: Timestamp
    worker: NotRequired[WorkerTable]
    runs: NotRequired[list[str]]
    sweep: NotRequired[str]
    status: NotRequired[RunStatus]
    exit_code: NotRequired[int]
    reason: NotRequired[str]


class LayoutRecord(TypedDict):
    """``gitml/layout/1``: how a collection files its records (``layout.toml``)."""

    schema: Literal["gitml/layout/1"]
    collection: str
    fanout: int
    shard: str


class StagesRecord(TypedDict):
    """``gitml/stages/1``: the tracked ``.gitml/stages.toml`` (model -> stage -> version(s))."""

    schema: Literal["gitml/stages/1"]
    models: NotRequired[dict[str, dict[str, str | list[str]]]]


AnyRecord = (
    RunRecord
    | ModelVersionRecord
    | StageEventRecord
    | AppliedRecord
    | DatasetRecord
    | PointerRecord
    | ProfileRecord
    | LinkRecord
    | MonitorReportRecord
    | QueueEntryRecord
    | QueueEventRecord
    | LayoutRecord
    | StagesRecord
)

SHAPES: dict[str, type[Any]] = {
    "run": RunRecord,
    "model-version": ModelVersionRecord,
    "stage-event": StageEventRecord,
    "applied": AppliedRecord,
    "dataset": DatasetRecord,
    "pointer": PointerRecord,
    "profile": ProfileRecord,
    "link": LinkRecord,
    "monitor-report": MonitorReportRecord,
    "queue-entry": QueueEntryRecord,
    "queue-event": QueueEventRecord,
    "layout": LayoutRecord,
    "stages": StagesRecord,
}
"""Schema kind -> its shape (``config`` and ``policy`` are settings files, read by
``gitml.config`` and ``gitml.governance.policy`` into their own types)."""
