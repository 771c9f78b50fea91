"""SECURITY.md names a test for every guarantee: each named test must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def test_every_test_security_md_names_exists() -> None:
    named = NAMED.findall((ROOT / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(named) > 20
    missing = []
    for path, name in named:
        source = ROOT / path
        functions = (
            {
                n.name
                for n in ast.walk(ast.parse(source.read_text()))
                if isinstance(n, ast.FunctionDef)
            }
            if source.is_file()
            else set()
        )
        if name not in functions:
            missing.append(f"{path}::{name}")
    assert missing == []
