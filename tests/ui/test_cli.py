"""``git ml ui`` and ``git ml report`` as commands: start-up, bad input, the report file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.core import cli
from tests.support.ui import fetch, ls_json, report_payload

ROOT = Path(__file__).resolve().parents[2]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def ui_process(
    cwd: Path, env: dict[str, str], *args: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``git ml ui ARGS`` as a real process; yields it and the first line it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitml", "ui", *args],
        cwd=cwd,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # As in a terminal's foreground job: a test run started in the background inherits
        # SIGINT ignored, and Python then leaves it ignored (no KeyboardInterrupt).
        preexec_fn=_default_sigint,
    )
    try:
        assert proc.stderr is not None
        yield proc, proc.stderr.readline()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_ui_serves_until_ctrl_c(sweep_repo: Path, sweep_env: dict[str, str]) -> None:
    with ui_process(sweep_repo, sweep_env, "--port", "0") as (proc, line):
        found = re.search(r"at (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)", line)
        assert found, line
        url = found.group(1)
        page = json.loads(fetch(url + "api/runs")[2])
        assert page["total"] == 6
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert "gitml ui: stopped" in err


def test_ui_on_another_host_warns(sweep_repo: Path, sweep_env: dict[str, str]) -> None:
    # 127.0.0.2 is loopback on Linux, but not the default address: the warning is the point.
    with ui_process(sweep_repo, sweep_env, "--host", "127.0.0.2", "--port", "0") as (proc, line):
        assert line.startswith("warning: listening on 127.0.0.2: anyone who can reach")
        assert proc.stderr is not None
        assert "http://127.0.0.2:" in proc.stderr.readline()


def test_ui_on_a_port_in_use_says_which_and_what_to_do(in_repo: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("ui", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use; choose another with --port N "
        "(or --port 0 for any free port)\n"
    )


def test_ui_outside_a_repository_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("ui", "--port", "0")
    assert result.exit_code == 1
    assert "not inside a git repository" in result.stderr


def test_help_does_not_import_the_server() -> None:
    code = (
        "import sys\n"
        "from gitml.cli import main\n"
        "main(['-h'])\n"
        "main(['ui', '-h'])\n"
        "main(['report', '-h'])\n"
        "bad = [m for m in ('gitml.ui', 'gitml.ui.server', 'http.server') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "--port" in proc.stdout
    assert "--output" in proc.stdout


def test_report_of_named_runs_writes_one_file(
    sweep_repo: Path, sweep_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = ls_json(sweep_repo, sweep_env)
    monkeypatch.chdir(sweep_repo)
    target = tmp_path / "two.html"
    result = cli("report", runs[0]["id"], runs[1]["name"], "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {target} (2 runs)\n"
    payload = report_payload(target)
    assert [r["id"] for r in payload["comparison"]["runs"]] == [runs[0]["id"], runs[1]["id"]]
    assert [d["run"]["id"] for d in payload["details"]] == [runs[0]["id"], runs[1]["id"]]


def test_report_by_query_holds_the_matching_runs_oldest_first(
    sweep_repo: Path, sweep_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [r["id"] for r in ls_json(sweep_repo, sweep_env, "--where", "params.depth = 4")]
    monkeypatch.chdir(sweep_repo)
    target = tmp_path / "q.html"
    result = cli("report", "--where", "params.depth = 4", "-o", str(target))
    assert result.exit_code == 0, result.output
    payload = report_payload(target)
    assert [r["id"] for r in payload["comparison"]["runs"]] == list(reversed(expected))
    assert payload["matched"] == 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "error: name the runs to report: git ml report RUN… or --where EXPR\n"),
        (("x", "--where", "status = 'completed'"), 2, "error: give runs or --where, not both\n"),
        (
            ("--where", "params.lr = 7"),
            1,
            "error: no runs match --where 'params.lr = 7' on this branch (--all searches every branch)\n",
        ),
        (("--where", "params.lr = "), 2, None),
        (
            ("no-such-run",),
            1,
            "error: no run matches 'no-such-run' (id, id prefix or name); `git ml ls --all` lists runs\n",
        ),
    ],
)
def test_report_bad_input_fails_clearly(
    sweep_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    message: str | None,
) -> None:
    monkeypatch.chdir(sweep_repo)
    target = tmp_path / "r.html"
    result = cli("report", *args, "-o", str(target))
    assert result.exit_code == code
    if message is not None:
        assert result.stderr == message
    else:
        assert result.stderr.startswith("error: --where: expected a value")
    assert not target.exists()


def test_report_to_an_unwritable_place_fails_clearly(
    sweep_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sweep_repo)
    target = tmp_path / "missing-dir" / "r.html"
    result = cli("report", "--where", "params.depth = 4", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {target}: No such file or directory\n"
