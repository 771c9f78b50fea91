"""Monitoring reports for the UI.

No monitoring domain records reports yet (``refs/gitml/monitor`` stays empty), so the page
shows how to make the first one; when ``gitml.monitor`` lands, this module reads through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

EMPTY_REPORTS = "no monitoring reports yet: git ml monitor MODEL@STAGE --data FILE"


def reports(repo: GitRepo) -> dict[str, Any]:
    return {"reports": [], "empty": EMPTY_REPORTS}
