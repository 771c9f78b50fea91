"""Shell completion: what can follow the words typed so far, from the generated spec.

The shell scripts (``gitml/_resources/completion``) call ``git ml __complete -- WORD...``
with the words after ``git ml`` (or ``gitml``), the last one being the word under the
cursor (empty after a space). The answer is one line saying what else the
shell should offer (``files``, ``dirs`` or nothing), then one candidate a line,
``value<TAB>description``. Commands and options come from ``_spec`` (no typer import);
runs, models, stages and datasets from ``_complete_values``, read only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gitml.cli._parse import ARGS, FLAG, HELP_OPTS, TAIL, Command, Param
from gitml.cli._spec import COMMANDS, GROUPS, SUMMARIES

FILES = "files"
DIRS = "dirs"
_FALLBACK = {"file": FILES, "dir": DIRS}
_ROOT_OPTIONS = (("--version", "Print gitml's version and exit."),)


@dataclass
class Answer:
    """Candidates (value, description) and what the shell should offer besides."""

    candidates: list[tuple[str, str]] = field(default_factory=list)
    fallback: str = ""

    def render(self) -> str:
        lines = [self.fallback]
        lines += [f"{value}\t{help}" if help else value for value, help in self.candidates]
        return "\n".join(lines) + "\n"


@dataclass
class _Position:
    """Where the cursor is: the command, the positionals before it, a pending option."""

    path: tuple[str, ...]
    command: Command | None
    positionals: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # dests of options given already
    option: Param | None = None  # the option whose value is under the cursor
    after_dashes: bool = False


def _children(
    path: tuple[str, ...], summaries: dict[tuple[str, ...], str]
) -> list[tuple[str, str]]:
    return [(p[-1], text) for p, text in summaries.items() if p[:-1] == path and len(p) > 0]


def _locate(
    words: Sequence[str],
    commands: dict[tuple[str, ...], Command],
    groups: frozenset[tuple[str, ...]],
) -> _Position:
    """Walk the completed words (all but the last) the way the parser would."""
    path: tuple[str, ...] = ()
    i = 0
    while i < len(words) and path in groups:
        if (*path, words[i]) in groups or (*path, words[i]) in commands:
            path = (*path, words[i])
        elif not words[i].startswith("-"):
            break
        i += 1
    pos = _Position(path, commands.get(path))
    if pos.command is None:
        return pos
    by_opt = {opt: p for p in pos.command.params for opt in p.opts}
    rest = list(words[i:])
    j = 0
    while j < len(rest):
        word = rest[j]
        j += 1
        if pos.after_dashes or (word != "-" and not word.startswith("-")):
            pos.positionals.append(word)
            if not pos.command.interspersed:
                pos.after_dashes = True
            continue
        if word == "--":
            pos.after_dashes = True
            continue
        name, eq, _ = word.partition("=") if word.startswith("--") else (word[:2], word[2:], "")
        param = by_opt.get(name)
        if param is None:
            continue
        pos.used.add(param.dest)
        if param.kind != FLAG and not eq:
            if j == len(rest):
                pos.option = param
            j += 1
    return pos


def _positional(pos: _Position) -> Param | None:
    """The positional parameter the next word fills, if any."""
    assert pos.command is not None
    placed = len(pos.positionals)
    for param in (p for p in pos.command.params if p.positional):
        if param.kind in (ARGS, TAIL) or placed == 0:
            return param
        placed -= 1
    return None


def _options(pos: _Position, prefix: str) -> list[tuple[str, str]]:
    assert pos.command is not None
    found = []
    for param in pos.command.params:
        if param.positional or (param.dest in pos.used and param.kind not in ("multi",)):
            continue
        for opt in param.opts:
            if opt.startswith(prefix):
                found.append((opt, param.help))
    if "-h".startswith(prefix) or "--help".startswith(prefix):
        found += [(opt, "Show the help and exit.") for opt in HELP_OPTS if opt.startswith(prefix)]
    return found


def _values(kind: str, prefix: str, pos: _Position) -> Answer:
    if not kind:
        return Answer()
    if kind in _FALLBACK:
        return Answer(fallback=_FALLBACK[kind])
    if kind.startswith("choice:"):
        options = kind.removeprefix("choice:").split("|")
        return Answer([(c, "") for c in options if c.startswith(prefix)])
    from gitml.cli import _complete_values

    values, fallback = _complete_values.find(kind, prefix, context=pos.positionals)
    return Answer([(v, "") for v in values], fallback=fallback)


def complete(
    words: Sequence[str],
    commands: dict[tuple[str, ...], Command],
    groups: frozenset[tuple[str, ...]],
    summaries: dict[tuple[str, ...], str],
) -> Answer:
    """What can replace the last of ``words`` (the words after the program name)."""
    typed, current = list(words[:-1]), words[-1] if words else ""
    pos = _locate(typed, commands, groups)
    if pos.command is None:
        if typed and not all(w.startswith("-") for w in typed[len(pos.path) :]):
            return Answer()  # an unknown command
        if current.startswith("-"):
            found = [(o, "Show the help and exit.") for o in HELP_OPTS]
            found += list(_ROOT_OPTIONS) if not pos.path else []
            return Answer([(o, h) for o, h in found if o.startswith(current)])
        return Answer([(n, h) for n, h in _children(pos.path, summaries) if n.startswith(current)])
    if pos.option is not None:
        return _values(pos.option.values, current, pos)
    if current.startswith("-") and not pos.after_dashes:
        return Answer(_options(pos, current))
    if pos.after_dashes and not pos.command.interspersed:
        return Answer(fallback=FILES)  # the command a run executes, and its arguments
    param = _positional(pos)
    return _values(param.values, current, pos) if param is not None else Answer()


def run(words: Sequence[str]) -> str:
    """The answer's text for ``git ml __complete -- WORD...``."""
    return complete(words, COMMANDS, GROUPS, SUMMARIES).render()
