"""The file-list blob: canonical encoding, strict decoding."""

from __future__ import annotations

import pytest

from gitml.objects.digest import hash_bytes
from gitml.objects.errors import DataError
from gitml.objects.listing import MAGIC, Entry, decode, encode

A = hash_bytes(b"a")


def test_round_trip_sorted() -> None:
    entries = [Entry("z/b.txt", A, 1), Entry("a b.txt", A, 1), Entry("z/a-t.txt", A, 2)]
    data = encode(entries)
    assert data.startswith(MAGIC)
    assert decode(data, where="x") == sorted(entries, key=lambda e: e.path)
    assert encode(reversed(entries)) == data


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{A}\t1\t../etc/passwd\n", "has a '..' component"),
        (f"{A}\t1\t/abs\n", "is absolute"),
        (f"{A}\t1\ta//b\n", "has an empty component"),
        (f"{A}\t1\tsub/.GIT/config\n", "has a '.GIT' component, which git reads as '.git'"),
        (f"{A}\t1\tgit~1/HEAD\n", "which git reads as '.git'"),
        (f"{A}\tx\ta\n", "invalid size 'x'"),
        ("xxh3-128:zz\t1\ta\n", "invalid digest"),
        (f"{A}\t1\tb\n{A}\t1\ta\n", "paths are not sorted"),
        (f"{A}\t1\ta\n{A}\t1\ta\n", "appears twice"),
        (f"{A}\t1\n", "expected 'digest<TAB>size<TAB>path'"),
        (f"{A}\t1\ta", "truncated"),
    ],
)
def test_decode_rejects(body: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        decode(MAGIC + body.encode(), where="listing x")


def test_decode_rejects_other_content() -> None:
    with pytest.raises(DataError, match="not a gitml file listing"):
        decode(b"hello", where="x")


def test_encode_rejects_bad_paths_and_duplicates() -> None:
    with pytest.raises(DataError, match="control character"):
        encode([Entry("a\nb", A, 1)])
    with pytest.raises(DataError, match=r"which git reads as '\.git'"):
        encode([Entry("x/.git/hooks/post-checkout", A, 1)])
    with pytest.raises(DataError, match="appears twice"):
        encode([Entry("a", A, 1), Entry("a", A, 1)])
