"""Work done on a second thread while the caller works on the first: a bulk load reads
and inflates the next batch, and lists the records it is checked against, while SQLite
(which lets go of the GIL) writes the current batch."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


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
