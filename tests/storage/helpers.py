"""Shared helpers for storage tests: test records, the git oracle, forked workers."""

from __future__ import annotations

import multiprocessing
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitml.records import codec
from gitml.records.schema import validate_record
from gitml.storage.collection import LAYOUT_PATH, Collection
from gitml.storage.repo import open_repo
from tests.support.core import git

REF = "refs/gitml/t"
PREFIX = "t"
# Forked workers share the test's hermetic environment and the already imported pygit2.
FORK = multiprocessing.get_context("fork")


def record(tag: str, pad: int = 300) -> bytes:
    """A valid record (a ``gitml/layout/1`` document) of about ``pad`` + 80 bytes.

    ``shard`` is free text in that schema, so it carries the record's identity and padding
    to the size of a real run record; a truncated record no longer parses or validates.
    """
    doc = {
        "schema": "gitml/layout/1",
        "collection": "t",
        "fanout": 1,
        "shard": f"{tag}:" + "x" * pad,
    }
    return codec.dump_bytes(doc)


def collection(path: Path, ref: str = REF, prefix: str = PREFIX) -> Collection:
    return Collection(open_repo(path), ref, prefix)


def put_record(coll: Collection, record_id: str, message: str | None = None) -> str:
    path = coll.record_path(record_id)
    return coll.put(path, record(record_id), message or f"add {record_id}")


def bulk_put(coll: Collection, ids: list[str], message: str) -> str:
    """Write many records in one commit (fast setup for big collections)."""
    files: dict[str, bytes | None] = {coll.record_path(i): record(i) for i in ids}
    return coll.write(lambda _snap: files, message)


def record_paths(repo: Path, ref: str = REF) -> list[str]:
    """Record paths under ``ref`` according to ``git ls-tree -r`` (layout.toml excluded)."""
    out = git(repo, "ls-tree", "-r", "--name-only", ref).splitlines()
    return [p for p in out if p != LAYOUT_PATH]


def read_all(repo: Path, ref: str, paths: list[str]) -> dict[str, bytes]:
    """Blob contents of ``paths`` at ``ref``, read with ``git cat-file --batch``."""
    request = "".join(f"{ref}:{p}\n" for p in paths).encode()
    proc = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=repo, input=request, capture_output=True, check=True
    )
    out: dict[str, bytes] = {}
    data = proc.stdout
    pos = 0
    for path in paths:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].split()
        assert header[1] == b"blob", (path, header)
        size = int(header[2])
        out[path] = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return out


def assert_all_valid(repo: Path, ref: str = REF) -> dict[str, dict[str, Any]]:
    """Every record under ``ref`` parses and validates; returns path -> document."""
    paths = record_paths(repo, ref)
    docs: dict[str, dict[str, Any]] = {}
    for path, data in read_all(repo, ref, paths).items():
        doc = codec.loads(data, where=path)
        validate_record(doc, where=path)
        stem = path.rsplit("/", 1)[-1].removesuffix(".toml")
        assert doc["shard"].startswith(f"{stem}:"), path
        docs[path] = doc
    return docs


def assert_fsck_clean(repo: Path) -> None:
    proc = subprocess.run(
        ["git", "fsck", "--strict", "--no-dangling", "--no-progress"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    problems = [
        line
        for line in (proc.stdout + proc.stderr).splitlines()
        if line.split(" ", 1)[0].rstrip(":") in ("error", "warning", "missing", "broken", "bad")
    ]
    assert not problems, problems


def run_workers(
    target: Callable[..., None], args_list: list[tuple[Any, ...]], timeout: float
) -> None:
    """Run ``target(*args)`` in forked processes at once; all must exit 0."""
    procs = [FORK.Process(target=target, args=args) for args in args_list]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout)
    stuck = [proc.pid for proc in procs if proc.is_alive()]
    for proc in procs:
        if proc.is_alive():
            proc.kill()
            proc.join()
    assert not stuck, f"workers still running after {timeout} s: {stuck}"
    assert [proc.exitcode for proc in procs] == [0] * len(procs)
