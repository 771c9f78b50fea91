"""The CLI entry point: help, version, the error funnel and lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from gitml import __version__
from gitml.cli import app, main
from gitml.errors import ConfigError
from tests.support.core import gitml_process


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return gitml_process(*args, cwd=cwd)


def test_help_lists_commands() -> None:
    proc = run_cli("-h")
    assert proc.returncode == 0
    assert "Usage: git ml" in proc.stdout
    for command in ("init", "demo", "validate"):
        assert f"  {command}" in proc.stdout


def test_version_prints_package_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"gitml {__version__}\n"


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from gitml.cli import main\n"
        "try:\n    main(['-h'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pygit2', 'jsonschema', 'numpy', 'pyarrow', 'boto3', 'yaml') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: git ml" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "HEAVY="


def test_user_error_is_one_line_and_exits_1(tmp_path: Path) -> None:
    proc = run_cli("init", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "not inside a git repository" in lines[0]
    assert "Traceback" not in proc.stderr


def test_unknown_command_is_a_usage_error() -> None:
    proc = run_cli("no-such-command")
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


def test_bug_prints_unexpected_error_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    @app.command("explode-for-test", hidden=True)
    def explode() -> None:
        raise ZeroDivisionError("boom")

    try:
        assert main(["explode-for-test"]) == 3
        err = capsys.readouterr().err
        assert "unexpected error: ZeroDivisionError: boom" in err
        assert "GITML_DEBUG=1" in err
        assert "Traceback" not in err
        monkeypatch.setenv("GITML_DEBUG", "1")
        assert main(["explode-for-test"]) == 3
        assert "Traceback" in capsys.readouterr().err
    finally:
        app.registered_commands = [
            c for c in app.registered_commands if c.name != "explode-for-test"
        ]


def test_gitml_error_uses_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    @app.command("config-error-for-test", hidden=True)
    def fail() -> None:
        raise ConfigError(".gitml/config.toml: core.gc_every: 0 is less than the minimum of 1")

    try:
        assert main(["config-error-for-test"]) == 1
        assert (
            capsys.readouterr().err
            == "error: .gitml/config.toml: core.gc_every: 0 is less than the minimum of 1\n"
        )
    finally:
        app.registered_commands = [
            c for c in app.registered_commands if c.name != "config-error-for-test"
        ]


def test_keyboard_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    @app.command("interrupt-for-test", hidden=True)
    def interrupt() -> None:
        raise KeyboardInterrupt

    try:
        assert main(["interrupt-for-test"]) == 130
    finally:
        app.registered_commands = [
            c for c in app.registered_commands if c.name != "interrupt-for-test"
        ]


def test_typer_exit_code_passes_through() -> None:
    @app.command("exit-for-test", hidden=True)
    def leave() -> None:
        raise typer.Exit(4)

    try:
        assert main(["exit-for-test"]) == 4
    finally:
        app.registered_commands = [c for c in app.registered_commands if c.name != "exit-for-test"]


def test_git_ml_help_opens_the_man_page(in_repo: Path) -> None:
    bindir = Path(sys.executable).parent  # the test extra installs git-ml and its man page here
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "MANPAGER": "cat",
        "PAGER": "cat",
        "MANWIDTH": "80",
    }
    proc = subprocess.run(
        ["git", "ml", "--help"], cwd=in_repo, capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "git-native ML model management" in proc.stdout
