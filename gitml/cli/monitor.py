"""``git ml monitor`` (serving data against the training profile), ``monitor log`` and ``scan``."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import output_options
from gitml.cli._values import MODEL_REFS, MODELS, choices

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", "-d", metavar="FILE", help="Serving data: CSV, TSV, Parquet or JSON lines."
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", metavar="FORMAT", help="Human output: table or markdown."),
    choices("table", "markdown"),
]
AllOpt = Annotated[
    bool, typer.Option("--all", "-a", help="Show every finding, not only alerts and the top 20.")
]
NoSaveOpt = Annotated[
    bool, typer.Option("--no-save", help="Do not store the report on refs/gitml/monitor.")
]


@followed_by(output_options)
def report_options(
    fmt: FormatOpt = "table", show_all: AllOpt = False, no_save: NoSaveOpt = False
) -> None:
    """The options monitor and scan end with (``bodies.monitor_report.ReportView``)."""


@followed_by(report_options)
def monitor_cmd(
    target: Annotated[
        str,
        typer.Argument(
            metavar="MODEL|log",
            help="MODEL[@STAGE|:VERSION] (default: the latest version), or `log`.",
            show_default=False,
        ),
        MODEL_REFS,
    ],
    model: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="With `log`: the model whose reports to list."),
        MODELS,
    ] = None,
    data: DataOpt = None,
    prediction: Annotated[
        str | None,
        typer.Option("--prediction", metavar="COLUMN", help="The prediction column."),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            "-l",
            metavar="COLUMN",
            help="The label column (performance vs training metrics).",
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            metavar="FILE",
            help="Compare with this data file or stored profile instead of the version's "
            "training data.",
        ),
    ] = None,
) -> None:
    """Compare serving data with the training profile; exit 4 on an alert.

    Reports schema skew (missing, new and retyped columns, unseen categories, null rates),
    feature and prediction drift, and performance against the version's metrics when
    --label is given. Thresholds come from [monitor] in .gitml/policy.toml.
    `git ml monitor log MODEL` lists stored reports.
    """


@followed_by(report_options)
def scan_cmd(
    target: Annotated[
        str,
        typer.Argument(
            metavar="MODEL", help="MODEL:VERSION (or MODEL@STAGE) to scan.", show_default=False
        ),
        MODEL_REFS,
    ],
    data: DataOpt = None,
    predict: Annotated[
        str | None,
        typer.Option(
            "--predict",
            metavar="MODULE:FUNC",
            help="MODULE:FUNC called with a list of row dicts; returns one prediction (or "
            "positive-class probability) per row.",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label", "-l", metavar="COLUMN", help="The label column (slices, confidence)."
        ),
    ] = None,
) -> None:
    """Pre-promotion checks of a model callable; exit 4 on an alert.

    Determinism (predict twice), batch vs single-row consistency, slices (>= 20 rows) whose
    performance drops more than 5 %, and overconfidence when probabilities are returned.
    """


def register(app: typer.Typer) -> None:
    commands(app, "", monitor_cmd, scan_cmd)
