"""Meta-tests over schemas/: every schema is valid and every kind round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.schema import find_errors, iter_schema_files, validate, validate_record

SAMPLES = Path(__file__).parent / "samples"
KINDS = [kind for kind, _ in iter_schema_files()]


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = dict(iter_schema_files())[kind]
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"gitml/{kind}/1"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_sample_that_round_trips(kind: str) -> None:
    sample = SAMPLES / f"{kind}.toml"
    assert sample.is_file(), f"add tests/records/samples/{kind}.toml for schema {kind}"
    doc = codec.loads(sample.read_text("utf-8"), where=str(sample))
    assert find_errors(doc, kind) == []
    again = codec.loads(codec.dumps(doc), where="round-trip")
    assert again == doc
    assert codec.dumps(again) == codec.dumps(doc)


def test_validation_error_names_record_and_field() -> None:
    doc = {"schema": "gitml/policy/1", "stage": {"production": {"min_metrics": {"acc": "x"}}}}
    with pytest.raises(InvalidRecord) as info:
        validate(doc, "policy", where=".gitml/policy.toml")
    assert (
        str(info.value)
        == ".gitml/policy.toml: stage.production.min_metrics.acc: 'x' is not of type 'number'"
    )


def test_unknown_field_is_named() -> None:
    doc = {"schema": "gitml/policy/1", "stage": {"production": {"min_metric": {"acc": 0.9}}}}
    errors = find_errors(doc, "policy")
    assert errors == ["stage.production.min_metric: is not a known field (check the spelling)"]


def test_missing_required_field_is_named() -> None:
    errors = find_errors({"schema": "gitml/layout/1", "collection": "runs", "fanout": 1}, "layout")
    assert errors == ["shard: is required"]


def test_validate_record_reads_kind_from_schema_tag() -> None:
    assert (
        validate_record(
            {"schema": "gitml/layout/1", "collection": "runs", "fanout": 1, "shard": "x"}, where="l"
        )
        == "layout"
    )
    with pytest.raises(InvalidRecord, match="schema: is required"):
        validate_record({"collection": "runs"}, where="l")
    with pytest.raises(InvalidRecord, match="not a gitml schema tag"):
        validate_record({"schema": "other/thing"}, where="l")
    with pytest.raises(InvalidRecord, match="no schema for record kind 'nope'"):
        validate_record({"schema": "gitml/nope/1"}, where="l")
