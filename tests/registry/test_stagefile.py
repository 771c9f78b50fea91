"""Parsing, writing and diffing ``.gitml/stages.toml``."""

from __future__ import annotations

import pytest

from gitml.config import Settings
from gitml.registry.stagefile import (
    DEFAULT_HEADER,
    Assignments,
    InvalidStages,
    ParsedStages,
    Transition,
    apply_transition,
    diff,
    dumps,
    parse,
)

SETTINGS = Settings()
TEXT = """# Our stages.
# Reviewed by the ML leads.
schema = "gitml/stages/1"

[models.churn]
staging = "1.5.0"
production = "1.4.0"
archived = ["1.1.0", "1.0.0"]
"""


def test_parse_reads_stages_and_keeps_the_header() -> None:
    parsed = parse(TEXT, settings=SETTINGS)
    assert parsed.assignments == {
        "churn": {"staging": "1.5.0", "production": "1.4.0", "archived": ("1.0.0", "1.1.0")}
    }
    assert parsed.header == "# Our stages.\n# Reviewed by the ML leads.\n"


def test_dumps_is_canonical_with_the_header() -> None:
    text = dumps(parse(TEXT, settings=SETTINGS))
    assert text == (
        "# Our stages.\n# Reviewed by the ML leads.\n"
        'schema = "gitml/stages/1"\n\n'
        "[models.churn]\n"
        'archived = [\n    "1.0.0",\n    "1.1.0",\n]\n'
        'production = "1.4.0"\n'
        'staging = "1.5.0"\n'
    )
    assert dumps(parse(text, settings=SETTINGS)) == text


def test_dumps_of_nothing_is_the_template() -> None:
    assert dumps(ParsedStages()) == DEFAULT_HEADER + 'schema = "gitml/stages/1"\n\n[models]\n'


def test_syntax_error_names_the_file_and_line() -> None:
    with pytest.raises(InvalidStages) as info:
        parse('schema = "gitml/stages/1"\n[models.churn]\nproduction = 1.4.0"\n')
    assert str(info.value).startswith(".gitml/stages.toml: invalid TOML:")
    assert "line 3" in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('prod = "1.0.0"', "models.churn.prod: unknown stage 'prod' (stages: dev, staging"),
        ("production = 3", "models.churn.production: must be a version string"),
        ('production = ["1.0.0"]', "models.churn.production: holds one version"),
        ('archived = ["1.0.0", "1.0.0"]', "models.churn.archived: lists a version twice"),
    ],
)
def test_bad_values_name_the_field(body: str, message: str) -> None:
    with pytest.raises(InvalidStages, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse(f'schema = "gitml/stages/1"\n[models.churn]\n{body}\n', settings=SETTINGS)


def test_unknown_model_and_version_are_named() -> None:
    text = 'schema = "gitml/stages/1"\n[models.churn]\nproduction = "9.9.9"\n'
    with pytest.raises(InvalidStages, match=r"models\.churn\.production: version '9\.9\.9'"):
        parse(text, versions={"churn": ["1.0.0"]})
    with pytest.raises(InvalidStages, match="model 'churn' has no registered version"):
        parse(text, versions={})


def test_wrong_schema_and_invalid_model_name_are_named() -> None:
    with pytest.raises(InvalidStages, match='schema: must be "gitml/stages/1"'):
        parse("[models]\n")
    with pytest.raises(InvalidStages, match=r"models\.Churn: 'Churn' is not a valid model name"):
        parse('schema = "gitml/stages/1"\n[models.Churn]\ndev = "1"\n')


def test_diff_lists_assign_replace_unassign_and_archive() -> None:
    old: Assignments = {
        "churn": {"production": "1.3.0", "staging": "1.4.0", "archived": ("1.0.0",)}
    }
    new: Assignments = {
        "churn": {"production": "1.4.0", "archived": ("1.0.0", "1.1.0")},
        "fraud": {"dev": "2"},
    }
    assert diff(old, new) == [
        Transition("churn", "archived", "assign", "1.1.0"),
        Transition("churn", "production", "assign", "1.4.0", "1.3.0"),
        Transition("churn", "staging", "unassign", "1.4.0"),
        Transition("fraud", "dev", "assign", "2"),
    ]
    assert diff(new, new) == []


def test_apply_transition_replays_diff() -> None:
    old: Assignments = {
        "churn": {"production": "1.3.0", "staging": "1.4.0", "archived": ("1.0.0",)}
    }
    new: Assignments = {"churn": {"production": "1.4.0", "archived": ("1.1.0",)}}
    state: Assignments = {"churn": dict(old["churn"])}
    for t in diff(old, new):
        apply_transition(state, t, t.stage == "archived")
    assert state == new


@pytest.mark.parametrize(
    "text",
    [
        'schema = "gitml/stages/1"\n',
        'schema = "gitml/stages/1"\n[models]\n',
        'schema = "gitml/stages/1"\n[models.churn]\ndev = "1"\narchived = ["1", "2"]\n',
        'schema = "gitml/stages/2"\n',
        'schema = "gitml/stages/1"\nextra = 1\n',
        'schema = "gitml/stages/1"\nmodels = 3\n',
        'schema = "gitml/stages/1"\n[models.Churn]\ndev = "1"\n',
        'schema = "gitml/stages/1"\n[models.churn]\nDev = "1"\n',
        'schema = "gitml/stages/1"\n[models.churn]\ndev = ""\n',
        'schema = "gitml/stages/1"\n[models.churn]\ndev = 1\n',
        'schema = "gitml/stages/1"\n[models.churn]\narchived = [1]\n',
        'schema = "gitml/stages/1"\nmodels = { churn = 3 }\n',
    ],
)
def test_parse_agrees_with_the_json_schema(text: str) -> None:
    import tomllib

    from gitml.records.schema import find_errors

    schema_ok = not find_errors(tomllib.loads(text), "stages", strict=True)
    try:
        parse(text)
    except InvalidStages:
        parsed_ok = False
    else:
        parsed_ok = True
    assert parsed_ok == schema_ok
