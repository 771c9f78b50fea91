"""Command-line conventions, walked over every command the typer app declares.

One meaning per short flag; ``-q/--quiet`` wherever a command reports progress or a
summary; usage lines and option metavars written the conventional way (``NAME VERSION
STAGE``, ``RUN...``, ``--jobs N``), never typer's ``{name}`` or ``<str>``; and the exit
statuses the man page and README document.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import typer

from gitml.cli import app
from gitml.cli._generate import iter_commands
from gitml.cli._spec import COMMANDS, GROUPS, HELP
from gitml.errors import ALERT_EXIT
from tests.support.core import cli

ROOT = Path(__file__).resolve().parents[2]
# Commands whose output is the answer itself (a table, a document, JSON, a script): a
# quiet mode would print nothing at all, so they have none.
ANSWERS = {
    ("ls",): "a table of runs",
    ("show",): "a run",
    ("compare",): "a comparison",
    ("demo",): "a walk-through whose output is the point",
    ("status",): "the stale stages",
    ("dag",): "the stage graph",
    ("lineage",): "the lineage tree",
    ("ui",): "a server; --verbose says more",
    ("completion",): "a completion script",
    ("data", "status"): "the changed files",
    ("data", "diff"): "the differences",
    ("data", "ls"): "a table of datasets",
    ("data", "show"): "a dataset",
    ("data", "remote", "ls"): "a table of remotes",
    ("model", "ls"): "a table of models",
    ("model", "show"): "a model",
    ("model", "history"): "a table of events",
    ("queue", "status"): "a table of queued runs",
    ("queue", "logs"): "what a queued run printed",
}
# An argument or option metavar: upper-case words joined by | @ : (a literal lower-case
# word may stand after |, as in MODEL|log), in [brackets] when optional, ... when repeated.
WORD = r"[A-Z][A-Z0-9_]*"
METAVAR = re.compile(
    rf"(-- )?\[?{WORD}(?:[|@:](?:{WORD}|[a-z]+)|=\S+|\[?{WORD}\]?)*\]?(\.\.\.)?"
    rf"|\[{WORD}:\]{WORD}={WORD}|\[{WORD} \[{WORD}\]\]"
)


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(app)
    return [(path, cmd) for path, cmd, is_group in iter_commands(root) if not is_group]


def _visible() -> list[tuple[tuple[str, ...], Any]]:
    return [(path, cmd) for path, cmd in _commands() if not cmd.hidden]


def _options(cmd: Any) -> list[Any]:
    return [p for p in cmd.params if p.param_type_name == "option"]


def test_each_short_flag_means_one_thing_across_all_commands() -> None:
    meanings: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path, cmd in _commands():
        for param in _options(cmd):
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts if not o.startswith("--")):
                meanings[short][longs[0]].append(" ".join(path))
    clashes = {short: dict(longs) for short, longs in meanings.items() if len(longs) > 1}
    assert clashes == {}
    assert set(meanings["-q"]) == {"--quiet"}
    assert set(meanings["-n"]) == {"--name"}
    assert set(meanings["-v"]) <= {"--verbose"}


def test_every_command_that_reports_takes_quiet() -> None:
    missing = [
        " ".join(path)
        for path, cmd in _visible()
        if path not in ANSWERS and not any("--quiet" in p.opts for p in _options(cmd))
    ]
    assert missing == []
    stale = [path for path in ANSWERS if path not in dict(_visible())]
    assert stale == []


@pytest.mark.parametrize(
    "path", sorted(GROUPS | set(COMMANDS)), ids=lambda p: " ".join(p) or "root"
)
def test_help_follows_the_usage_conventions(path: tuple[str, ...]) -> None:
    text = HELP[path]
    assert cli(*path, "-h").stdout == text  # what a user sees is what is checked
    usage = text.splitlines()[0]
    prefix = " ".join(("Usage: git ml", *path, "[OPTIONS]"))
    assert usage.startswith(prefix), usage
    rest = usage[len(prefix) :].strip()
    if path in GROUPS:
        assert rest == "COMMAND [ARGS]...", usage
        return
    assert "{" not in usage, usage
    assert "<" not in usage, usage
    pieces = re.findall(r"\[OLD \[NEW\]\]|-- \S+|\S+", rest)
    assert all(METAVAR.fullmatch(p) for p in pieces), usage
    for line in text.splitlines():
        assert len(line) <= 80, line
        assert not re.search(r"<\w+>", line), line  # typer's <str>, <int>, <path>


def test_every_value_takes_a_conventional_metavar() -> None:
    wrong = []
    for path, cmd in _commands():
        for param in cmd.params:
            takes_value = param.param_type_name == "argument" or not param.is_flag
            if param.name == "help" or not takes_value:
                continue
            if param.metavar is None or not METAVAR.fullmatch(param.metavar):
                wrong.append(f"{' '.join(path)} {param.opts[0]}: {param.metavar!r}")
    assert wrong == []


def test_quiet_leaves_only_warnings_and_errors(in_repo: Path) -> None:
    assert cli("init", "-q").output == ""
    (in_repo / "data").mkdir()
    (in_repo / "data" / "a.txt").write_text("a\n")
    assert cli("data", "add", "data", "-q").output == ""
    added = cli("data", "remote", "add", "store", str(in_repo.parent / "store"), "--quiet")
    assert (added.exit_code, added.output) == (0, "")
    (in_repo.parent / "store").mkdir()
    pushed = cli("data", "push", "-q")
    assert (pushed.exit_code, pushed.output) == (0, "")
    loud = cli("data", "push")
    assert loud.exit_code == 0, loud
    assert "already there" in loud.stdout
    missing = cli("data", "show", "nope", "-q")  # an answer command: no such option
    assert missing.exit_code == 2


def test_exit_statuses_are_documented_alike() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    man = (ROOT / "man" / "git-ml.1").read_text("utf-8")
    man_section = man.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\.B (\d+)$", man_section, re.M)}
    assert documented == {0, 1, 2, 3, ALERT_EXIT, 130}
    for code in documented:
        assert re.search(rf"\b{code}\b", section), code
    assert ALERT_EXIT not in (1, 2, 3)
