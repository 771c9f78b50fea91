"""Shell completion: the answers of ``git ml __complete``, and real shells using them.

bash is driven on a pseudo-terminal with git's own completion script loaded (git calls
``_git_ml`` for ``git ml``), as a person pressing TAB; zsh the same way with its own git
completion; fish through ``complete -C``, its completion engine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.registry import MODEL_FILE, init_project, record_run
from tests.terminal import Terminal, plain

GIT_BASH_COMPLETION = Path("/usr/share/bash-completion/completions/git")
BIN = str(Path(sys.executable).parent)


def complete(*words: str) -> tuple[str, list[str]]:
    """The fallback and the candidate values for the words after ``git ml``."""
    result = cli("__complete", "--", *words)
    assert result.exit_code == 0, result.stderr
    fallback, *lines = result.stdout.split("\n")[:-1]
    return fallback, [line.split("\t")[0] for line in lines]


@pytest.fixture
def project(in_repo: Path) -> Path:
    """Runs brisk-otter and calm-heron, models churn (1.0.0, 1.1.0) and fraud, dataset data."""
    init_project(in_repo)
    first = record_run(in_repo, metrics={"acc": 0.8}, model_bytes=b"m1", name="brisk-otter")
    record_run(in_repo, metrics={"acc": 0.9}, name="calm-heron")
    for model, version in (("churn", "1.0.0"), ("churn", "1.1.0"), ("fraud", "1")):
        args = ("model", "register", model, "--run", first, "--version", version)
        assert cli(*args, "--artifact", MODEL_FILE, "-q").exit_code == 0
    (in_repo / "data").mkdir()
    (in_repo / "data" / "a.csv").write_text("x\n1\n")
    assert cli("data", "add", "data", "-q").exit_code == 0
    return in_repo


def test_commands_and_groups_complete_with_descriptions() -> None:
    result = cli("__complete", "--", "pro")
    assert result.exit_code == 0, result
    assert result.stdout.startswith("\npromote\tAssign VERSION of model NAME to STAGE")
    assert complete("")[1][:3] == ["init", "validate", "run"]
    assert "__complete" not in complete("")[1]  # hidden
    assert "hook" not in complete("")[1]
    assert complete("data", "re")[1] == ["remote"]
    assert complete("data", "remote", "")[1] == ["add", "ls", "rm"]


def test_options_complete_by_prefix_and_once_unless_repeatable() -> None:
    assert complete("ls", "--l")[1] == ["--limit"]
    assert complete("-")[1] == ["-h", "--help", "--version"]
    assert "--json" not in complete("ls", "--json", "--")[1]
    assert "--tag" in complete("run", "--tag", "a=1", "--t")[1]
    assert complete("data", "add", "-")[1][:2] == ["--name", "-n"]


def test_option_values_choices_and_files() -> None:
    assert complete("lineage", "x", "--direction", "")[1] == ["up", "down", "both"]
    assert complete("data", "add", "--link", "h")[1] == ["hardlink"]
    assert complete("completion", "")[1] == ["bash", "zsh", "fish"]
    assert complete("monitor", "churn", "--data", "") == ("files", [])
    assert complete("data", "add", "") == ("files", [])
    assert complete("model", "get", "churn", "--to", "") == ("dirs", [])
    assert complete("run", "--", "pyth") == ("files", [])  # the command a run executes


def test_repository_values(project: Path) -> None:
    assert complete("show", "")[1] == ["brisk-otter", "calm-heron"]
    assert complete("compare", "brisk-otter", "c")[1] == ["calm-heron"]
    ids = complete("show", "0")[1]
    assert len(ids) == 2
    assert all(re.fullmatch(r"[0-9A-Z]{26}", i) for i in ids)
    assert complete("promote", "")[1] == ["churn", "fraud"]
    assert complete("promote", "churn", "")[1] == ["1.0.0", "1.1.0"]
    assert complete("promote", "churn", "1.1.0", "")[1] == [
        "dev",
        "staging",
        "production",
        "archived",
    ]
    assert complete("model", "get", "churn@p")[1] == ["churn@production"]
    assert complete("model", "card", "churn:1.")[1] == ["churn:1.0.0", "churn:1.1.0"]
    assert complete("model", "history", "churn", "--stage", "st")[1] == ["staging"]
    assert complete("data", "show", "")[1] == ["data"]
    assert complete("data", "push", "-r", "") == ("", [])  # no data remote configured
    assert complete("lineage", "chu") == ("files", ["churn"])


def test_runs_recorded_since_the_index_was_built_complete_too(project: Path) -> None:
    assert complete("show", "")[1] == ["brisk-otter", "calm-heron"]  # builds the index
    record_run(project, metrics={"acc": 1.0}, name="late-owl")
    assert complete("show", "l")[1] == ["late-owl"]


def test_outside_a_repository_values_are_empty_not_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert complete("show", "") == ("", [])
    assert complete("promote", "churn", "") == ("", [])


def test_completion_prints_each_shells_script() -> None:
    for shell, marker in (
        ("bash", "_git_ml()"),
        ("zsh", "#compdef git-ml gitml"),
        ("fish", "complete -c gitml"),
    ):
        result = cli("completion", shell)
        assert result.exit_code == 0
        assert marker in result.stdout
    bad = cli("completion", "tcsh")
    assert bad.exit_code == 2
    assert "use one of bash, zsh, fish" in bad.stderr


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PS1": "$ ",
        "INPUTRC": "/dev/null",
        "HISTFILE": "/dev/null",
        "HOME": str(home),
    }


def _press(term: Terminal, keys: str, expected: str | re.Pattern[str]) -> str:
    """Type ``keys``; wait until what the shell drew since matches ``expected``; clear the line."""
    start = len(term.output)
    term.send(keys)
    pattern = expected if isinstance(expected, re.Pattern) else re.compile(re.escape(expected))
    deadline = time.monotonic() + 60
    while not pattern.search(plain(term.output[start:].decode("utf-8", "replace"))):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{keys!r}: expected {pattern.pattern!r}, saw {term.text[start:]!r}"
            )
        term._read(0.5)
    term.send("\x15")  # Ctrl-U: an empty line for the next check
    return plain(term.output[start:].decode("utf-8", "replace"))


@pytest.fixture
def bash(project: Path, hermetic_git: Path) -> Iterator[Terminal]:
    if not GIT_BASH_COMPLETION.is_file() or shutil.which("bash") is None:
        pytest.skip(f"bash or git's completion script ({GIT_BASH_COMPLETION}) is not installed")
    argv = ["bash", "--norc", "--noprofile", "-i"]
    with Terminal(argv, cwd=project, env=_env(hermetic_git)) as term:
        term.send(
            f"source {GIT_BASH_COMPLETION}; source <(git ml completion bash); "
            "bind 'set show-all-if-ambiguous on'; bind 'set completion-query-items 1000'; "
            "echo READY\n"
        )
        term.read_until(re.compile(r"^READY", re.M))
        yield term


def test_bash_completes_git_ml_through_gits_completion(bash: Terminal) -> None:
    assert "git ml promote " in _press(bash, "git ml pro\t", "git ml promote ")
    models = _press(bash, "git ml promote \t", re.compile(r"churn\s+fraud"))
    assert "brisk-otter" not in models
    runs = _press(bash, "git ml show \t", re.compile(r"brisk-otter\s+calm-heron"))
    assert "churn" not in runs
    _press(bash, "git ml promote churn 1.1.0 prod\t", "git ml promote churn 1.1.0 production ")
    _press(bash, "git ml model get churn:\t", re.compile(r"1\.0\.0\s+1\.1\.0"))


def test_bash_completes_the_gitml_command(bash: Terminal) -> None:
    _press(bash, "gitml data sh\t", "gitml data show ")
    _press(bash, "gitml model get churn@st\t", "gitml model get churn@staging ")


def test_zsh_completes_git_ml_and_gitml(project: Path, hermetic_git: Path) -> None:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    with Terminal(["zsh", "-f", "-i"], cwd=project, env=_env(hermetic_git)) as term:
        term.send(
            "autoload -U compinit && compinit -u && source <(git ml completion zsh) && echo READY\n"
        )
        term.read_until(re.compile(r"^READY", re.M))
        _press(term, "git ml pro\t", "git ml promote ")
        _press(term, "git ml promote \t", re.compile(r"churn\s+fraud"))
        _press(term, "gitml show calm\t", "gitml show calm-heron")


def test_fish_completes_git_ml_and_gitml(project: Path, hermetic_git: Path) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    script = (
        "source (git ml completion fish | psub)\n"
        "complete -C 'git ml pro'; echo ===\n"
        "complete -C 'git ml promote '; echo ===\n"
        "complete -C 'gitml show '; echo ===\n"
        "complete -C 'git-ml model get churn@p'\n"
    )
    proc = subprocess.run(
        ["fish", "--no-config", "-c", script],
        cwd=project,
        env=_env(hermetic_git),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answers = [
        [line.split("\t")[0] for line in part.strip().splitlines()]
        for part in proc.stdout.split("===\n")
    ]
    assert answers == [
        ["promote"],
        ["churn", "fraud"],
        ["brisk-otter", "calm-heron"],
        ["churn@production"],
    ]


def test_completion_leaves_the_repository_as_it_was(project: Path) -> None:
    before = (git(project, "for-each-ref"), git(project, "status", "--porcelain"))
    complete("show", "")
    complete("promote", "churn", "")
    complete("data", "show", "")
    assert (git(project, "for-each-ref"), git(project, "status", "--porcelain")) == before
