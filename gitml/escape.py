"""Text from records, escaped for the medium it is shown in.

Records come from other clones, so any name, value, message or description may be hostile:
a terminal obeys control sequences (window titles, clearing the screen), Markdown turns a
line into a heading or a ticked box and passes HTML through, and a commit trailer ends at
a newline. Each function here makes text inert for one medium and keeps it readable.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides
# that can make text read differently from what it is. The patterns are compiled on first
# use (``re`` keeps them): a class reaching past U+00FF takes about 1 ms to compile, and
# every command imports this module. None of these characters is printable, so text that
# ``str.isprintable`` passes (most of it) needs no pattern at all.
_CONTROLS = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_LINE_BREAKS = "[\r\n\t\x0b\x0c\x85\u2028\u2029]"
_INLINE = r"([\\`*_\[\]|~])"
_BLOCK_START = r"^(\s*)([#>+\-=]|\d+[.)])"
_TICKS = "`+"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` instead of acted on (newlines
    and tabs kept)."""
    if text.isprintable():
        return text
    return re.sub(_CONTROLS, _visible, text)


def one_line(text: str) -> str:
    """``terminal`` text on one line: line breaks and tabs shown as escapes too."""
    if text.isprintable():
        return text
    return re.sub(_CONTROLS, _visible, re.sub(_LINE_BREAKS, _visible, text))


def markdown(text: str, *, starts_line: bool = False) -> str:
    """Plain text inside Markdown: one line, no markup, no HTML. ``starts_line``: the text
    begins a line, where ``#``, ``-``, ``>`` or ``1.`` would open a block."""
    import html as _html  # only Markdown and HTML need it; every command imports this module

    escaped = re.sub(_INLINE, r"\\\1", _html.escape(one_line(text), quote=False))
    if not starts_line:
        return escaped
    return re.sub(_BLOCK_START, lambda m: f"{m.group(1)}\\{m.group(2)}", escaped, count=1)


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks and line breaks it holds."""
    flat = one_line(text)
    longest = max((len(run) for run in re.findall(_TICKS, flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def html(text: str) -> str:
    """Text inside HTML element content or a quoted attribute."""
    import html as _html

    return _html.escape(one_line(text), quote=True)


def trailer(text: str) -> str:
    """A value for a git trailer (``Key: value``): one line, nothing that opens another."""
    return one_line(text).strip()
