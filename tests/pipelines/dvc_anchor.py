"""DVC itself, in a venv of its own (never a gitml dependency), for side-by-side tests.

The venv lives in ``$GITML_ANCHOR_DIR`` (default ``~/.cache/gitml-anchors``), made on
first use from the package index and kept for later runs. The location is read when
this module is imported, before the tests' private HOME replaces the real one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ANCHORS = Path(
    os.environ.get("GITML_ANCHOR_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitml-anchors"
)
DVC_SPEC = "dvc>=3.50,<4"


def dvc_executable() -> tuple[Path | None, str]:
    """``(path to dvc, "")``, or ``(None, why it could not be installed)``."""
    venv = ANCHORS / "dvc"
    dvc = venv / "bin" / "dvc"
    if dvc.exists():
        return dvc, ""
    if os.environ.get("GITML_NO_ANCHOR_INSTALL") == "1":
        return None, f"DVC is not installed in {venv} and GITML_NO_ANCHOR_INSTALL=1"
    ANCHORS.mkdir(parents=True, exist_ok=True)
    from gitml.storage.filelock import exclusive

    with exclusive(ANCHORS / ".dvc.lock"):
        if dvc.exists():
            return dvc, ""
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", DVC_SPEC],
                check=True,
                timeout=900,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            tail = detail.decode("utf-8", "replace").strip().splitlines()[-1:] if detail else []
            return None, f"could not install {DVC_SPEC} into {venv}: {exc} {' '.join(tail)}"
    return (dvc, "") if dvc.exists() else (None, f"{dvc} missing after installing DVC")


def dvc_env(site_cache: Path) -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_SITE_CACHE_DIR": str(site_cache)}
