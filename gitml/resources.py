"""Files shipped with gitml: JSON Schemas, hook shims, CI templates and the man page.

In a wheel they live inside the package (``gitml/_schemas``, ``gitml/_hooks``); in a
source checkout or editable install they are read from the top-level folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE.parent


@cache
def resource_dir(name: str) -> Path:
    """The directory of shipped resource ``name`` (``schemas``, ``hooks`` or ``man``)."""
    packaged = _PACKAGE / f"_{name}"
    if packaged.is_dir():
        return packaged
    source = _SOURCE_ROOT / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"gitml resource folder {name!r} is missing from this installation")
