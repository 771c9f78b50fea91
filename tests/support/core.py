"""Real git as the oracle (``git``), the in-process CLI (``cli``), fixed dates, free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

FIXED_DATE = "2026-01-02T03:04:05+00:00"


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run the real git CLI (the oracle) and return its stdout."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


class CliResult:
    """What one in-process CLI call printed and returned."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return (
            f"CliResult(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"
        )


def cli(*args: str) -> CliResult:
    """Run ``git ml ARGS`` in-process through the real entry point (with its error funnel)."""
    import contextlib
    import io

    from gitml.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ok(*args: str) -> str:
    """``cli(*args)``, which must succeed; its stdout."""
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


def gitml_process(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m gitml ARGS`` as a process of its own, with this checkout's code."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gitml", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
