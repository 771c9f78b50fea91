from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest
import xxhash

from gitml.objects.digest import (
    BIG_FILE,
    BUFFER_SIZE,
    Digest,
    hash_bytes,
    hash_file,
    hash_files,
    parse_digest,
    run_parallel,
)
from gitml.objects.errors import DataError
from gitml.objects.progress import TerminalProgress

SIZES = [0, 1, BUFFER_SIZE - 1, BUFFER_SIZE, BUFFER_SIZE + 1, 3 * BUFFER_SIZE + 7]


@pytest.mark.parametrize("size", SIZES)
def test_hash_file_matches_xxhash_reference(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert hash_file(path) == "xxh3-128:" + xxhash.xxh3_128_hexdigest(data)
    assert hash_bytes(data) == hash_file(path)


@pytest.mark.skipif(shutil.which("xxh128sum") is None, reason="xxh128sum not installed")
def test_hash_file_matches_xxh128sum(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(os.urandom(5 * BUFFER_SIZE + 3))
    out = subprocess.run(["xxh128sum", str(path)], capture_output=True, text=True, check=True)
    assert hash_file(path).hex == out.stdout.split()[0]


def test_hash_files_parallel_equals_serial(tmp_path: Path) -> None:
    paths: list[str | Path] = []
    for i in range(300):
        p = tmp_path / f"s{i}"
        p.write_bytes(os.urandom(i * 37))
        paths.append(p if i % 2 else str(p))
    for i in range(3):
        p = tmp_path / f"b{i}"
        p.write_bytes(os.urandom(BIG_FILE + i * 1000))
        paths.append(p)
    serial = hash_files(paths, jobs=1)
    parallel = hash_files(paths, jobs=4)
    assert serial == parallel
    assert set(parallel) == set(paths)  # keyed by the paths exactly as given
    assert all(parallel[p] == hash_file(p) for p in paths)


def test_hash_files_reports_progress_totals(tmp_path: Path) -> None:
    sizes = [10, 0, BIG_FILE + 5, 4096]
    paths = []
    for i, size in enumerate(sizes):
        paths.append(tmp_path / f"f{i}")
        paths[-1].write_bytes(b"x" * size)
    progress = TerminalProgress(io.StringIO(), delay=60)
    hash_files(paths, jobs=2, progress=progress)
    progress.close()
    (phase,) = progress.phases
    assert (phase.label, phase.total_files, phase.total_bytes) == ("hashing", 4, sum(sizes))
    assert (phase.files, phase.nbytes) == (4, sum(sizes))


def test_hash_file_missing_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"cannot read '.*nope'"):
        hash_file(tmp_path / "nope")


def test_hash_file_rejects_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a regular file"):
        hash_file(tmp_path)


def test_hash_files_error_in_one_file_propagates(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(b"x")
    with pytest.raises(DataError, match="missing"):
        hash_files([good, tmp_path / "missing"], jobs=2)


def test_parse_digest_accepts_valid() -> None:
    text = "xxh3-128:" + "0123456789abcdef" * 2
    digest = parse_digest(text)
    assert isinstance(digest, Digest)
    assert digest == text
    assert digest.hex == "0123456789abcdef" * 2
    assert Digest.from_hex(digest.hex) == digest


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0123456789abcdef0123456789abcdef",
        "md5:0123456789abcdef0123456789abcdef",
        "xxh3-128:0123456789ABCDEF0123456789ABCDEF",
        "xxh3-128:0123456789abcdef0123456789abcde",
        "xxh3-128:0123456789abcdef0123456789abcdef0",
        "xxh3-128:0123456789abcdef0123456789abcdeg",
    ],
)
def test_parse_digest_rejects_malformed(bad: str) -> None:
    with pytest.raises(DataError, match=r"invalid digest .*expected 'xxh3-128:' followed by 32"):
        parse_digest(bad)


def test_from_hex_rejects_malformed() -> None:
    with pytest.raises(DataError, match="invalid xxh3-128 hex"):
        Digest.from_hex("xyz")


def test_run_parallel_keeps_order_and_raises_first_error() -> None:
    tasks = [partial(pow, i, 2) for i in range(20)]
    assert run_parallel(tasks, jobs=4) == [i * i for i in range(20)]

    def boom() -> int:
        raise DataError("boom")

    with pytest.raises(DataError, match="boom"):
        run_parallel([lambda: 1, boom, lambda: 2], jobs=2)
