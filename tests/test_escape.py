"""Escaping hostile text: the shortcut for printable text changes no answer."""

from __future__ import annotations

import re
import subprocess
import sys

from gitml import escape


def test_no_character_the_escapes_act_on_is_printable() -> None:
    """``terminal`` and ``one_line`` return printable text as it is, unmatched."""
    acted_on = re.compile(f"{escape._CONTROLS}|{escape._LINE_BREAKS}")
    printable = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable())
    assert acted_on.search(printable) is None


def test_controls_and_line_breaks_are_shown_not_acted_on() -> None:
    hostile = "run\x1b]0;title\x07 \u202eevil\tname\nnext\u2028"
    assert escape.terminal(hostile) == "run\\x1b]0;title\\x07 \\u202eevil\tname\nnext\u2028"
    assert escape.one_line(hostile) == "run\\x1b]0;title\\x07 \\u202eevil\\x09name\\x0anext\\u2028"
    assert escape.terminal("plain name") == escape.one_line("plain name") == "plain name"
    assert escape.code("a`b\nc") == "``a`b\\x0ac``"
    assert escape.markdown("# *x*", starts_line=True) == "\\# \\*x\\*"


def test_importing_it_compiles_no_pattern() -> None:
    """Every command imports this module; two of its classes take about 1 ms each."""
    code = (
        "import re, sys\n"
        "compiled = []\n"
        "real = re.compile\n"
        "re.compile = lambda *a, **k: compiled.append(a) or real(*a, **k)\n"
        "import gitml.escape\n"
        "gitml.escape.terminal('a plain line'), gitml.escape.one_line('a plain line')\n"
        "sys.exit(len(compiled))\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
