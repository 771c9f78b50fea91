"""The body of ``git ml demo``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gitml.cli._output import Output
from gitml.demo import Step, run_demo


def demo(*, directory: Path | None = None) -> None:
    """Build a throwaway repository and walk through what gitml does, printing each command."""
    out = Output()
    target = directory or Path(tempfile.mkdtemp(prefix="gitml-demo-"))
    target = target.resolve()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "gitml demo"),
        "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "demo@gitml.invalid"),
        "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "gitml demo"),
        "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "demo@gitml.invalid"),
    }

    def run(step: Step) -> int:
        if step.say:
            out.line(f"\n# {step.say}")
        out.line(f"$ {step.display()}")
        proc = subprocess.run(
            step.command(), cwd=target, env=env, check=False, stdout=sys.stdout, stderr=sys.stderr
        )
        return proc.returncode

    out.line(f"gitml demo in {target}")
    run_demo(target, run)
    out.line(f"\nDone. Explore it: cd {target} && git ml -h")
