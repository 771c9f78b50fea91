"""Tallies of (path, blob id) pairs: equal exactly for the same pairs, in any order."""

from __future__ import annotations

import random

import pytest

from gitml.storage.tally import Tally

PATHS = [f"runs/{n % 7}/run{n}.toml" for n in range(200)]
BLOBS = [f"{n:040x}" for n in range(200)]


def _tally(pairs: list[tuple[str, str]], *, batch: int = 1000) -> Tally:
    tally = Tally()
    for start in range(0, len(pairs), batch):
        part = pairs[start : start + batch]
        tally.add([p for p, _b in part], [b for _p, b in part])
    return tally


def test_the_same_pairs_tally_the_same_in_any_order_and_batches() -> None:
    pairs = list(zip(PATHS, BLOBS, strict=True))
    shuffled = random.Random(7).sample(pairs, len(pairs))
    assert _tally(pairs) == _tally(shuffled, batch=13)
    assert _tally(pairs).count == 200


@pytest.mark.parametrize(
    "change",
    [
        lambda pairs: [*pairs[:-1], (pairs[-1][0], "f" * 40)],  # a blob differs
        lambda pairs: [*pairs[:-1], (pairs[-1][0] + "x", pairs[-1][1])],  # a path differs
        lambda pairs: [(b, p) for p, b in pairs],  # path and blob swapped
        lambda pairs: [(p + b[:1], b[1:]) for p, b in pairs],  # the split between them moved
        lambda pairs: pairs[:-1],  # one missing
    ],
    ids=["blob", "path", "swapped", "split moved", "missing"],
)
def test_other_pairs_tally_differently(change: object) -> None:
    pairs = list(zip(PATHS, BLOBS, strict=True))
    assert callable(change)
    assert _tally(change(pairs)) != _tally(pairs)


def test_paths_and_blobs_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        Tally().add(PATHS, BLOBS[:-1])


def test_a_path_that_is_not_utf8_tallies_as_its_bytes() -> None:
    """git's bytes that are not UTF-8 (read with ``surrogateescape``) are tallied, not a
    crash, and differ from the escaped text the index stores for them."""
    blob = "a" * 40
    raw = Tally()
    raw.add(["runs/\udcff.toml"], [blob])
    escaped = Tally()
    escaped.add(["runs/\\xff.toml"], [blob])
    assert raw.count == escaped.count == 1
    assert raw != escaped
