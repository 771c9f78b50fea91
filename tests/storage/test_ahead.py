"""Work beside the caller: read-ahead iteration, background results on a thread and in a
forked child."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitml.storage.ahead import FORKS, Background, Forked, read_ahead
from gitml.storage.filelock import hold_shared, try_exclusive

forks = pytest.mark.skipif(not FORKS, reason="beside() forks on Linux only")


def _counted(made: list[int], count: int, *, fail_at: int | None = None) -> Iterator[int]:
    for n in range(count):
        if n == fail_at:
            raise ValueError(f"item {n} is bad")
        made.append(n)
        yield n


def test_items_come_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def items() -> Iterator[int]:
        for n in range(50):
            threads.add(threading.current_thread().name)
            yield n

    assert list(read_ahead(items())) == list(range(50))
    assert threads == {"gitml-read-ahead"}


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    made: list[int] = []
    ahead = read_ahead(_counted(made, 100), depth=1)
    assert next(ahead) == 0
    for _ in range(100):  # let the producer fill what it may
        if len(made) >= 3:
            break
        threading.Event().wait(0.01)
    # one handed out, one waiting in the queue, one made and blocked on the full queue
    assert made == [0, 1, 2]
    ahead.close()


def test_an_exception_of_the_items_is_raised_to_the_caller_after_the_items_before() -> None:
    made: list[int] = []
    got: list[int] = []
    ahead = read_ahead(_counted(made, 10, fail_at=3))
    got.extend(next(ahead) for _ in range(3))
    with pytest.raises(ValueError, match="item 3 is bad"):
        next(ahead)
    assert got == [0, 1, 2]


def test_a_caller_that_stops_early_stops_and_closes_the_producer() -> None:
    closed = threading.Event()
    made: list[int] = []

    def items() -> Iterator[int]:
        try:
            yield from _counted(made, 1000)
        finally:
            closed.set()

    ahead = read_ahead(items())
    assert next(ahead) == 0
    ahead.close()
    assert closed.is_set()  # closed before close() returned: nothing runs on behind it
    assert len(made) <= 3
    assert not [t for t in threading.enumerate() if t.name == "gitml-read-ahead"]


def test_a_background_result_is_what_the_work_returned_or_raised() -> None:
    assert Background(lambda stop: 6 * 7).result() == 42

    def fails(stop: threading.Event) -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        Background(fails).result()


def test_cancel_stops_work_that_looks_at_stop_and_waits_for_it() -> None:
    started = threading.Event()
    rounds: list[int] = []

    def work(stop: threading.Event) -> int:
        started.set()
        while not stop.wait(0.001):
            rounds.append(1)
        return len(rounds)

    job = Background(work)
    started.wait()
    job.cancel()
    done = len(rounds)
    assert not [t for t in threading.enumerate() if t.name == "gitml-background"]
    assert job.result() == done  # it ended at cancel, with what it had done


@forks
def test_a_forked_result_is_what_the_work_returned_or_raised() -> None:
    parent = os.getpid()
    assert Forked(lambda stop: (os.getpid() != parent, 6 * 7)).result() == (True, 42)

    def fails(stop: threading.Event) -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        Forked(fails).result()


@forks
def test_a_forked_child_holds_none_of_the_callers_file_locks(tmp_path: Path) -> None:
    """A load forks its listing's tally while it holds the index's shared users lock; the
    swap of the new file needs that lock alone once the load lets go of it, so the child
    must not keep it held with its inherited descriptor."""
    lock = tmp_path / "users"
    started = tmp_path / "started"
    held = hold_shared(lock)

    def work(stop: threading.Event) -> None:
        started.touch()  # its work begins once it has closed what it inherited
        time.sleep(30)

    job = Forked(work)
    try:
        while not started.exists():
            time.sleep(0.01)
        os.close(held)
        with try_exclusive(lock) as alone:
            assert alone
    finally:
        job.cancel()


@forks
def test_cancel_ends_a_forked_child() -> None:
    job = Forked(lambda stop: time.sleep(30))
    started = time.monotonic()
    job.cancel()
    assert time.monotonic() - started < 10
    with pytest.raises(RuntimeError, match="cancelled"):
        job.result()
