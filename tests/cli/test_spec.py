"""The generated spec is what the typer declarations say, and the bodies are typer-free."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from gitml.cli import _generate, runs
from gitml.cli._body import options_body
from gitml.cli._declare import followed_by, narrowed
from gitml.cli._options import output_options
from gitml.cli._run_request import RunOptions
from gitml.cli._spec import COMMANDS


def test_spec_is_generated_from_the_typer_app() -> None:
    # Out of date: run `python -m gitml.cli._generate` and commit gitml/cli/_spec.py.
    assert _generate.SPEC.read_text("utf-8") == _generate.build()


def test_bodies_take_exactly_the_declared_keywords() -> None:
    for path, command in COMMANDS.items():
        module, _, name = command.body.partition(":")
        body = getattr(__import__(module, fromlist=[name]), name)
        parameters = inspect.signature(body).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values()), path
        assert list(parameters) == [p.dest for p in command.params], path


def test_importing_every_body_loads_neither_typer_nor_pygit2() -> None:
    modules = sorted({command.body.partition(":")[0] for command in COMMANDS.values()})
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in ('typer', 'click', 'pygit2') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_building_the_typer_app_imports_no_body() -> None:
    code = (
        "import sys, typer\nfrom gitml.cli._app import app\ntyper.main.get_command(app)\n"
        "print(sorted(m for m in sys.modules if m.startswith('gitml.cli.bodies.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_narrowing_names_only_what_is_there() -> None:
    with pytest.raises(ValueError, match=r"^run has no parameter gpu$"):
        narrowed(runs.run, name="run", without=("gpu",), doc="A run.")
    with pytest.raises(ValueError, match=r"^RunOptions has no field gpu$"):
        options_body(RunOptions, without=("gpu",))


def test_a_group_of_options_follows_the_declaration_once() -> None:
    def gc(yes: bool = False) -> None:
        """Collect."""

    declared = followed_by(output_options)(gc)
    assert list(inspect.signature(declared).parameters) == ["yes", "json", "quiet"]
    assert (declared.__name__, declared.__doc__) == ("gc", "Collect.")
    with pytest.raises(ValueError, match=r"^gc takes json, quiet twice$"):
        followed_by(output_options, output_options)(gc)
