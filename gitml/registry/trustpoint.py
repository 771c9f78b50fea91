"""The last point at which the applied stage log verified: where incremental checks start.

A trust point says that the registry ref at ``registry`` held exactly the stage events the
default branch at ``branch`` derives (``pending``: those derived but not yet applied), and
keeps the derivation's end state (assignments, next sequence numbers, the changes left out),
so the events of later changes can be derived from it alone. It lives under ``.git/gitml``,
one file per gitml version; a file that does not read is no trust point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml._version import __version__
from gitml.atomic import write_atomic
from gitml.registry.stagefile import Assignments
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import StageEventRecord


class TrustPoint(NamedTuple):
    registry: str
    """The registry ref's commit that verified."""
    branch: str
    """The default branch's commit it verified against."""
    state: Assignments
    """The stages the last valid change assigned."""
    seqs: dict[str, int]
    """model -> the last sequence number derived."""
    pending: list[StageEventRecord]
    """Derived events the log did not hold yet (as records, oldest first)."""
    undone: list[str]
    """Commits whose changes applied-state records verifiably skip."""
    skipped: list[str]
    """Commits whose stages file the derivation left out for naming an unregistered model
    or version (a registration may make them valid; deleted or malformed files never
    become valid and are not kept)."""


def _path(repo: GitRepo) -> Path:
    return repo.state_dir / f"registry-trust-point-{__version__}.json"


def load_trust_point(repo: GitRepo) -> TrustPoint | None:
    try:
        doc = json.loads(_path(repo).read_text("utf-8"))
        state = {
            m: {s: tuple(v) if isinstance(v, list) else v for s, v in stages.items()}
            for m, stages in doc.pop("state").items()
        }
        return TrustPoint(state=state, **doc)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save_trust_point(repo: GitRepo, point: TrustPoint) -> None:
    try:
        write_atomic(_path(repo), json.dumps(point._asdict(), sort_keys=True))
    except OSError:
        return
