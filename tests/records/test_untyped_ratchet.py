"""Records travel typed: the number of bare ``dict[str, Any]`` in gitml may only shrink.

A record has its shape in ``gitml.records.shapes``; a free-form table says so with a named
alias (``Params``, ``JsonObject``, ``codec.Doc``). When a change removes some, lower
``MOST`` to the new count so they cannot come back.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GITML = ROOT / "gitml"
MOST = 52
_UNTYPED = re.compile(r"\bdict\[str, Any\]")


def untyped_count(root: Path) -> int:
    """How often ``dict[str, Any]`` is written in the Python files below ``root``."""
    return sum(len(_UNTYPED.findall(p.read_text("utf-8"))) for p in sorted(root.rglob("*.py")))


def test_untyped_dicts_do_not_grow() -> None:
    found = untyped_count(GITML)
    assert found <= MOST, (
        f"{found} `dict[str, Any]` in gitml/ (at most {MOST}): give a record its shape "
        "from gitml.records.shapes, or name a free-form table with an alias"
    )


def test_every_spelling_is_counted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text("x: dict[str, Any] = {}\ndef f() -> dict[str, Any]: ...\n")
    (tmp_path / "sub" / "b.py").write_text("y: list[dict[str, Any]] = []\nz: Mapping[str, Any]\n")
    (tmp_path / "notes.txt").write_text("dict[str, Any]\n")
    assert untyped_count(tmp_path) == 3
