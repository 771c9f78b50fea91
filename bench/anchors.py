"""Venvs for the tools gitml is measured against (DVC, MLflow, GTO, Evidently).

Each anchor lives in its own venv under ``bench/.work/<name>``, created and filled from
the package index on first use and never a dependency of gitml. ``BENCH_NO_INSTALL=1``
uses only venvs that already exist (the anchor is skipped otherwise).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"


def anchor_bin(name: str, packages: list[str], program: str) -> Path | None:
    """``bench/.work/<name>/bin/<program>``, installing ``packages`` there if needed."""
    venv = WORK / name
    path = venv / "bin" / program
    if path.exists():
        return path
    if os.environ.get("BENCH_NO_INSTALL") == "1":
        return None
    print(f"installing {' '.join(packages)} into {venv}", file=sys.stderr, flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *packages],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"could not install {packages}: {exc}", file=sys.stderr)
        return None
    return path if path.exists() else None


def version_of(python_bin: Path, module: str) -> str:
    """The installed version of ``module`` in the venv of ``python_bin``."""
    code = f"import importlib.metadata as m; print(m.version({module!r}))"
    proc = subprocess.run(
        [str(python_bin.parent / "python"), "-c", code], capture_output=True, text=True
    )
    return proc.stdout.strip() or "?"


ANCHOR_CACHE = Path(
    os.environ.get("GITML_ANCHOR_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitml-anchors"
)
DONE_MARK = ".gitml-anchor-complete"


def requirements_key(requirements: list[str]) -> str:
    """Eight hex digits naming one set of requirements (its venv's folder suffix)."""
    import hashlib

    text = "\n".join(sorted(r.strip() for r in requirements if r.strip()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def read_requirements(path: Path) -> list[str]:
    """The requirement lines of a requirements file (comments and blanks dropped)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


def cached_venv(
    name: str, requirements: list[str], *, root: Path | None = None, timeout: float = 1800
) -> tuple[Path | None, str]:
    """``(venv, "")`` of a venv holding ``requirements``, made once and kept; keyed by them.

    The venv is ``<root>/<name>-<key>`` (``root``: ``$GITML_ANCHOR_DIR``, by default
    ``~/.cache/gitml-anchors``); it is complete once a marker file is written, so an
    interrupted install is redone. Concurrent callers wait on a lock. Returns
    ``(None, why)`` when it cannot be made (``GITML_NO_ANCHOR_INSTALL=1`` forbids
    installing).
    """
    base = root or ANCHOR_CACHE
    venv = base / f"{name}-{requirements_key(requirements)}"
    if (venv / DONE_MARK).exists():
        return venv, ""
    if (
        os.environ.get("GITML_NO_ANCHOR_INSTALL") == "1"
        or os.environ.get("BENCH_NO_INSTALL") == "1"
    ):
        return None, f"{name} is not installed in {venv} and installing is switched off"
    base.mkdir(parents=True, exist_ok=True)
    from gitml.storage.filelock import exclusive

    with exclusive(base / f".{name}.lock"):
        if (venv / DONE_MARK).exists():
            return venv, ""
        print(f"installing {' '.join(requirements)} into {venv}", file=sys.stderr, flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            tail = detail.decode("utf-8", "replace").strip().splitlines()[-3:] if detail else []
            return None, f"could not install {name} into {venv}: {exc} {' '.join(tail)}"
        (venv / DONE_MARK).write_text("\n".join(requirements) + "\n", encoding="utf-8")
    return venv, ""


def site_packages(venv: Path) -> Path:
    """The ``site-packages`` folder of a venv made by this interpreter's version."""
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def overlay_venv(base: Path, dest: Path, *, editable: Path | None = None) -> Path:
    """A fresh venv at ``dest`` that sees ``base``'s packages (a ``.pth`` line) and holds
    ``editable`` installed in development mode; returns its ``python``.

    The framework venv is shared and never changes; each checkout's gitml is installed
    into a light venv of its own on top of it, with the build backend from ``base``.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(dest)], check=True)
    (site_packages(dest) / "gitml_anchor_base.pth").write_text(
        f"{site_packages(base)}\n", encoding="utf-8"
    )
    python = dest / "bin" / "python"
    if editable is not None:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--no-index", "-e", str(editable)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return python
