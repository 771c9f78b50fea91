"""The body of ``git ml model validate``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.models.check import check_frame, errors
from gitml.models.package import PackageError, read_package
from gitml.models.signature import read_table
from gitml.registry.query import parse_ref, resolve


def validate(*, ref: str, data: Path, json: bool = False, quiet: bool = False) -> int:
    """Check input data against a model's signature: missing, extra, mistyped, out of range."""
    if Path(ref).is_dir():
        signature = read_package(ref).get("signature")
        label = ref
    else:
        repo, settings = repo_and_settings()
        doc = resolve(repo, settings, parse_ref(ref))
        signature = doc.get("signature")
        label = f"{doc['model']} {doc['version']}"
    if not signature:
        raise PackageError(
            f"{label} has no signature; register it with `gitml.log_model(..., "
            "input_example=...)` or `git ml model register ... --signature-from FILE`"
        )
    problems = check_frame(read_table(data), signature)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"model": label, "data": str(data), "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            (out.error if problem.severity == "error" else out.warn)(problem.message)
        if not problems:
            out.summary(f"{data}: conforms to the signature of {label}")
    return 1 if errors(problems) else 0
