"""Git storage: the only door to git (the git command line through ``git``, and pygit2).

Ref namespaces are constants here and nowhere else.
"""

REF_ROOT = "refs/gitml/"
NOTES_REF = "refs/notes/gitml"
RUNS_REF = REF_ROOT + "runs"
DATA_REF = REF_ROOT + "data"
REGISTRY_REF = REF_ROOT + "registry"
MONITOR_REF = REF_ROOT + "monitor"
QUEUE_REF = REF_ROOT + "queue"
COLLECTION_REFS = (RUNS_REF, DATA_REF, REGISTRY_REF, MONITOR_REF, QUEUE_REF)
INDEX_REF = REF_ROOT + "index"
"""Shared query-index snapshots (a cache of derived rows, never records)."""
INDEX_SCHEMA_VERSION = 11
# One file per schema version: two gitml versions on one repository (say the one
# pre-commit pinned and the one on PATH) each keep their own instead of rebuilding
# each other's on every call.
INDEX_FILE = f"index-v{INDEX_SCHEMA_VERSION}.sqlite"
"""The query index under ``.git/gitml`` (``storage.index``; read as it stands by ``peek``)."""
INDEX_USERS_SUFFIX = ".users"
"""Beside the index file: a file every open connection holds a shared lock on."""


def remote_tracking_ref(remote: str, ref: str) -> str:
    """``refs/gitml/runs`` -> ``refs/remotes/<remote>/gitml/runs`` (notes likewise)."""
    if ref == NOTES_REF:
        return f"refs/notes/remotes/{remote}/gitml"
    return f"refs/remotes/{remote}/gitml/{ref.removeprefix(REF_ROOT)}"
