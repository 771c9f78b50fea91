"""Meta-test: every command and every option has help text (GTO's rule)."""

from __future__ import annotations

from typing import Any

import typer

from gitml.cli import app


def _walk(command: Any, path: str) -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, f"{path} {name}"))
    return found


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root, "git ml"):
        if getattr(command, "hidden", False):
            continue
        if not (command.help or "").strip():
            missing.append(f"{path}: command has no help")
        for param in command.params:
            if (
                param.param_type_name == "option"
                and not (getattr(param, "help", None) or "").strip()
            ):
                missing.append(f"{path}: option {param.opts[0]} has no help")
            if (
                param.param_type_name == "argument"
                and not (getattr(param, "help", None) or "").strip()
            ):
                missing.append(f"{path}: argument {param.name} has no help")
    assert missing == []


def test_json_option_is_spelled_the_same_everywhere() -> None:
    root = typer.main.get_command(app)
    for path, command in _walk(root, "git ml"):
        for param in command.params:
            if param.name == "json":
                assert param.opts == ["--json"], path
