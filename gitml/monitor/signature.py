"""Schema skew against the model's signature: the columns the model needs, in its types."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.models.check import check_frame
from gitml.tabular.read import iter_batches

if TYPE_CHECKING:
    from gitml.records.shapes import FindingTable

ALERTING = ("missing", "type", "shape")


def signature_findings(
    signature: Mapping[str, Any] | None, data: Path, *, format: str | None = None
) -> list[FindingTable]:
    """Findings for serving columns the signature needs but that are missing or mistyped.

    Extra serving columns (predictions, labels, ids) and out-of-range values are left to
    the profile-based checks; the signature speaks only about what the model consumes.
    """
    if not signature or not signature.get("inputs"):
        return []
    import pyarrow as pa

    first = next(iter(iter_batches(data, format=format)), None)
    if first is None:
        return []
    problems = check_frame(pa.Table.from_batches([first]), signature)
    return [
        {
            "column": p.column,
            "kind": "schema",
            "method": f"signature_{p.kind}",
            "value": 1.0,
            "threshold": 0.5,
            "alert": True,
            "message": p.message,
        }
        for p in problems
        if p.kind in ALERTING
    ]
