"""Content digests of declared inputs and outputs (``xxh3-128:<hex>``, as for data)."""

from __future__ import annotations

import os
from pathlib import Path

from gitml.errors import GitmlError

CHUNK = 1 << 20


def file_digest_hex(path: Path) -> str:
    import xxhash

    hasher = xxhash.xxh3_128()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def path_digest(path: Path) -> str:
    """A file's content digest; for a folder, the digest of its sorted (path, digest) list."""
    import xxhash

    try:
        if path.is_file():
            return "xxh3-128:" + file_digest_hex(path)
        if path.is_dir():
            lines = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != ".git")
                for name in sorted(files):
                    full = Path(root) / name
                    rel = full.relative_to(path).as_posix()
                    lines.append(f"{rel}\0{file_digest_hex(full)}\n")
            return "xxh3-128:" + xxhash.xxh3_128_hexdigest("".join(sorted(lines)).encode())
    except OSError as exc:
        raise GitmlError(f"{path}: cannot read to compute its digest: {exc.strerror}") from None
    raise GitmlError(f"{path}: does not exist; check the path given to -i/-o or log_artifact")


def relative_name(path: Path, workdir: Path) -> str:
    """``path`` relative to the work tree when inside it, else absolute (posix)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(workdir).as_posix()
    except ValueError:
        return resolved.as_posix()
