"""gitml as users get it: a wheel built from a source tree, installed into a fresh venv.

``install(workdir)`` builds this checkout; ``install(workdir, "main")`` builds the tree of a
git revision of this repository (``git archive``), so two versions run side by side in
one benchmark run. Each venv gets gitml's dependencies from the package index (or pip's
cache) and compiles bytecode at install time, as ``pip install gitml`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Build:
    """One installed gitml: a label (``this`` or the revision) and its ``git-ml`` script."""

    label: str
    git_ml: Path

    def command(self, *args: str) -> list[str]:
        return [str(self.git_ml), *args]

    @property
    def python(self) -> Path:
        return self.git_ml.parent / "python"


def _source(workdir: Path, rev: str | None) -> Path:
    if rev is None:
        return ROOT
    tree = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    ).stdout
    target = workdir / f"src-{rev.replace('/', '-')}"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(tree)) as archive:
        archive.extractall(target, filter="data")
    return target


def install(workdir: Path, rev: str | None = None, extras: str = "") -> Build:
    """Build a wheel of this checkout (or of ``rev``) and install it into a new venv.

    ``extras`` (e.g. ``"s3,gcs"``) are installed with it, from the package index.
    """
    label = rev or "this"
    source = _source(workdir, rev)
    dist = workdir / f"dist-{label.replace('/', '-')}"
    venv = workdir / f"venv-{label.replace('/', '-')}"
    print(f"building gitml ({label}) into {venv}", file=sys.stderr, flush=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        check=True,
        env=env,
    )
    wheel = next(dist.glob("gitml-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{wheel}[{extras}]" if extras else str(wheel),
        ],
        check=True,
        env=env,
    )
    return Build(label, venv / "bin" / "git-ml")


def command_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for an installed build: it imports its own gitml, never this checkout's."""
    return {k: v for k, v in env.items() if k != "PYTHONPATH"}
