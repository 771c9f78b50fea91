"""The typer-free parser reads ``git ml run`` lines exactly as the typer command does."""

from __future__ import annotations

from typing import Any

from gitml.cli._parse import parse_args
from gitml.cli._spec import COMMANDS


def _parse(argv: list[str]) -> dict[str, Any] | None:
    return parse_args(COMMANDS[("run",)], argv)


def test_parses_options_and_command() -> None:
    parsed = _parse(
        ["-n", "x", "--tag=a=1", "-tb=2", "-S", "lr=0.1,0.2", "-j", "2", "--", "python", "-c", "1"]
    )
    assert parsed is not None
    assert parsed["name"] == "x"
    assert parsed["tag"] == ["a=1", "b=2"]
    assert parsed["set_param"] == ["lr=0.1,0.2"]
    assert parsed["jobs"] == 2
    assert parsed["command"] == ["python", "-c", "1"]


def test_command_options_after_the_command_belong_to_it() -> None:
    parsed = _parse(["python", "train.py", "-n", "3"])
    assert parsed is not None
    assert parsed["command"] == ["python", "train.py", "-n", "3"]
    assert parsed["name"] is None


def test_hands_over_to_typer_for_help_typos_and_bad_numbers() -> None:
    assert _parse(["-h"]) is None
    assert _parse(["--nmae", "x", "--", "true"]) is None
    assert _parse(["--jobs", "two", "--", "true"]) is None
    assert _parse(["--name"]) is None
