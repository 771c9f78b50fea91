"""The typer-free path reads every command line exactly as typer does, or hands it to typer.

Both paths are held to the same output (stdout, stderr, exit code) for the help of every
command and group and for every kind of bad line, and to the same keyword arguments for
the bodies on valid lines, for every command and option of the generated spec.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitml.cli import _declare, main
from gitml.cli._parse import (
    ARG,
    ARGS,
    FLAG,
    FLOAT,
    INT,
    MULTI,
    PATH,
    TAIL,
    Call,
    Command,
    Help,
    parse,
    parse_args,
)
from gitml.cli._spec import COMMANDS, GROUPS, HELP
from tests.support.core import git

PATHS = sorted(COMMANDS)


def _run(argv: list[str], *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("GITML_FAST_CLI", "1" if fast else "0")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _same(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    fast = _run(argv, fast=True, monkeypatch=monkeypatch)
    slow = _run(argv, fast=False, monkeypatch=monkeypatch)
    assert fast == slow, argv
    return fast


@pytest.mark.parametrize(
    "path", sorted(GROUPS | set(COMMANDS)), ids=lambda p: " ".join(p) or "git ml"
)
def test_help_is_typers_own_for_every_command_and_group(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(parse([*path, "-h"], COMMANDS, GROUPS), Help)
    for option in ("-h", "--help"):
        code, out, err = _same([*path, option], monkeypatch)
        assert (code, out, err) == (0, HELP[path], "")


def test_a_narrow_terminal_gets_typers_help_rendered_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert parse(["ls", "-h"], COMMANDS, GROUPS) is None
    code, out, _err = _same(["ls", "-h"], monkeypatch)
    assert code == 0
    assert out != HELP[("ls",)]
    assert max(len(line) for line in out.splitlines()) <= 58


def _bad_lines(path: tuple[str, ...], command: Command) -> list[list[str]]:
    """Lines typer must refuse: unknown options, missing values, bad numbers, missing args."""
    base = [*path]
    required = [p for p in command.params if p.required]
    filled: list[str] = []
    for p in required:
        filled += [*p.opts[:1], "x"] if not p.positional else ["x"]
    lines = [[*base, *filled, "--no-such-option"], [*base, *filled, "--json=yes"]]
    for p in command.params:
        if p.positional or p.kind == FLAG:
            continue
        lines.append([*base, *filled, p.opts[0]])  # the value is missing
        if p.kind in (INT, FLOAT):
            lines.append([*base, *filled, p.opts[0], "ten"])
            lines.append([*base, *filled, f"{p.opts[0]}=1.5.2"])
    if required:
        lines.append(base)
    if not any(p.kind in (ARGS, TAIL) for p in command.params):
        lines.append([*base, *filled, "one", "two", "three", "four"])
    return lines


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_bad_lines_get_typers_errors_for_every_option(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no repository: nothing a body could change
    for argv in _bad_lines(path, COMMANDS[path]):
        if argv[-1] != "--json=yes" or any(p.dest == "json" for p in COMMANDS[path].params):
            assert parse(argv, COMMANDS, GROUPS) is None, argv
        code, out, err = _same(argv, monkeypatch)
        assert code == 2, (argv, err)
        assert out == ""
        assert "Error: " in err, (argv, err)


_SAMPLE = {ARG: "a1", TAIL: "t1", ARGS: "a1", PATH: "p/1", INT: "7", FLOAT: "2.5", MULTI: "m1"}


def _full_line(path: tuple[str, ...], command: Command) -> list[str]:
    """A valid line that sets every parameter (options in both spellings)."""
    line = [*path]
    positionals: list[str] = []
    for n, p in enumerate(command.params):
        if p.positional:
            value = _SAMPLE.get(p.kind, "x")
            positionals += [value, value + "b"] if p.kind in (ARGS, TAIL) else [value]
        elif p.kind == FLAG:
            line.append(p.opts[-1])
        elif p.kind == MULTI:
            line += [
                p.opts[0],
                "m1",
                f"{p.opts[-1]}={'m2'}" if p.opts[-1].startswith("--") else p.opts[-1] + "m2",
            ]
        else:
            value = _SAMPLE.get(p.kind, f"v{n}")
            line.append(f"{p.opts[0]}={value}" if n % 2 else p.opts[0])
            if not n % 2:
                line.append(value)
    return [*line, *positionals]


def _typer_kwargs(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def record(target: str, kwargs: dict[str, Any]) -> int:
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(_declare, "call_body", record)
    monkeypatch.setenv("GITML_FAST_CLI", "0")
    from gitml.cli._app import main as typer_main

    assert typer_main(argv) == 0, argv
    return seen


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_valid_lines_give_the_body_what_typer_gives_it(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = COMMANDS[path]
    minimal = [*path]
    for p in command.params:
        if p.required:
            minimal += ["x"] if p.positional else [p.opts[0], "x"]
    for argv in (minimal, _full_line(path, command)):
        monkeypatch.delenv("GITML_FAST_CLI", raising=False)
        found = parse(argv, COMMANDS, GROUPS)
        assert isinstance(found, Call), argv
        assert found.body == command.body
        assert found.kwargs == _typer_kwargs(argv, monkeypatch), argv


def test_options_attached_separate_and_after_arguments() -> None:
    ls = COMMANDS[("ls",)]
    line = ["-w", "metrics.acc > 1", "--sort=-metrics.acc", "--sort", "name", "-cid,name"]
    parsed = parse_args(ls, [*line, "--limit=5"])
    assert parsed is not None
    assert parsed["where"] == "metrics.acc > 1"
    assert parsed["sort"] == ["-metrics.acc", "name"]
    assert parsed["columns"] == "id,name"
    assert parsed["limit"] == 5
    assert parsed["all_"] is False
    promote = parse_args(COMMANDS[("promote",)], ["churn", "--json", "1.0.0", "-b", "production"])
    assert promote is not None
    assert (promote["name"], promote["version"], promote["stage"]) == (
        "churn",
        "1.0.0",
        "production",
    )
    assert promote["branch"] is True
    get = parse_args(COMMANDS[("model", "get")], ["churn@production", "--to", "out"])
    assert get is not None
    assert get["to"] == Path("out")
    assert get["fmt"] == "gitml"


def _cli(cwd: Path, *args: str, fast: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITML_FAST_CLI": "1" if fast else "0", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "gitml", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


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
        ["data", "ls"],
        ["ui", "--port", "70000"],
        ["data", "add", "x", "--link", "sideways"],
    ]
    for argv in cases:
        fast, slow = _cli(repo, *argv), _cli(repo, *argv, fast=False)
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            slow.returncode,
            slow.stdout,
            slow.stderr,
        ), argv
    assert "--limit -1: must be 0 (all) or more" in _cli(repo, "ls", "--limit", "-1").stderr
    shown = json.loads(_cli(repo, "show", "first", "--json").stdout)
    assert shown["metrics"] == {"acc": 0.75}


def test_commands_and_help_do_not_import_typer(repo_with_commit: Path) -> None:
    code = (
        "import sys\n"
        "from gitml.cli import main\n"
        "codes = [main(['ls', '--json']), main(['-h']), main(['data', 'remote', 'add', '-h'])]\n"
        "print('typer' in sys.modules, 'click' in sys.modules, 'pygit2' in sys.modules, codes)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_with_commit,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GITML_FAST_CLI": "1", "COLUMNS": "100"},
    )
    assert proc.stdout.strip().splitlines()[-1] == "False False False [0, 0, 0]"
