"""Where a parsed document becomes a typed record: after its schema has passed it.

``typed(doc, "run", where=path)`` validates ``doc`` against ``schemas/run.schema.json``
(raising InvalidRecord naming ``where`` and the first bad field) and returns it as a
``RunRecord``; the same dict, so it costs nothing beyond the validation. ``where=None``
is for documents validated when they were stored: rows of the query index, which
indexes only records its parser validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from gitml.records.shapes import (
        AppliedRecord,
        DatasetRecord,
        LinkRecord,
        ModelVersionRecord,
        MonitorReportRecord,
        PointerRecord,
        ProfileRecord,
        QueueEntryRecord,
        QueueEventRecord,
        RunRecord,
        StageEventRecord,
        StagesRecord,
    )


@overload
def typed(doc: Mapping[str, Any], kind: Literal["run"], *, where: str | None) -> RunRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["model-version"], *, where: str | None
) -> ModelVersionRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["stage-event"], *, where: str | None
) -> StageEventRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["applied"], *, where: str | None
) -> AppliedRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["dataset"], *, where: str | None
) -> DatasetRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["pointer"], *, where: str | None
) -> PointerRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["profile"], *, where: str | None
) -> ProfileRecord: ...
@overload
def typed(doc: Mapping[str, Any], kind: Literal["link"], *, where: str | None) -> LinkRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["monitor-report"], *, where: str | None
) -> MonitorReportRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["queue-entry"], *, where: str | None
) -> QueueEntryRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["queue-event"], *, where: str | None
) -> QueueEventRecord: ...
@overload
def typed(
    doc: Mapping[str, Any], kind: Literal["stages"], *, where: str | None
) -> StagesRecord: ...
def typed(doc: Mapping[str, Any], kind: str, *, where: str | None) -> Any:
    """``doc`` as the shape of ``kind``, validated first unless ``where`` is None."""
    if where is not None:
        from gitml.records.validator import validate  # index rows need none: a lazy import

        validate(doc, kind, where=where)
    return doc
