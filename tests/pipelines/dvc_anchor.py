"""DVC itself, in a venv of its own (never a gitml dependency), for side-by-side tests.

The venv lives in ``$GITML_ANCHOR_DIR`` (default ``~/.cache/gitml-anchors``), made on
first use from the package index by ``bench.anchors.cached_venv`` and kept for later runs. The location is read when
this module is imported, before the tests' private HOME replaces the real one.
"""

from __future__ import annotations

import os
from pathlib import Path

ANCHORS = Path(
    os.environ.get("GITML_ANCHOR_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitml-anchors"
)
DVC_SPEC = "dvc>=3.50,<4"


def dvc_executable() -> tuple[Path | None, str]:
    """``(path to dvc, "")``, or ``(None, why it could not be installed)``."""
    from bench.anchors import cached_venv

    venv, why = cached_venv("dvc", [DVC_SPEC], root=ANCHORS)
    if venv is None:
        return None, why
    dvc = venv / "bin" / "dvc"
    return (dvc, "") if dvc.exists() else (None, f"{dvc} missing after installing DVC")


def dvc_env(site_cache: Path) -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_SITE_CACHE_DIR": str(site_cache)}
