"""Where a run's files live on ``refs/gitml/runs``, and what a run name may be.

Kept apart from ``runs.save`` so that reading runs (``show``, ``ls``) loads none of the
writing machinery.
"""

from __future__ import annotations

import re

from gitml.storage import RUNS_REF
from gitml.storage.collection import Collection, open_collection
from gitml.storage.repo import GitRepo

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


def runs_collection(repo: GitRepo) -> Collection:
    return open_collection(repo, RUNS_REF)


def history_path(record_path: str) -> str:
    return record_path.removesuffix(".toml") + ".history.csv"


def env_path(digest_hex: str) -> str:
    return f"env/{digest_hex}.txt"
