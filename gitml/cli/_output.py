"""The one output sink: data on stdout (human or JSON), messages on stderr.

Human output shows control characters from records as escapes (``gitml.escape``): a
message or param could otherwise set the terminal's title or clear the screen.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from gitml.escape import one_line, terminal


def terminal_columns(fallback: int = 120) -> int:
    """Width of the terminal: ``$COLUMNS``, else stdout's terminal, else ``fallback``.

    What ``shutil.get_terminal_size`` answers, without importing shutil on start-up.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns > 0 else fallback


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return one_line(str(value))


class Output:
    """Human or JSON rendering; the CLI's only writer.

    With ``quiet`` (``-q``), summaries (``summary``) and notes (``info``) are dropped;
    data, warnings and errors are still written.
    """

    def __init__(self, json_mode: bool = False, *, quiet: bool = False) -> None:
        self.json_mode = json_mode
        self.quiet = quiet

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")

    def emit(self, data: Any, human: str | None = None) -> None:
        """JSON of ``data`` in JSON mode, else the ``human`` summary (if any)."""
        if self.json_mode:
            self.json(data)
        elif human is not None:
            self.summary(human)

    def listed(self, rows: Sequence[Any], *, none: str, none_is_data: bool = True) -> bool:
        """Whether a listing is done: ``rows`` printed as JSON in JSON mode, or, with no rows,
        ``none`` said (on stdout as data, else on stderr as a note). False: show them."""
        if self.json_mode:
            self.json(rows)
            return True
        if not rows:
            (self.line if none_is_data else self.info)(none)
            return True
        return False

    def text(self, text: str) -> None:
        """``text`` on stdout exactly as given."""
        sys.stdout.write(text)
        sys.stdout.flush()

    def line(self, text: str = "") -> None:
        """A line of data; control characters in it are shown, not obeyed."""
        text = terminal(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def summary(self, text: str) -> None:
        """What a command did, on stdout (not with ``quiet``)."""
        if not self.quiet:
            self.line(text)

    def info(self, text: str) -> None:
        """A note or hint on stderr (not with ``quiet``)."""
        if not self.quiet:
            self._stderr(text)

    def warn(self, text: str) -> None:
        self._stderr(f"warning: {text}")

    def error(self, text: str) -> None:
        self._stderr(f"error: {text}")

    def _stderr(self, text: str) -> None:
        sys.stderr.write(terminal(text) + "\n")
        sys.stderr.flush()

    def table(
        self,
        rows: Sequence[Mapping[str, Any]],
        columns: Sequence[str],
        *,
        headers: Mapping[str, str] | None = None,
        never_truncate: Sequence[str] = (),
    ) -> None:
        """A plain aligned table fitted to the terminal; ``never_truncate`` columns stay whole."""
        self.line(render_table(rows, columns, headers=headers, never_truncate=never_truncate))


def render_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    headers: Mapping[str, str] | None = None,
    never_truncate: Sequence[str] = (),
    width: int | None = None,
) -> str:
    heads = [(headers or {}).get(c, c) for c in columns]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(heads)]
    limit = width if width is not None else terminal_columns()
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        candidates = [i for i, c in enumerate(columns) if c not in never_truncate and widths[i] > 8]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    lines = []
    for row in [heads, *cells]:
        parts = []
        for i, value in enumerate(row):
            if len(value) > widths[i]:
                value = value[: widths[i] - 1] + "…"
            parts.append(value.ljust(widths[i]))
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
