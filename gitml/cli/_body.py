"""Calling a command's body by name (``module:function``) with keyword arguments."""

import importlib
from typing import Any


def call_body(target: str, kwargs: dict[str, Any]) -> int:
    """Import the body and call it; its return value is the exit code (None: 0)."""
    module, _, name = target.partition(":")
    body = getattr(importlib.import_module(module), name)
    code = body(**kwargs)
    return int(code or 0)
