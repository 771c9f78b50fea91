"""Lazy access to the optional ``tabular`` extra (pyarrow, numpy)."""

from __future__ import annotations

from typing import Any

from gitml.errors import GitmlError

INSTALL_HINT = "install the tabular extra: pip install 'gitml[tabular]'"


class MissingExtra(GitmlError):
    """An optional dependency group is not installed."""


def require() -> None:
    """Raise MissingExtra unless pyarrow and numpy can be imported."""
    pyarrow()
    numpy()


def pyarrow() -> Any:
    """The ``pyarrow`` module with its ``compute``, ``csv``, ``json`` and ``parquet`` parts."""
    try:
        import pyarrow as pa
        import pyarrow.compute
        import pyarrow.csv
        import pyarrow.json
        import pyarrow.parquet
    except ImportError as exc:
        raise MissingExtra(f"pyarrow is not available ({exc}); {INSTALL_HINT}") from None
    return pa


def numpy() -> Any:
    """The ``numpy`` module."""
    try:
        import numpy as np
    except ImportError as exc:
        raise MissingExtra(f"numpy is not available ({exc}); {INSTALL_HINT}") from None
    return np
