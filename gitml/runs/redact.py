"""Secrets never enter a run record: the command, ``-P`` params, tags, logged params.

Run records are pushed to every clone, so credentials that users pass on the command line
are replaced by ``***`` before the record is written:

* passwords in URLs (``scheme://user:***@host``), also inside a ``sh -c`` string;
* values of ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and other secret-looking
  header arguments (``-H 'Authorization: ***'``);
* the value after ``--password``, ``--token``, ``--api-key`` and other secret-looking
  flags, after ``-p`` unless it is a number or an existing path (a port, a probability, a
  config file), the password of ``-u user:pass``, and ``-pPASS`` for the MySQL clients;
* ``KEY=value`` words and ``-P``/tag/logged params whose key looks secret;
* anything that matches a token format of ``gitml.runs.secrets`` (cloud keys, forge tokens).

A rerun refuses a command that holds ``***`` (it cannot be run as recorded): pass secrets
through environment variables, which are never recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.runs.env import REDACTED, looks_secret

if TYPE_CHECKING:
    from gitml.records.shapes import Params


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(URL password, secret header, assignment); compiled when a word may need them."""
    url = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'\"]+:)[^\s/@'\"]+@")
    header = re.compile(
        r"(?i)(?P<head>\b(?:proxy-)?authorization|\b(?:set-)?cookie|\bx-[a-z0-9-]*(?:token|key"
        r"|secret|auth)[a-z0-9-]*|\b[a-z0-9-]*api-?key)(?P<sep>\s*:\s*)(?P<value>[^\r\n'\"]+)"
    )
    assignment = re.compile(r"(?<![\w.-])(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[^\s'\"&;]+)")
    return url, header, assignment


_MYSQL = frozenset({"mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump", "mysqlimport"})
_PASSWORD_FLAGS = frozenset({"-p", "--pass", "--passwd", "--password", "--pwd"})
_USER_FLAGS = frozenset({"-u", "--user"})


_SHORTEST_TOKEN = 16  # no token format of gitml.runs.secrets is shorter


def _tokens(text: str) -> str:
    """``text`` with every match of a ``gitml.runs.secrets`` token format replaced."""
    if len(text) < _SHORTEST_TOKEN:
        return text
    from gitml.runs.secrets import RULES

    data = text.encode("utf-8", "surrogateescape")
    for rule in RULES:
        if rule.markers != (b"://",) and any(m in data for m in rule.markers):
            data = rule.regex.sub(REDACTED.encode(), data)
    return data.decode("utf-8", "surrogateescape")


def redact_text(text: str) -> str:
    """Free text (one word, a ``sh -c`` string, a param value) with its secrets hidden."""
    if ":" not in text and "=" not in text:
        return _tokens(text)
    url, header, assignment = _patterns()
    text = url.sub(lambda m: m["head"] + REDACTED + "@", text)
    text = header.sub(lambda m: m["head"] + m["sep"] + REDACTED, text)
    text = assignment.sub(
        lambda m: f"{m['key']}={REDACTED}" if looks_secret(m["key"]) else m[0], text
    )
    return _tokens(text)


def _hides_next(word: str) -> bool:
    if word in _PASSWORD_FLAGS:
        return True
    return word.startswith("-") and "=" not in word and looks_secret(word)


def _value(flag: str, value: str, cwd: Path | None) -> str:
    """The recorded form of the value after a secret-looking ``flag``."""
    if value.startswith("-"):
        return value
    if flag == "-p" and (_is_number(value) or (cwd is not None and (cwd / value).exists())):
        return value
    return REDACTED


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def redact_command(argv: Sequence[str], cwd: Path | None = None) -> list[str]:
    """The command to record (see the module doc); ``cwd`` tells paths after ``-p`` apart."""
    program = Path(argv[0]).name if argv else ""
    out: list[str] = []
    previous = ""
    for word in argv:
        if out and _hides_next(previous):
            recorded = _value(previous, word, cwd)
        elif previous in _USER_FLAGS and ":" in word:
            recorded = word.partition(":")[0] + ":" + REDACTED
        elif program in _MYSQL and word.startswith("-p") and len(word) > 2:
            recorded = "-p" + REDACTED
        else:
            name, eq, _rest = word.partition("=")
            secret_flag = eq and name.startswith("-") and looks_secret(name)
            recorded = f"{name}={REDACTED}" if secret_flag else redact_text(word)
        out.append(recorded)
        previous = recorded  # a flag whose value it holds itself hides nothing after it
    return out


def redact_params(params: Mapping[str, Any], *, by_key: bool) -> Params:
    """Params or tags to record: secret-looking keys hidden (``by_key``), values scanned."""
    out: Params = {}
    for key, value in params.items():
        if by_key and looks_secret(key.rpartition(".")[2]):
            out[key] = REDACTED
        elif isinstance(value, str):
            out[key] = redact_text(value)
        elif isinstance(value, list):
            out[key] = [redact_text(v) if isinstance(v, str) else v for v in value]
        else:
            out[key] = value
    return out


def is_redacted(word: str) -> bool:
    """Whether a recorded command word had a secret hidden in it."""
    return REDACTED in word
