"""A set of (path, blob id) pairs summed up in constant memory and in any order, so that
the rows a load writes can be compared with the records a tree lists without holding
either side whole or sorting it."""

from __future__ import annotations

from collections.abc import Sequence
from operator import methodcaller

import xxhash

_MASK = (1 << 128) - 1
_AS_BYTES = methodcaller("encode", "utf-8", "surrogateescape")


class Tally:
    """How many pairs were added, and the sum modulo 2**128 of each pair's xxh3-128 hash:
    two tallies of pairs without repeats are equal when they hold the same pairs (an
    accidental match is a 2**-128 chance; the hash is not meant to stand up to someone
    choosing pairs to collide, and is used only where both sides are fixed beforehand)."""

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, paths: Sequence[str], blobs: Sequence[str]) -> None:
        """Add the pairs of ``paths`` and ``blobs``, which must be as long as each other."""
        # A path git holds as bytes that are not UTF-8 tallies as those bytes.
        pairs = map(_AS_BYTES, map("\0".join, zip(paths, blobs, strict=True)))
        self.total = (self.total + sum(map(xxhash.xxh3_128_intdigest, pairs))) & _MASK
        self.count += len(paths)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return (self.count, self.total) == (other.count, other.total)

    def __hash__(self) -> int:
        return hash((self.count, self.total))

    def __repr__(self) -> str:
        return f"Tally(count={self.count}, total={self.total:#034x})"
