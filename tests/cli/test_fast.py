"""The typer-free dispatcher mirrors the typer commands exactly and behaves like them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from gitml.cli import app
from gitml.cli._fast import ARG, ARGS, COMMANDS, FLAG, INT, MULTI, PATH, TAIL, TEXT, Param, parse
from tests.conftest import git, gitml_process


def _param(p: Any, interspersed: bool) -> Param:
    """What the fast table must say about a click parameter typer built."""
    assert p.name is not None
    if p.param_type_name == "argument":
        if p.nargs != -1:
            return Param(p.name, ARG, required=p.required)
        return Param(p.name, ARGS if interspersed else TAIL, required=p.required)
    assert p.param_type_name == "option"
    assert not p.secondary_opts, f"{p.name}: --no-x flags are not in the fast table"
    if p.is_flag:
        return Param(p.name, FLAG, tuple(p.opts), p.default, p.required)
    if p.multiple:
        return Param(p.name, MULTI, tuple(p.opts), None, p.required)
    kinds = {"IntParamType": INT, "StringParamType": TEXT, "Path": PATH, "TyperPath": PATH}
    kind = next((kinds[c.__name__] for c in type(p.type).__mro__ if c.__name__ in kinds), None)
    if kind == PATH:
        checked = p.type.exists or p.type.resolve_path or p.type.writable
        assert not checked, f"{p.name}: a checked path goes to typer"
        assert p.type.file_okay, p.name
        assert p.type.dir_okay, p.name
    assert kind is not None, f"{p.name}: type {p.type!r} is not in the fast table"
    return Param(p.name, kind, tuple(p.opts), p.default, p.required)


def _typer_command(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_fast_table_matches_the_typer_declaration(path: tuple[str, ...]) -> None:
    command = _typer_command(path)
    interspersed = command.context_settings.get("allow_interspersed_args", True)
    expected = tuple(_param(p, interspersed) for p in command.params if p.name != "help")
    assert COMMANDS[path][1] == expected


def test_parses_options_anywhere_attached_or_separate() -> None:
    params = COMMANDS[("ls",)][1]
    parsed = parse(params, ["-w", "metrics.acc > 1", "--sort=-metrics.acc", "-s", "name", "-n5"])
    assert parsed is not None
    assert parsed["where"] == "metrics.acc > 1"
    assert parsed["sort"] == ["-metrics.acc", "name"]
    assert parsed["limit"] == 5
    assert parsed["json"] is False
    assert parsed["all_"] is False
    promote = parse(COMMANDS[("promote",)][1], ["churn", "--json", "1.0.0", "-b", "production"])
    assert promote is not None
    assert (promote["name"], promote["version"], promote["stage"]) == (
        "churn",
        "1.0.0",
        "production",
    )
    assert promote["branch"] is True
    assert promote["json"] is True
    get = parse(COMMANDS[("model", "get")][1], ["churn@production", "--to", "out"])
    assert get is not None
    assert get["to"] == Path("out")
    assert get["fmt"] == "gitml"


@pytest.mark.parametrize(
    ("path", "argv"),
    [
        (("ls",), ["-h"]),
        (("ls",), ["--limit", "ten"]),
        (("ls",), ["--where"]),
        (("ls",), ["--wehre", "x"]),
        (("ls",), ["-ab"]),
        (("ls",), ["--json=yes"]),
        (("ls",), ["stray"]),
        (("show",), []),
        (("show",), ["a", "b"]),
        (("compare",), []),
        (("promote",), ["churn", "1.0.0"]),
        (("model", "register"), ["churn"]),
    ],
)
def test_hands_over_to_typer_for_help_typos_and_bad_lines(
    path: tuple[str, ...], argv: list[str]
) -> None:
    assert parse(COMMANDS[path][1], argv) is None


def _cli(cwd: Path, *args: str, fast: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"GITML_FAST_CLI": "1" if fast else "0", "COLUMNS": "200"}
    return gitml_process(*args, cwd=cwd, env=env)


def test_fast_and_typer_paths_print_the_same(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    assert _cli(repo, "init").returncode == 0
    git(repo, "add", ".gitml")
    git(repo, "commit", "-q", "-m", "gitml")
    (repo / "train.py").write_text("import gitml\ngitml.log_metric('acc', 0.75)\n")
    git(repo, "add", "train.py")
    git(repo, "commit", "-q", "-m", "train")
    assert _cli(repo, "run", "-n", "first", "--", sys.executable, "train.py").returncode == 0
    cases = [
        ["ls"],
        ["ls", "--json", "--where", "metrics.acc > 0.5"],
        ["ls", "--where", "metrics.acc >"],
        ["ls", "--limit", "-1"],
        ["show", "first", "--json"],
        ["show", "nope"],
        ["model", "show", "nope"],
        ["model", "ls", "--json"],
        ["promote", "nope", "1.0.0", "production"],
        ["registry", "verify", "--json"],
    ]
    for argv in cases:
        fast, slow = _cli(repo, *argv), _cli(repo, *argv, fast=False)
        assert fast.returncode == slow.returncode, (argv, fast.stderr, slow.stderr)
        if argv[-1] == "-1":
            assert "must be 0 (all) or more" in fast.stderr
            assert "--limit" in slow.stderr
            continue
        assert fast.stdout == slow.stdout, argv
        assert fast.stderr == slow.stderr, argv
    shown = json.loads(_cli(repo, "show", "first", "--json").stdout)
    assert shown["metrics"] == {"acc": 0.75}


def test_fast_commands_do_not_import_typer(repo_with_commit: Path) -> None:
    code = (
        "import sys\n"
        "from gitml.cli import main\n"
        "code = main(['ls', '--json'])\n"
        "print('typer' in sys.modules, 'click' in sys.modules, code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_with_commit,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GITML_FAST_CLI": "1"},
    )
    assert proc.stdout.strip().splitlines()[-1] == "False False 0"
