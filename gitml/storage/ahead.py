"""Work done beside the caller's: a bulk load reads and inflates the next batch on a
second thread, and tallies the records it is checked against in a child process, while
SQLite (which lets go of the GIL) writes the current batch."""

from __future__ import annotations

import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


FORKS = sys.platform == "linux"
"""Whether ``beside`` forks (elsewhere a fork is unsafe, or missing)."""


class _Done:
    """What the producer puts last: the exception it stopped on, or None at the end."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def read_ahead(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """The items of ``items`` in order, each produced on a thread of its own while the
    caller works on the one before: at most ``depth`` wait beside the one being made
    and the one the caller holds. An exception ``items`` raises is raised here. When the
    caller stops early, the producer stops after the item it is making."""
    slots: queue.Queue[T | _Done] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                slots.put(item)
                del item
                if stop.is_set():
                    return
            slots.put(_Done(None))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            slots.put(_Done(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="gitml-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                return
            yield item
            del item  # not held while the next is awaited
    finally:
        stop.set()
        while thread.is_alive():  # free a slot for a producer blocked on a full queue
            try:
                slots.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


class Background(Generic[T]):
    """``work(stop)`` running on a thread of its own from creation; ``result`` waits for
    it (raising what it raised), ``cancel`` asks it to stop at its next look at ``stop``
    and waits for it."""

    def __init__(self, work: Callable[[threading.Event], T]) -> None:
        self._stop = threading.Event()
        self._outcome: tuple[T] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(work,), name="gitml-background", daemon=True
        )
        self._thread.start()

    def _run(self, work: Callable[[threading.Event], T]) -> None:
        try:
            self._outcome = (work(self._stop),)
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._outcome is None:
            raise RuntimeError("the background work ended without a result")
        return self._outcome[0]

    def cancel(self) -> None:
        self._stop.set()
        self._thread.join()


class Forked(Generic[T]):
    """``work(stop)`` running in a child process forked at creation, so that its Python
    work does not wait for the caller's GIL nor the caller for its; ``result`` waits for
    it (its value, or what it raised, comes back pickled), ``cancel`` ends it (``stop``
    is never set: the child is killed). Fork only where it is safe, as ``beside`` says."""

    def __init__(self, work: Callable[[threading.Event], T]) -> None:
        readable, writable = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, which coverage does not follow
            _child(work, readable, writable)
        os.close(writable)
        self._pid: int | None = pid
        self._readable: int | None = readable

    def result(self) -> T:
        if self._readable is None:
            raise RuntimeError("the forked work was cancelled")
        chunks = []
        while chunk := os.read(self._readable, 1 << 16):
            chunks.append(chunk)
        self._close()
        try:
            ok, value = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - no result, or one that does not unpickle
            raise RuntimeError("the forked work ended without a result") from None
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
        self._close()

    def _close(self) -> None:
        if self._readable is not None:
            os.close(self._readable)
            self._readable = None
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None


def _child(work: Callable[[threading.Event], object], readable: int, writable: int) -> None:
    """Run ``work`` in a forked child, write its pickled outcome to ``writable`` and exit
    without running the parent's exit handlers. The child first closes every descriptor
    it inherited but the standard three and ``writable``, so no file lock of the parent
    outlives the parent's own hold on it."""
    code = 0
    try:
        os.closerange(3, writable)
        os.closerange(writable + 1, 1 << 16)
        try:
            outcome: tuple[bool, object] = (True, work(threading.Event()))
        except BaseException as exc:  # noqa: BLE001 - sent to the parent
            outcome = (False, exc)
        try:
            payload = pickle.dumps(outcome)
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            payload = pickle.dumps((False, RuntimeError(repr(outcome[1]))))
        with os.fdopen(writable, "wb") as out:
            out.write(payload)
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code
        code = 1
    finally:
        os._exit(code)


def beside(work: Callable[[threading.Event], T]) -> Background[T] | Forked[T]:
    """``work`` running beside the caller: in a forked child on Linux (``Forked``: the
    caller's threads hold no lock a child could need, as a load's do not when it starts
    this), on a thread of its own elsewhere (``Background``)."""
    return Forked(work) if FORKS else Background(work)
