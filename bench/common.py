"""What every benchmark shares: a hermetic environment for git and gitml processes."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def hermetic_env(home: Path) -> dict[str, str]:
    """The environment of this process with a private HOME and git identity.

    No ``GIT_*``/``GITML_*`` variables leak in, the system git config is ignored, neither
    gc nor the index's background fill (``gitml.index.warm``) starts in the middle of a
    measurement, this checkout's gitml is imported, and bytecode is written (what an
    installed wheel has).
    """
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
        "[gc]\n\tauto = 0\n[advice]\n\tdetachedHead = false\n"
        '[gitml "index"]\n\twarm = false\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITML_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        PYTHONPATH=str(ROOT),
        COLUMNS="120",
    )
    return env
