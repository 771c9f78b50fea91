"""The typer-free parser of ``git ml run`` accepts exactly what the typer command does."""

from __future__ import annotations

import typer

from gitml.cli import app
from gitml.cli._fastrun import _VALUE_OPTIONS, parse_run_args


def test_parses_options_and_command() -> None:
    parsed = parse_run_args(
        ["-n", "x", "--tag=a=1", "-tb=2", "-S", "lr=0.1,0.2", "-j", "2", "--", "python", "-c", "1"]
    )
    assert parsed is not None
    assert parsed["name"] == "x"
    assert parsed["tag"] == ["a=1", "b=2"]
    assert parsed["set_param"] == ["lr=0.1,0.2"]
    assert parsed["jobs"] == 2
    assert parsed["command"] == ["python", "-c", "1"]


def test_command_options_after_the_command_belong_to_it() -> None:
    parsed = parse_run_args(["python", "train.py", "-n", "3"])
    assert parsed is not None
    assert parsed["command"] == ["python", "train.py", "-n", "3"]
    assert "name" not in parsed


def test_hands_over_to_typer_for_help_typos_and_bad_numbers() -> None:
    assert parse_run_args(["-h"]) is None
    assert parse_run_args(["--nmae", "x", "--", "true"]) is None
    assert parse_run_args(["--jobs", "two", "--", "true"]) is None
    assert parse_run_args(["--name"]) is None


def test_every_typer_option_is_known_to_the_fast_parser() -> None:
    command = typer.main.get_command(app)
    run = command.commands["run"]  # type: ignore[attr-defined]
    typer_options = {o for p in run.params if p.param_type_name == "option" for o in p.opts}
    assert typer_options - {"-h", "--help"} == set(_VALUE_OPTIONS)
