"""Each collection file says what its path says: ``check_file`` refuses a fetched record
whose fields, bucket or bytes disagree with the path it is filed at.

The pull tests (``test_append_only``, ``test_forged_events``) forge whole histories, and a
forged record there is often refused for another reason first (an id from the future, a
commit git would not make); these cases isolate one rule each, next to an honest twin the
same rule accepts.
"""

from __future__ import annotations

import pytest
import xxhash

from gitml.integrity.layouts import check_file
from gitml.storage import DATA_REF, MONITOR_REF, QUEUE_REF, REGISTRY_REF
from gitml.storage.collection import WIDE

ID = "01KE0C9A1B2C3D4E5F6G7H8J9K"
OTHER = "01KE0C9A1B2C3D4E5F6G7H8J9M"
BODY = b"honest bytes\n"
HEX = xxhash.xxh3_128_hexdigest(BODY)
SHA = "0123456789abcdef0123456789abcdef01234567"


def toml(**fields: object) -> bytes:
    return "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in fields.items()).encode()


VERSION = "models/churn/versions/1.2.0.toml"
EVENT = f"models/churn/events/000000/00000003-{ID}.toml"
REPORT = f"monitor/churn/1.2.0/{ID}.toml"
MANIFEST = f"data/ds/{WIDE.shard(HEX)}/{HEX}.toml"
APPLIED = f"applied/{WIDE.shard(SHA)}/{SHA}.toml"
QUEUED = f"queue/{WIDE.shard(ID)}/{ID}.toml"
QUEUE_EVENT = f"queue/{WIDE.shard(ID)}/{ID}/{OTHER}.toml"

CASES = [
    (
        REGISTRY_REF,
        VERSION,
        toml(model="churn", version="1.2.0"),
        toml(model="churn", version="9.9.9"),
        "says version = '9.9.9' but its path says '1.2.0'",
    ),
    (
        REGISTRY_REF,
        VERSION,
        toml(model="churn", version="1.2.0"),
        toml(model="other", version="1.2.0"),
        "says model = 'other' but its path says 'churn'",
    ),
    (
        REGISTRY_REF,
        EVENT,
        toml(model="churn", seq=3, id=ID),
        toml(model="churn", seq=4, id=ID),
        "says seq = 4 but its path says 3",
    ),
    (
        REGISTRY_REF,
        EVENT,
        toml(model="churn", seq=3, id=ID),
        toml(model="other", seq=3, id=ID),
        "says model = 'other' but its path says 'churn'",
    ),
    (
        REGISTRY_REF,
        f"models/churn/events/000001/00000003-{ID}.toml",
        None,
        toml(model="churn", seq=3, id=ID),
        "is filed in bucket 000001, not 000000 where seq 3 goes",
    ),
    (
        MONITOR_REF,
        REPORT,
        toml(model="churn", version="1.2.0", id=ID),
        toml(model="churn", version="1.0.0", id=ID),
        "says version = '1.0.0' but its path says '1.2.0'",
    ),
    (
        MONITOR_REF,
        REPORT,
        toml(model="churn", version="1.2.0", id=ID),
        toml(model="churn", version="1.2.0", id=OTHER),
        f"says id = '{OTHER}' but its path says '{ID}'",
    ),
    (
        DATA_REF,
        MANIFEST,
        None,
        b'name = "ds"\n# edited\n',
        "holds content whose digest is",
    ),
    (
        REGISTRY_REF,
        APPLIED,
        toml(commit=SHA),
        toml(commit="f" * 40),
        f"says commit = '{'f' * 40}' but its path says '{SHA}'",
    ),
    (
        QUEUE_REF,
        QUEUED,
        toml(id=ID),
        toml(id=OTHER),
        f"says id = '{OTHER}' but its path says '{ID}'",
    ),
    (
        QUEUE_REF,
        QUEUE_EVENT,
        toml(entry=ID, id=OTHER),
        toml(entry=OTHER, id=OTHER),
        f"says entry = '{OTHER}' but its path says '{ID}'",
    ),
]
IDS = [
    "version-field",
    "version-model",
    "event-seq",
    "event-model",
    "event-bucket",
    "report-version",
    "report-id",
    "manifest-content",
    "applied-commit",
    "queue-entry-id",
    "queue-event-entry",
]


@pytest.mark.parametrize(("ref", "path", "honest", "forged", "problem"), CASES, ids=IDS)
def test_a_record_that_disagrees_with_its_path_is_refused(
    ref: str, path: str, honest: bytes | None, forged: bytes, problem: str
) -> None:
    if honest is not None:
        assert check_file(ref, path, honest)[0] is None
    found, _record_id = check_file(ref, path, forged)
    assert found is not None
    assert found.startswith(problem), found


def test_a_manifest_is_judged_by_its_digest_and_its_name() -> None:
    manifest = b'name = "ds"\n'
    digest = xxhash.xxh3_128_hexdigest(manifest)
    path = f"data/ds/{WIDE.shard(digest)}/{digest}.toml"
    assert check_file(DATA_REF, path, manifest) == (None, None)
    assert check_file(DATA_REF, path.replace("data/ds/", "data/other/"), manifest)[0] == (
        "says name = 'ds' but its path says 'other'"
    )
