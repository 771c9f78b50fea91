"""Filling the query index's ``fields`` table in the background, before a query needs it.

A first load leaves ``fields`` empty, and a refresh that adds many records leaves theirs
out (``index.FIELDS_PENDING``): a listing reads none of it, and filling it costs about
23 µs a record (53 s at a million runs). The first ``ls --where``/``--sort`` finishes it
(``Index.fill_fields``), so that command pays for whatever is left. So a command that
leaves the table incomplete starts one detached step (``python -m
gitml.storage.fields_warm GIT_DIR``, through ``housekeeping.start_step``) that fills it a
chunk of ``STEP_CHUNK`` records per write transaction, pausing ``STEP_PAUSE`` between
chunks so writers and a query's own fill take turns with it.

Safe next to other processes: each chunk moves the index's mark of how far the table is
complete inside its own transaction, so two fills share the work, rows a writer adds
meanwhile are filled by one or the other, and a step killed midway leaves a table
complete up to its last chunk. The fill then makes ``index.QUERY_INDEXES``, the other
things a first query would wait for. One step at a time: a step holds
``.git/gitml/fields.lock`` (``housekeeping.guarded_step``), and one that finds it held
leaves the work to the one that holds it. A failed step leaves its error in
``.git/gitml/fields.log``. ``git config gitml.index.warm false`` switches steps off (a
query then fills the table as before).
"""

from __future__ import annotations

import sqlite3
import sys
from functools import partial
from pathlib import Path

from gitml.errors import GitmlError
from gitml.storage import INDEX_FILE
from gitml.storage.filelock import try_exclusive
from gitml.storage.housekeeping import config_is, guarded_step, start_step
from gitml.storage.index import Index
from gitml.storage.repo import STATE_DIR

LOCK = "fields.lock"
LOG = "fields.log"
SWITCH = "gitml.index.warm"
"""The git setting that switches the background fill off when false."""
STEP_CHUNK = 10_000
"""Records a step fills per write transaction (about 0.25 s of a writer's wait)."""
STEP_PAUSE = 0.15
"""Seconds a step sleeps between chunks: longer than the 100 ms a waiting SQLite writer
sleeps between tries, so one waiting for the lock gets it."""


def warm_later(index: Index, commondir: Path) -> bool:
    """Start a background fill when ``index``'s ``fields`` is incomplete, the fill is
    switched on and no step holds the lock; whether one was started."""
    if not index.fields_pending() or switched_off(commondir):
        return False
    with try_exclusive(commondir / STATE_DIR / LOCK) as free:
        if not free:
            return False
    start_step(commondir, __name__)
    return True


def warm(commondir: Path) -> bool:
    """Fill the ``fields`` table of the index in ``commondir`` (see the module); False when
    skipped: switched off, or another step holds the lock."""
    if switched_off(commondir):
        return False
    return guarded_step(commondir, LOCK, LOG, partial(_fill, commondir / STATE_DIR / INDEX_FILE))


def _fill(path: Path) -> str | None:
    """Fill the ``fields`` of the index at ``path`` (when there is one), as the first query
    would; the error, if any."""
    if not path.exists():
        return None
    index = Index(path)
    try:
        index.fill_fields(chunk=STEP_CHUNK, pause=STEP_PAUSE)
    except (sqlite3.Error, GitmlError, OSError) as exc:
        return f"filling {path.name}: {exc}"
    finally:
        index.close()
    return None


def switched_off(commondir: Path) -> bool:
    """Whether ``gitml.index.warm`` is false."""
    return config_is(commondir, SWITCH, "false", kind="bool")


if __name__ == "__main__":
    warm(Path(sys.argv[1]))
